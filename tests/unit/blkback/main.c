/* blkback-unit: CUnit suites for blkback/ (parsers, readers, policy, plan,
 * verify) on the fixture hosts of fixtures/ (written by make-fixtures.py). */
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *tmp_root(void)
{
	char *d = strdup("/tmp/blkback-unit.XXXXXX");
	if (!d || !mkdtemp(d)) {
		perror("mkdtemp");
		exit(2);
	}
	return d;
}

void tmp_write(const char *root, const char *rel, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(path, 0755);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(2);
	}
}

void tmp_remove(char *root)
{
	char cmd[4200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", root);
	free(root);
}

int main(void)
{
	suite_register_fn *const regs[] = { register_fchost, register_mpath, register_readers,
					    register_policy, register_plan, register_measure,
					    register_dmevent, register_apply,
					    NULL };
	return cunit_run("blkback-unit", regs);
}
