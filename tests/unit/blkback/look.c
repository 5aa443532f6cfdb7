/* blk-look: show, plan, verify and the multipath.conf stanzas of a sysroot,
 * to look at fixture hosts by hand. Usage: blk-look SYSROOT [IO.CONF] [--json] */
#include "../../../blkback/plan.h"
#include "../../../blkback/run.h"
#include "../../../lib/errmsg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	bool json = argc > 1 && strcmp(argv[argc - 1], "--json") == 0;
	if (json)
		argc--;
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: blk-look SYSROOT [IO.CONF] [--json]\n");
		return 2;
	}
	char err[XCD_ERR_MAX];
	struct blk_run r;
	if (blk_run_all(argv[1], argc == 3 ? argv[2] : NULL, json ? BLK_RUN_JSON : BLK_RUN_TEXT, &r,
			err, sizeof(err)) < 0) {
		fprintf(stderr, "blk-look: %s\n", err);
		return 1;
	}
	if (json) {
		printf("%s\n", r.json);
	} else {
		char *conf;
		printf("== show\n%s== plan\n%s== verify\n%s", r.show_text, r.plan_text, r.verify_text);
		if (blk_multipath_conf(&r.plan, &conf) == 0) {
			printf("== multipath.conf stanzas\n%s", conf);
			free(conf);
		}
	}
	blk_run_free(&r);
	return 0;
}
