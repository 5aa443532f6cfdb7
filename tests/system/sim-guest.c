/* sim-guest: a toolstack's hv calls for system tests, one per run, against
 * the simulated host at $XCD_SIM_SOCKET.
 *   sim-guest create KERNEL MEM_KIB [pvh]   create (PV, or PVH) and build (left paused); prints
 *                                     "DOMID STORE_PFN STORE_PORT CONSOLE_PFN CONSOLE_PORT"
 *   sim-guest pause|unpause|destroy|resume DOMID
 *   sim-guest info DOMID              prints key=value: shutdown reason mem_kb target_kb
 *   sim-guest console DOMID PFN       prints what the guest wrote to its console
 *                                     (PFN: the console page create printed)
 *   sim-guest kv DOMID [KEY]          a sim:kv guest's store, read from its
 *                                     memory (sim/guest.h): prints key=value:
 *                                     applied keys capacity last_seq requests,
 *                                     and with KEY value=V or absent=1
 * Exit status 0, or 1 with hv's explanation on stderr. */
#include "../../hv/hv.h"
#include "../../lib/errmsg.h"
#include "../../sim/guest.h"
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

/* Reads the store through foreign mappings, as a replication check would:
 * the header for data_pfn, struct sim_kv there, then every table slot. */
static int kv(struct hv *hv, uint32_t domid, const char *key)
{
	const struct sim_guest_header *g = NULL;
	const struct sim_kv *s = NULL;
	const uint8_t *t = NULL;
	int rc = 1;
	if (hv_map(hv, domid, 0, 1, HV_MAP_READ, (void **)&g) < 0)
		return fail(hv, "map header");
	if (g->magic != SIM_GUEST_MAGIC || g->program != SIM_PROG_KV) {
		fprintf(stderr, "sim-guest: domain %u does not run sim:kv\n", domid);
		goto out;
	}
	if (hv_map(hv, domid, g->data_pfn, 1, HV_MAP_READ, (void **)&s) < 0) {
		rc = fail(hv, "map sim:kv state");
		goto out;
	}
	if (s->magic != SIM_KV_MAGIC) {
		fprintf(stderr, "sim-guest: no sim:kv state at pfn %llu\n",
			(unsigned long long)g->data_pfn);
		goto out;
	}
	printf("applied=%llu keys=%llu capacity=%llu last_seq=%llu requests=%llu",
	       (unsigned long long)s->applied, (unsigned long long)s->keys,
	       (unsigned long long)s->capacity, (unsigned long long)s->last_seq,
	       (unsigned long long)s->requests);
	if (key) {
		if (s->table_pages && hv_map(hv, domid, s->table_pfn, s->table_pages, HV_MAP_READ,
					     (void **)&t) < 0) {
			rc = fail(hv, "map sim:kv table");
			goto out;
		}
		const struct sim_kv_entry *found = NULL;
		for (uint64_t i = 0; t && i < s->slots && !found; i++) {
			const struct sim_kv_entry *e =
				(const void *)(t + (i / SIM_KV_PER_PAGE) * SIM_PAGE_SIZE +
					       (i % SIM_KV_PER_PAGE) * sizeof(*e));
			if (e->used && e->klen == strlen(key) && memcmp(e->key, key, e->klen) == 0)
				found = e;
		}
		if (found)
			printf(" value=%.*s", (int)found->vlen, found->value);
		else
			printf(" absent=1");
	}
	printf("\n");
	rc = 0;
out:
	if (t)
		hv_unmap(hv, (void *)t, s->table_pages);
	if (s)
		hv_unmap(hv, (void *)s, 1);
	hv_unmap(hv, (void *)g, 1);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sim-guest create KERNEL MEM_KIB | pause|unpause|destroy|resume|info|console|kv DOMID\n");
		return 2;
	}
	struct hv *hv;
	char err[XCD_ERR_MAX];
	if (hv_open(HV_SIM, NULL, &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "sim-guest: %s\n", err);
		return 1;
	}
	int rc = 0;
	const char *cmd = argv[1];
	if (strcmp(cmd, "create") == 0 && (argc == 4 || (argc == 5 && !strcmp(argv[4], "pvh")))) {
		struct hv_domain_config cfg = { .max_vcpus = 1,
						.type = argc == 5 ? HV_DOM_PVH : HV_DOM_PV,
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
		if (strcmp(cmd, "pause") == 0)
			rc = hv_domain_pause(hv, domid) < 0 ? fail(hv, cmd) : 0;
		else if (strcmp(cmd, "kv") == 0 && argc <= 4)
			rc = kv(hv, domid, argc == 4 ? argv[3] : NULL);
		else if (strcmp(cmd, "unpause") == 0)
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
