/* caps: every capability dropped for good (caps.h), with the raw system
 * calls (no libcap). */
#include "caps.h"
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int caps_drop_all(char *err, size_t errlen)
{
	/* The bounding set first (that needs CAP_SETPCAP, still held), up to
	 * the last capability this kernel knows. */
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL) {
			snprintf(err, errlen, "dropping capability %d from the bounding set: %s", c,
				 strerror(errno));
			return -errno;
		}
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "dropping every capability: %s", strerror(errno));
		return -errno;
	}
	/* No core dump, no ptrace from processes of the same uid: its memory
	 * holds the host's key. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return 0;
}
