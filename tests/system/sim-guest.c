/* sim-guest: a toolstack's hv calls for system tests, one per run, against
 * the simulated host at $XCD_SIM_SOCKET.
 *   sim-guest create KERNEL MEM_KIB   create and build (left paused); prints
 *                                     "DOMID STORE_PFN STORE_PORT CONSOLE_PFN CONSOLE_PORT"
 *   sim-guest unpause|destroy|resume DOMID
 *   sim-guest info DOMID              prints key=value: shutdown reason mem_kb target_kb
 *   sim-guest console DOMID PFN       prints what the guest wrote to its console
 *                                     (PFN: the console page create printed)
 * Exit status 0, or 1 with hv's explanation on stderr. */
#include "../../hv/hv.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/console.h>

static int fail(struct hv *hv, const char *what)
{
	fprintf(stderr, "sim-guest: %s: %s\n", what, hv_error(hv));
	return 1;
}

static int console(struct hv *hv, uint32_t domid, uint64_t pfn)
{
	struct xencons_interface *c = NULL;
	if (hv_map(hv, domid, pfn, 1, HV_MAP_READ, (void **)&c) < 0)
		return fail(hv, "map console");
	for (XENCONS_RING_IDX i = c->out_cons; i != c->out_prod; i++)
		putchar(c->out[MASK_XENCONS_IDX(i, c->out)]);
	hv_unmap(hv, c, 1);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sim-guest create KERNEL MEM_KIB | unpause|destroy|resume|info|console DOMID\n");
		return 2;
	}
	struct hv *hv;
	char err[256];
	if (hv_open(HV_SIM, NULL, &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "sim-guest: %s\n", err);
		return 1;
	}
	int rc = 0;
	const char *cmd = argv[1];
	if (strcmp(cmd, "create") == 0 && argc == 4) {
		struct hv_domain_config cfg = { .max_vcpus = 1, .type = HV_DOM_PV,
						.max_mem_kb = strtoull(argv[3], NULL, 10) };
		uint32_t domid;
		struct hv_build_spec spec = { .kernel = argv[2], .store_domid = 0,
					      .console_domid = 0 };
		struct hv_build_result br;
		if (hv_domain_create(hv, &cfg, &domid) < 0)
			rc = fail(hv, "create");
		else if (hv_domain_build(hv, domid, &spec, &br) < 0)
			rc = fail(hv, "build");
		else
			printf("%u %llu %u %llu %u\n", domid, (unsigned long long)br.store_pfn,
			       br.store_port, (unsigned long long)br.console_pfn, br.console_port);
	} else {
		uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 10);
		struct hv_dominfo di;
		if (strcmp(cmd, "unpause") == 0)
			rc = hv_domain_unpause(hv, domid) < 0 ? fail(hv, cmd) : 0;
		else if (strcmp(cmd, "destroy") == 0)
			rc = hv_domain_destroy(hv, domid) < 0 ? fail(hv, cmd) : 0;
		else if (strcmp(cmd, "resume") == 0)
			rc = hv_domain_resume(hv, domid) < 0 ? fail(hv, cmd) : 0;
		else if (strcmp(cmd, "console") == 0 && argc == 4)
			rc = console(hv, domid, strtoull(argv[3], NULL, 10));
		else if (strcmp(cmd, "info") == 0) {
			if (hv_domain_getinfo(hv, domid, &di) < 0)
				rc = fail(hv, cmd);
			else
				printf("shutdown=%d reason=%u mem_kb=%llu target_kb=%llu\n",
				       !!(di.flags & HV_DOMF_SHUTDOWN), di.shutdown_reason,
				       (unsigned long long)di.mem_kb,
				       (unsigned long long)di.target_kb);
		} else {
			fprintf(stderr, "sim-guest: unknown command %s\n", cmd);
			rc = 2;
		}
	}
	hv_close(hv);
	return rc;
}
