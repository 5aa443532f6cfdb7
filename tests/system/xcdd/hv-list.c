/*
 * hv-list: what the simulated host at SOCKET has, through hv and not through
 * xcdd, for the system tests that check xcdd against it: one line per guest
 * (domain 0 left out), "DOMID UUID STATE" with STATE as xl's flags (r b p s
 * c d, '-' for a flag not set).
 */
#include "../../../hv/hv.h"
#include "../../../lib/errmsg.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_DOMAINS 1024

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: hv-list SIM_SOCKET\n");
		return 2;
	}
	struct hv *hv;
	char err[XCD_ERR_MAX];
	if (hv_open(HV_SIM, argv[1], &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "hv-list: %s\n", err);
		return 1;
	}
	struct hv_dominfo *list = calloc(MAX_DOMAINS, sizeof(*list));
	int n = list ? hv_domain_list(hv, list, MAX_DOMAINS) : -1;
	if (n < 0)
		fprintf(stderr, "hv-list: %s\n", list ? hv_error(hv) : "out of memory");
	for (int i = 0; i < n; i++) {
		const struct hv_dominfo *d = &list[i];
		const uint8_t *u = d->uuid;
		bool sd = d->flags & HV_DOMF_SHUTDOWN;
		if (d->domid == 0)
			continue;
		printf("%u %02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x "
		       "%c%c%c%c%c%c\n", d->domid, u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
		       u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15],
		       d->flags & HV_DOMF_RUNNING ? 'r' : '-', d->flags & HV_DOMF_BLOCKED ? 'b' : '-',
		       d->flags & HV_DOMF_PAUSED ? 'p' : '-', sd ? 's' : '-',
		       sd && d->shutdown_reason == HV_SHUTDOWN_CRASH ? 'c' : '-',
		       d->flags & HV_DOMF_DYING ? 'd' : '-');
	}
	free(list);
	hv_close(hv);
	return n < 0;
}
