/*
 * fuzz-xcdd-devices: libFuzzer target of the parsers xcdd adds between a
 * configuration and xenstore: a disk's vdev into its virtual-device number
 * (xcd/devid.c; the vdev comes from a user's xl.cfg), and the on_* actions
 * read back from a domain's JSON configuration (xcd/actions.c; from the
 * journal). The first byte chooses; the rest is the text.
 */
#include "../../xcd/actions.h"
#include "../../lib/errmsg.h"
#include "../../xcd/devid.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void must(int cond)
{
	if (!cond)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	char err[XCD_ERR_MAX] = "";
	if (data[0] & 1) {
		struct dm_on on;
		dm_on_defaults(&on);
		if (dm_on_from_json(s, &on, err, sizeof(err)) == 0) {
			const char *w;
			for (int r = 0; r <= HV_SHUTDOWN_SOFT_RESET; r++)
				must(dm_action_for(&on, (enum hv_shutdown_reason)r, &w) <=
				     DM_ACT_PRESERVE);
		} else {
			must(err[0] != '\0');
		}
	} else {
		int devid = -7;
		if (devid_from_vdev(s, &devid, err, sizeof(err)) == 0)
			must(devid >= 0);
		else
			must(devid == -7 && err[0] != '\0');
	}
	free(s);
	return 0;
}
