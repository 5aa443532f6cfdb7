/* cons-guest: the hv calls tests/system/console/run needs, one per run,
 * against the simulated host at $XCD_SIM_SOCKET.
 *   cons-guest create KERNEL MEM_KIB  create and build (left paused); prints
 *                                     "DOMID CONSOLE_PFN CONSOLE_PORT STORE_PFN
 *                                     STORE_PORT"
 *   cons-guest rings DOMID            the console ring and port of a domain
 *                                     someone else built, from the guest's
 *                                     header page: "CONSOLE_PFN CONSOLE_PORT"
 *   cons-guest unpause|destroy DOMID
 *   cons-guest input DOMID PFN        what the guest has been sent on its
 *                                     console input ring and not yet read
 *   cons-guest output DOMID PFN       "PROD CONS" of the output ring
 *   cons-guest scribble DOMID PFN     plays a broken guest: its output
 *                                     producer index 100000 bytes ahead
 * Exit status 0, or 1 with hv's explanation on stderr. */
#include "../../../hv/hv.h"
#include "../../../lib/errmsg.h"
#include "../../../sim/guest.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/console.h>

static int fail(struct hv *hv, const char *what)
{
	fprintf(stderr, "cons-guest: %s: %s\n", what, hv_error(hv));
	return 1;
}

static int ring(struct hv *hv, uint32_t domid, uint64_t pfn, int input)
{
	struct xencons_interface *c = NULL;
	if (hv_map(hv, domid, pfn, 1, HV_MAP_READ, (void **)&c) < 0)
		return fail(hv, "map console ring");
	if (input) {
		for (XENCONS_RING_IDX i = c->in_cons; i != c->in_prod; i++)
			putchar(c->in[MASK_XENCONS_IDX(i, c->in)]);
	} else {
		printf("%u %u\n", c->out_prod, c->out_cons);
	}
	hv_unmap(hv, c, 1);
	return 0;
}

static int scribble(struct hv *hv, uint32_t domid, uint64_t pfn)
{
	struct xencons_interface *c = NULL;
	if (hv_map(hv, domid, pfn, 1, HV_MAP_READ | HV_MAP_WRITE, (void **)&c) < 0)
		return fail(hv, "map console ring");
	__atomic_store_n(&c->out_prod, c->out_cons + 100000, __ATOMIC_RELEASE);
	hv_unmap(hv, c, 1);
	return 0;
}

static int rings(struct hv *hv, uint32_t domid)
{
	struct sim_guest_header *g = NULL;
	if (hv_map(hv, domid, 0, 1, HV_MAP_READ, (void **)&g) < 0)
		return fail(hv, "map header page");
	int rc = 0;
	if (g->magic != SIM_GUEST_MAGIC) {
		fprintf(stderr, "cons-guest: domain %u: not a built xcd-sim guest\n", domid);
		rc = 1;
	} else {
		printf("%llu %u\n", (unsigned long long)g->console_pfn, g->console_port);
	}
	hv_unmap(hv, g, 1);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: cons-guest create KERNEL MEM_KIB | rings|unpause|destroy DOMID"
				" | input|output|scribble DOMID PFN\n");
		return 2;
	}
	struct hv *hv;
	char err[XCD_ERR_MAX];
	if (hv_open(HV_SIM, NULL, &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "cons-guest: %s\n", err);
		return 1;
	}
	int rc = 0;
	const char *cmd = argv[1];
	uint32_t domid = (uint32_t)strtoul(argv[2], NULL, 10);
	if (strcmp(cmd, "create") == 0 && argc == 4) {
		struct hv_domain_config cfg = { .max_vcpus = 1, .type = HV_DOM_PV,
						.max_mem_kb = strtoull(argv[3], NULL, 10) };
		struct hv_build_spec spec = { .kernel = argv[2] };
		struct hv_build_result br;
		if (hv_domain_create(hv, &cfg, &domid) < 0)
			rc = fail(hv, "create");
		else if (hv_domain_build(hv, domid, &spec, &br) < 0)
			rc = fail(hv, "build");
		else
			printf("%u %llu %u %llu %u\n", domid, (unsigned long long)br.console_pfn,
			       br.console_port, (unsigned long long)br.store_pfn, br.store_port);
	} else if (strcmp(cmd, "rings") == 0 && argc == 3) {
		rc = rings(hv, domid);
	} else if (strcmp(cmd, "unpause") == 0 && argc == 3) {
		rc = hv_domain_unpause(hv, domid) < 0 ? fail(hv, cmd) : 0;
	} else if (strcmp(cmd, "destroy") == 0 && argc == 3) {
		rc = hv_domain_destroy(hv, domid) < 0 ? fail(hv, cmd) : 0;
	} else if ((strcmp(cmd, "input") == 0 || strcmp(cmd, "output") == 0) && argc == 4) {
		rc = ring(hv, domid, strtoull(argv[3], NULL, 10), cmd[0] == 'i');
	} else if (strcmp(cmd, "scribble") == 0 && argc == 4) {
		rc = scribble(hv, domid, strtoull(argv[3], NULL, 10));
	} else {
		fprintf(stderr, "cons-guest: unknown command or arguments: %s\n", cmd);
		rc = 2;
	}
	hv_close(hv);
	return rc;
}
