/* mig-guest: save and restore of a simulated guest through libmigrate, over
 * hv, against the simulated host at $XCD_SIM_SOCKET (no xcdd):
 *   mig-guest sum DOMID            FNV-1a 64 of the guest's whole memory
 *   mig-guest save [-c] DOMID FILE suspend, write FILE, destroy (-c: resume)
 *   mig-guest restore FILE         create a domain of the saved size, fill
 *                                  it, finish (left paused); prints the domid;
 *                                  on any failure the domain is destroyed
 *   mig-guest count                the domains the host has, dom0 included
 * Exit status 0, or 1 with the reason on stderr. */
#include "../../../hv/hv.h"
#include "../../../lib/errmsg.h"
#include "../../../migrate/migrate.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int sum(struct hv *hv, uint32_t domid)
{
	struct hv_dominfo di;
	void *p;
	if (hv_domain_getinfo(hv, domid, &di) < 0 ||
	    hv_map(hv, domid, 0, di.max_mem_kb / 4, HV_MAP_READ, &p) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	uint64_t h = 0xcbf29ce484222325ull;
	const uint64_t *w = p;
	for (uint64_t i = 0; i < di.max_mem_kb / 4 * 512; i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	hv_unmap(hv, p, di.max_mem_kb / 4);
	printf("%016" PRIx64 "\n", h);
	return 0;
}

static int save(struct hv *hv, uint32_t domid, const char *file, int keep)
{
	struct hv_dominfo di;
	char err[XCD_ERR_MAX], cfg[128];
	if (hv_domain_getinfo(hv, domid, &di) < 0 || hv_domain_suspend(hv, domid) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	int n = snprintf(cfg, sizeof(cfg), "{\"max_memkb\":%llu,\"max_vcpus\":%u}",
			 (unsigned long long)di.max_mem_kb, di.max_vcpus);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct mig_out o;
	if (fd < 0 || mig_out_init(&o, fd) < 0) {
		perror("mig-guest: open");
		return 1;
	}
	struct mig_save_stats st;
	int rc = mig_save_sim(hv, domid, &o, cfg, (uint32_t)n + 1, NULL, &st, err, sizeof(err));
	mig_out_free(&o);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "mig-guest: save: %s\n", err);
		hv_domain_resume(hv, domid);
		return 1;
	}
	fprintf(stderr, "mig-guest: %llu pages (%llu zero), %llu bytes\n",
		(unsigned long long)st.pages, (unsigned long long)st.zero_pages,
		(unsigned long long)st.bytes);
	rc = keep ? hv_domain_resume(hv, domid) : hv_domain_destroy(hv, domid);
	if (rc < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	return 0;
}

static int restore(struct hv *hv, const char *file)
{
	char err[XCD_ERR_MAX];
	char *cfg = NULL;
	uint32_t len;
	struct mig_in in;
	int fd = open(file, O_RDONLY);
	if (fd < 0 || mig_in_fd(&in, fd) < 0) {
		perror("mig-guest: open");
		return 1;
	}
	int rc = mig_read_xl_config(&in, 0, &cfg, &len, err, sizeof(err));
	unsigned long long mem = 0;
	unsigned vcpus = 0;
	if (rc == 0 && (!cfg || sscanf(cfg, "{\"max_memkb\":%llu,\"max_vcpus\":%u}", &mem,
				       &vcpus) != 2)) {
		snprintf(err, sizeof(err), "the file's config is not mig-guest's");
		rc = -EINVAL;
	}
	free(cfg);
	uint32_t domid = 0;
	int created = 0;
	if (rc == 0) {
		struct hv_domain_config dc = { .max_vcpus = vcpus, .max_mem_kb = mem,
					       .type = HV_DOM_PV };
		rc = hv_domain_create(hv, &dc, &domid);
		created = rc == 0;
		if (rc < 0)
			snprintf(err, sizeof(err), "%s", hv_error(hv));
	}
	if (rc == 0)
		rc = mig_restore_sim(hv, domid, &in, NULL, err, sizeof(err));
	if (rc == 0) {
		struct hv_build_spec spec = { 0 };
		struct hv_build_result br;
		rc = hv_domain_restore_finish(hv, domid, &spec, &br);
		if (rc < 0)
			snprintf(err, sizeof(err), "%s", hv_error(hv));
	}
	mig_in_free(&in);
	close(fd);
	if (rc < 0) {
		fprintf(stderr, "mig-guest: restore: %s\n", err);
		if (created)
			hv_domain_destroy(hv, domid);
		return 1;
	}
	printf("%u\n", domid);
	return 0;
}

int main(int argc, char **argv)
{
	struct hv *hv;
	char err[XCD_ERR_MAX];
	if (argc < 2) {
		fprintf(stderr, "usage: mig-guest sum|save|restore|count ...\n");
		return 2;
	}
	if (hv_open(HV_SIM, NULL, &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "mig-guest: %s\n", err);
		return 1;
	}
	int rc = 2;
	const char *cmd = argv[1];
	if (strcmp(cmd, "sum") == 0 && argc == 3) {
		rc = sum(hv, (uint32_t)strtoul(argv[2], NULL, 10));
	} else if (strcmp(cmd, "save") == 0 && (argc == 4 || argc == 5)) {
		int keep = argc == 5 && strcmp(argv[2], "-c") == 0;
		if (argc == 4 || keep)
			rc = save(hv, (uint32_t)strtoul(argv[argc - 2], NULL, 10), argv[argc - 1], keep);
	} else if (strcmp(cmd, "restore") == 0 && argc == 3) {
		rc = restore(hv, argv[2]);
	} else if (strcmp(cmd, "count") == 0 && argc == 2) {
		struct hv_dominfo *all;
		int n = hv_domain_list_all(hv, &all);
		if (n >= 0) {
			printf("%d\n", n);
			free(all);
			rc = 0;
		} else {
			rc = 1;
		}
	}
	if (rc == 2)
		fprintf(stderr, "mig-guest: bad arguments\n");
	hv_close(hv);
	return rc;
}
