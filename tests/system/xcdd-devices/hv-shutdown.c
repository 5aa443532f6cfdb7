/*
 * hv-shutdown: plays a guest that shuts itself down, for the system test:
 * asks the simulated host at SOCKET, through hv, to shut domain DOMID down
 * with REASON (poweroff, reboot, crash, watchdog), as SCHEDOP_shutdown from
 * inside the guest would.
 */
#include "../../../hv/hv.h"
#include "../../../lib/errmsg.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	static const char *const names[] = { "poweroff", "reboot", "suspend",
					     "crash",    "watchdog", "soft_reset" };
	if (argc != 4) {
		fprintf(stderr, "usage: hv-shutdown SIM_SOCKET DOMID "
				"poweroff|reboot|crash|watchdog|soft_reset\n");
		return 2;
	}
	int reason = -1;
	for (int i = 0; i < 6; i++)
		if (!strcmp(argv[3], names[i]))
			reason = i;
	char *end;
	unsigned long domid = strtoul(argv[2], &end, 10);
	if (reason < 0 || *end || end == argv[2]) {
		fprintf(stderr, "hv-shutdown: bad domid %s or reason %s\n", argv[2], argv[3]);
		return 2;
	}
	struct hv *hv;
	char err[XCD_ERR_MAX];
	if (hv_open(HV_SIM, argv[1], &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "hv-shutdown: %s\n", err);
		return 1;
	}
	int rc = hv_domain_shutdown(hv, (uint32_t)domid, (enum hv_shutdown_reason)reason);
	if (rc < 0)
		fprintf(stderr, "hv-shutdown: %s\n", hv_error(hv));
	hv_close(hv);
	return rc < 0 ? 1 : 0;
}
