/* mig-guest: save and restore of a simulated guest through libmigrate, over
 * hv, against the simulated host at $XCD_SIM_SOCKET (no xcdd):
 *   mig-guest sum DOMID            FNV-1a 64 of the guest's whole memory
 *   mig-guest quiet DOMID [SECS]   waits (10 s, or SECS) until dom0's daemons
 *                                  have read all that the paused guest left
 *                                  on its xenstore and console rings
 *   mig-guest save [-c] DOMID FILE suspend, write FILE, destroy (-c: resume)
 *   mig-guest restore FILE         create a domain of the saved size, fill
 *                                  it, finish (left paused); prints the domid;
 *                                  on any failure the domain is destroyed
 *   mig-guest count                the domains the host has, dom0 included
 *   mig-guest written DOMID        the pages its vCPUs wrote since it booted
 *   mig-guest order FILE           the libxc records of FILE in their order,
 *                                  one name a line (PAGE_DATA once for a run
 *                                  of them); needs no host
 *   mig-guest sum -r DOMID         the sum without the xenstore and console
 *                                  rings (pages dom0's daemons write)
 *   mig-guest fill [-c] DOMID      writes non-zero bytes into every data page
 *                                  of the guest (from its header's data_pfn
 *                                  on), through a mapping: a guest whose
 *                                  memory is all in use, for bench/migrate;
 *                                  random words, or with -c compressible
 *                                  ones: text-like records over the first
 *                                  256 to 1535 bytes of each page, the rest
 *                                  zero, as a guest's partly used pages
 *   mig-guest end-sum DOMID        prints "mapped", then the sum (-r) of its
 *                                  memory as it was when it was destroyed
 *   mig-guest live [-d MS] [-m N] [-n abort|auto-converge|force] [-b MB/s]
 *                  [-z auto|zstd|lz4|off] DOMID
 *                                  live migration of the running guest into
 *                                  a new domain of the same host through a
 *                                  pipe (pre-copy engine one end, the
 *                                  restore's reader the other); both are
 *                                  left paused; prints the new domid, the
 *                                  engine's figures and both sums (-r):
 *                                  status 0 only if they are equal; on
 *                                  stderr, after the figures, "left:" and
 *                                  the pages each round left dirty (what
 *                                  the policy decided on); -b takes a
 *                                  decimal (0.5: 500,000 bytes a second)
 *   mig-guest records FILE         the record types FILE holds, counted
 *   mig-guest xl-receive COUNTS    a receiver as xl's is to an xcd sender:
 *                                  records.c
 * Exit status 0, or 1 with the reason on stderr. */
#include "../../../hv/hv.h"
#include "../../../lib/errmsg.h"
#include "../../../migrate/migrate.h"
#include "../../../sim/guest.h"
#include "records.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

/* FNV-1a 64 of NPAGES pages at P; RINGS 0: the xenstore and console ring
 * pages (as the guest's header names them) left out. */
static uint64_t sum_mem(const void *p, uint64_t npages, int rings)
{
	const struct sim_guest_header *g = p;
	uint64_t skip1 = rings ? UINT64_MAX : g->store_pfn;
	uint64_t skip2 = rings ? UINT64_MAX : g->console_pfn;
	uint64_t h = 0xcbf29ce484222325ull;
	const uint64_t *w = p;
	for (uint64_t i = 0; i < npages * 512; i++)
		if (i / 512 != skip1 && i / 512 != skip2)
			h = (h ^ w[i]) * 0x100000001b3ull;
	return h;
}

/* FNV-1a 64 of DOMID's memory into *OUT (RINGS as sum_mem's). */
static int sum_of(struct hv *hv, uint32_t domid, int rings, uint64_t *out)
{
	struct hv_dominfo di;
	void *p;
	if (hv_domain_getinfo(hv, domid, &di) < 0 ||
	    hv_map(hv, domid, 0, di.max_mem_kb / 4, HV_MAP_READ, &p) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	*out = sum_mem(p, di.max_mem_kb / 4, rings);
	hv_unmap(hv, p, di.max_mem_kb / 4);
	return 0;
}

/* One page partly used: text-like records ("word=word:hex;") over its
 * first 256 to 1535 bytes (X's RNG chooses), the rest zero. */
static void fill_text(uint8_t *page, uint64_t *x)
{
	static const char *const words[] = { "inode", "dentry", "buffer", "socket", "request",
					     "session", "value", "index", "table", "user" };
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	size_t used = 256 + (size_t)(*x % 1280), at = 0;
	while (at < used) {
		*x ^= *x << 13;
		*x ^= *x >> 7;
		*x ^= *x << 17;
		at += (size_t)snprintf((char *)page + at, 4096 - at, "%s=%s:%05x;",
				       words[*x % 10], words[(*x >> 8) % 10],
				       (unsigned)(*x >> 20) & 0xfffff);
	}
	memset(page + used, 0, 4096 - used);
}

/* Every data page of DOMID, non-zero (a pattern that differs per page):
 * random words, or (TEXT) partly used pages of text-like records. */
static int fill(struct hv *hv, uint32_t domid, int text)
{
	struct hv_dominfo di;
	void *p;
	if (hv_domain_getinfo(hv, domid, &di) < 0 ||
	    hv_map(hv, domid, 0, di.max_mem_kb / 4, HV_MAP_READ | HV_MAP_WRITE, &p) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	const struct sim_guest_header *g = p;
	uint64_t np = di.max_mem_kb / 4, x = 0x9e3779b97f4a7c15ull;
	for (uint64_t pfn = g->data_pfn; pfn < np; pfn++) {
		uint64_t *w = (uint64_t *)((uint8_t *)p + pfn * 4096);
		if (text) {
			fill_text((uint8_t *)w, &x);
			continue;
		}
		for (unsigned i = 0; i < 512; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			w[i] = x | 1;
		}
	}
	hv_unmap(hv, p, np);
	return 0;
}

/* The pages DOMID's vCPUs wrote since it booted (its header's counters,
 * carried along by a migration): printed. */
static int written(struct hv *hv, uint32_t domid)
{
	void *p;
	if (hv_map(hv, domid, 0, 1, HV_MAP_READ, &p) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	const struct sim_guest_header *g = p;
	uint64_t n = 0;
	for (uint32_t v = 0; v < g->nr_vcpus && v < SIM_MAX_VCPUS; v++)
		n += g->vcpu[v].counter;
	hv_unmap(hv, p, 1);
	printf("%llu\n", (unsigned long long)n);
	return 0;
}

/* The sum (without the rings) of DOMID's memory as it is when the domain
 * is destroyed (a migration's source, stopped before): its memory is
 * mapped now, the mapping outlives it. At most 120 s. */
static int end_sum(struct hv *hv, uint32_t domid)
{
	struct hv_dominfo di;
	void *p;
	if (hv_domain_getinfo(hv, domid, &di) < 0 ||
	    hv_map(hv, domid, 0, di.max_mem_kb / 4, HV_MAP_READ, &p) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	uint64_t np = di.max_mem_kb / 4;
	printf("mapped\n");
	fflush(stdout);
	for (int i = 0; i < 12000; i++) {
		if (hv_domain_getinfo(hv, domid, &di) == -ESRCH) {
			printf("%016" PRIx64 "\n", sum_mem(p, np, 0));
			return 0;
		}
		struct timespec ts = { 0, 10000000 };
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "mig-guest: domain %u was not destroyed within 120 s\n", domid);
	return 1;
}

static int sum(struct hv *hv, uint32_t domid, int rings)
{
	uint64_t h;
	if (sum_of(hv, domid, rings, &h))
		return 1;
	printf("%016" PRIx64 "\n", h);
	return 0;
}

/* Bytes the paused guest left on its rings that dom0's daemons have not
 * read yet: requests xenstored has not taken, console output xcd-consoled
 * has not taken. */
struct unread {
	uint32_t store, console;
};

static struct unread ring_unread(const uint8_t *mem)
{
	const struct sim_guest_header *g = (const void *)mem;
	const struct xenstore_domain_interface *s =
		(const void *)(mem + g->store_pfn * SIM_PAGE_SIZE);
	const struct xencons_interface *c = (const void *)(mem + g->console_pfn * SIM_PAGE_SIZE);
	return (struct unread){
		__atomic_load_n(&s->req_prod, __ATOMIC_ACQUIRE) -
			__atomic_load_n(&s->req_cons, __ATOMIC_ACQUIRE),
		__atomic_load_n(&c->out_prod, __ATOMIC_ACQUIRE) -
			__atomic_load_n(&c->out_cons, __ATOMIC_ACQUIRE),
	};
}

/* Pausing a guest stops its vCPUs, not the daemons serving its rings: until
 * xenstored has read its last requests (and answered them) and xcd-consoled
 * its last console output, they still write to its memory (req_cons, the
 * answers, out_cons). Waits until both have read everything, polling every
 * 10 ms for SECS seconds; a checksum taken after that (and, for the
 * answers, after a round trip through xenstored) no longer moves. */
static int quiet(struct hv *hv, uint32_t domid, unsigned secs)
{
	struct hv_dominfo di;
	void *p;
	if (hv_domain_getinfo(hv, domid, &di) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	if (!(di.flags & HV_DOMF_PAUSED)) {
		fprintf(stderr, "mig-guest: quiet: domain %u is not paused: its memory moves\n", domid);
		return 1;
	}
	uint64_t npages = di.max_mem_kb / 4;
	if (hv_map(hv, domid, 0, npages, HV_MAP_READ, &p) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	const struct sim_guest_header *g = p;
	if (g->magic != SIM_GUEST_MAGIC || g->store_pfn >= npages || g->console_pfn >= npages) {
		fprintf(stderr, "mig-guest: quiet: domain %u holds no xcd-sim guest header\n", domid);
		hv_unmap(hv, p, npages);
		return 1;
	}
	struct unread u = ring_unread(p);
	for (unsigned i = 0; (u.store || u.console) && i < secs * 100; i++) {
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		u = ring_unread(p);
	}
	hv_unmap(hv, p, npages);
	if (u.store || u.console) {
		fprintf(stderr, "mig-guest: quiet: domain %u: after %u s, %u bytes of requests on "
			"its xenstore ring unread by xenstored, %u bytes of output on its console "
			"ring unread by the console daemon\n", domid, secs, u.store, u.console);
		return 1;
	}
	return 0;
}

static int save(struct hv *hv, uint32_t domid, const char *file, int keep)
{
	struct hv_dominfo di;
	char err[XCD_ERR_MAX], cfg[128];
	/* No toolstack here to ask the guest through xenstore: its suspend is
	 * played (shutdown with reason suspend, as its own hypercall would). */
	if (hv_domain_getinfo(hv, domid, &di) < 0 ||
	    hv_domain_shutdown(hv, domid, HV_SHUTDOWN_SUSPEND) < 0 ||
	    hv_domain_suspend(hv, domid) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	int n = snprintf(cfg, sizeof(cfg), "{\"max_memkb\":%llu,\"max_vcpus\":%u,\"type\":%u}",
			 (unsigned long long)di.max_mem_kb, di.max_vcpus, di.type);
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct mig_out o;
	if (fd < 0 || mig_out_init(&o, fd) < 0) {
		perror("mig-guest: open");
		return 1;
	}
	struct mig_save_stats st;
	int rc = mig_save(hv, domid, &o, cfg, (uint32_t)n + 1, MIG_COMPRESS_OFF, NULL, &st, err,
			  sizeof(err));
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

/* A guest from the stream on IN_FD into a new domain, finished, paused:
 * its domid in *DOMID. */
static int restore_fd(struct hv *hv, int in_fd, uint32_t *domid)
{
	char err[XCD_ERR_MAX];
	char *cfg = NULL;
	uint32_t len;
	struct mig_in in;
	if (mig_in_fd(&in, in_fd) < 0) {
		perror("mig-guest");
		return 1;
	}
	int rc = mig_read_xl_config(&in, 0, &cfg, &len, err, sizeof(err));
	unsigned long long mem = 0;
	unsigned vcpus = 0, type = 0;
	if (rc == 0 && (!cfg || sscanf(cfg, "{\"max_memkb\":%llu,\"max_vcpus\":%u,\"type\":%u}",
				       &mem, &vcpus, &type) != 3)) {
		snprintf(err, sizeof(err), "the file's config is not mig-guest's");
		rc = -EINVAL;
	}
	free(cfg);
	int created = 0;
	if (rc == 0) {
		struct hv_domain_config dc = { .max_vcpus = vcpus, .max_mem_kb = mem,
					       .type = type == HV_DOM_PVH ? HV_DOM_PVH : HV_DOM_PV };
		rc = hv_domain_create(hv, &dc, domid);
		created = rc == 0;
		if (rc < 0)
			snprintf(err, sizeof(err), "%s", hv_error(hv));
	}
	if (rc == 0)
		rc = mig_restore(hv, *domid, &in, NULL, NULL, err, sizeof(err));
	if (rc == 0) {
		struct hv_build_spec spec = { 0 };
		struct hv_build_result br;
		rc = hv_domain_restore_finish(hv, *domid, &spec, &br);
		if (rc < 0)
			snprintf(err, sizeof(err), "%s", hv_error(hv));
	}
	mig_in_free(&in);
	if (rc < 0) {
		fprintf(stderr, "mig-guest: restore: %s\n", err);
		if (created)
			hv_domain_destroy(hv, *domid);
		return 1;
	}
	return 0;
}

static int restore(struct hv *hv, const char *file)
{
	uint32_t domid;
	int fd = open(file, O_RDONLY);
	if (fd < 0) {
		perror("mig-guest: open");
		return 1;
	}
	int rc = restore_fd(hv, fd, &domid);
	close(fd);
	if (rc == 0)
		printf("%u\n", domid);
	return rc;
}

/* The receiving end of `live`, in a child with its own hv: the new domid
 * on OUT_FD. */
static int live_receiver(int in_fd, int out_fd)
{
	struct hv *hv;
	char err[256];
	uint32_t domid;
	if (hv_open(HV_SIM, NULL, &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "mig-guest: receiver: %s\n", err);
		return 1;
	}
	int rc = restore_fd(hv, in_fd, &domid);
	hv_close(hv);
	return rc || write(out_fd, &domid, sizeof(domid)) != sizeof(domid);
}

/* The pages each live round left dirty: the last progress report of a
 * round is its decision's (precopy.h: after it, LEFT is what the next
 * round sends). */
struct lefts {
	uint64_t left[64];
	uint32_t n;
};

static void note_left(void *arg, const struct mig_precopy_info *i)
{
	struct lefts *l = arg;
	if (!i->final && i->round < sizeof(l->left) / sizeof(l->left[0])) {
		l->left[i->round] = i->left;
		if (i->round + 1 > l->n)
			l->n = i->round + 1;
	}
}

static int live(struct hv *hv, uint32_t domid, const struct mig_policy *pol, uint64_t bw,
		enum mig_compress z)
{
	struct hv_dominfo di;
	if (hv_domain_getinfo(hv, domid, &di) < 0) {
		fprintf(stderr, "mig-guest: %s\n", hv_error(hv));
		return 1;
	}
	int data[2], back[2];
	if (pipe(data) < 0 || pipe(back) < 0) {
		perror("mig-guest: pipe");
		return 1;
	}
	fcntl(data[1], F_SETPIPE_SZ, 1 << 20);
	pid_t pid = fork();
	if (pid == 0) {
		close(data[1]);
		close(back[0]);
		_exit(live_receiver(data[0], back[1]));
	}
	close(data[0]);
	close(back[1]);
	char cfg[128], err[512];
	int n = snprintf(cfg, sizeof(cfg), "{\"max_memkb\":%llu,\"max_vcpus\":%u,\"type\":%u}",
			 (unsigned long long)di.max_mem_kb, di.max_vcpus, di.type);
	/* The rings, read from the guest's header: log-dirty does not see
	 * xenstored's writes there. */
	void *h0;
	uint64_t rings[2] = { 0, 0 };
	if (hv_map(hv, domid, 0, 1, HV_MAP_READ, &h0) == 0) {
		rings[0] = ((const struct sim_guest_header *)h0)->store_pfn;
		rings[1] = ((const struct sim_guest_header *)h0)->console_pfn;
		hv_unmap(hv, h0, 1);
	}
	struct mig_out o;
	struct mig_precopy_opts opts = { .live = 1, .policy = *pol, .bandwidth = bw,
					 .final_pfns = rings, .n_final_pfns = 2, .compress = z,
					 .codecs = z ? MIG_CODECS_BUILT : 0 };
	struct mig_precopy_stats st;
	struct lefts lefts = { .n = 0 };
	struct mig_precopy_hooks hooks = { .arg = &lefts, .progress = note_left };
	int rc = mig_out_init(&o, data[1]);
	if (rc == 0)
		rc = mig_precopy(hv, domid, &o, cfg, (uint32_t)n + 1, NULL, &opts, &hooks,
				 &st, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "no memory");
	mig_out_free(&o);
	close(data[1]);
	uint32_t dest = 0;
	int got = read(back[0], &dest, sizeof(dest)) == sizeof(dest);
	int status = 0;
	waitpid(pid, &status, 0);
	close(back[0]);
	fprintf(stderr, "mig-guest: %u round(s), %llu pages (%llu zero, %llu compressed, %llu "
		"bytes saved by compression), %llu while paused, %llu bytes, %.1f ms, throttle "
		"%u%%%s: %s\n", st.rounds, (unsigned long long)st.pages,
		(unsigned long long)st.zero_pages, (unsigned long long)st.z_pages,
		(unsigned long long)st.z_saved, (unsigned long long)st.final_pages,
		(unsigned long long)st.bytes,
		(double)(st.end_ns - st.start_ns) / 1e6, st.throttle, st.forced ? ", forced" : "",
		st.why);
	fprintf(stderr, "left:");
	for (uint32_t r = 0; r < lefts.n; r++)
		fprintf(stderr, " %llu", (unsigned long long)lefts.left[r]);
	fprintf(stderr, "\n");
	if (rc < 0) {
		fprintf(stderr, "mig-guest: live: %s\n", err);
		if (got)
			hv_domain_destroy(hv, dest);
		/* The guest runs on where it was. */
		struct hv_dominfo now;
		if (hv_domain_getinfo(hv, domid, &now) == 0 && (now.flags & HV_DOMF_PAUSED))
			hv_domain_unpause(hv, domid);
		return 1;
	}
	if (!got || status) {
		fprintf(stderr, "mig-guest: live: the receiver failed\n");
		return 1;
	}
	uint64_t a, b;
	if (sum_of(hv, domid, 0, &a) || sum_of(hv, dest, 0, &b))
		return 1;
	printf("%u %016" PRIx64 " %016" PRIx64 "\n", dest, a, b);
	return a == b ? 0 : 1;
}

/* live's options: -d MS, -m N, -n ACTION, -b MB/s, -z COMPRESS; the domid
 * last. */
static int live_main(struct hv *hv, int argc, char **argv)
{
	struct mig_policy pol = { 0 };
	enum mig_compress z = MIG_COMPRESS_OFF;
	uint64_t bw = 0;
	int i = 2;
	for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
		if (!strcmp(argv[i], "-d"))
			pol.downtime_ms = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-m"))
			pol.max_rounds = (uint32_t)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "-b"))
			bw = (uint64_t)(strtod(argv[i + 1], NULL) * 1e6);
		else if (!strcmp(argv[i], "-z")) {
			if (mig_compress_parse(argv[i + 1], &z) < 0)
				return 2;
		} else if (strcmp(argv[i], "-n") || mig_no_converge_parse(argv[i + 1],
									&pol.on_no_converge) < 0)
			return 2;
	}
	if (i + 1 != argc)
		return 2;
	return live(hv, (uint32_t)strtoul(argv[i], NULL, 10), &pol, bw, z);
}

int main(int argc, char **argv)
{
	struct hv *hv;
	char err[XCD_ERR_MAX];
	if (argc < 2) {
		fprintf(stderr, "usage: mig-guest sum|quiet|save|restore|count|live|records|order|"
			"xl-receive ...\n");
		return 2;
	}
	if (!strcmp(argv[1], "records") || !strcmp(argv[1], "xl-receive") ||
	    !strcmp(argv[1], "order"))
		return mig_records_main(argc, argv); /* no host needed */
	if (hv_open(HV_SIM, NULL, &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "mig-guest: %s\n", err);
		return 1;
	}
	int rc = 2;
	const char *cmd = argv[1];
	if (strcmp(cmd, "sum") == 0 && argc == 3) {
		rc = sum(hv, (uint32_t)strtoul(argv[2], NULL, 10), 1);
	} else if (strcmp(cmd, "sum") == 0 && argc == 4 && strcmp(argv[2], "-r") == 0) {
		rc = sum(hv, (uint32_t)strtoul(argv[3], NULL, 10), 0);
	} else if (strcmp(cmd, "quiet") == 0 && (argc == 3 || argc == 4)) {
		unsigned long secs = argc == 4 ? strtoul(argv[3], NULL, 10) : 10;
		if (secs >= 1 && secs <= 600)
			rc = quiet(hv, (uint32_t)strtoul(argv[2], NULL, 10), (unsigned)secs);
	} else if (strcmp(cmd, "fill") == 0 && argc == 3) {
		rc = fill(hv, (uint32_t)strtoul(argv[2], NULL, 10), 0);
	} else if (strcmp(cmd, "fill") == 0 && argc == 4 && strcmp(argv[2], "-c") == 0) {
		rc = fill(hv, (uint32_t)strtoul(argv[3], NULL, 10), 1);
	} else if (strcmp(cmd, "end-sum") == 0 && argc == 3) {
		rc = end_sum(hv, (uint32_t)strtoul(argv[2], NULL, 10));
	} else if (strcmp(cmd, "live") == 0) {
		rc = live_main(hv, argc, argv);
	} else if (strcmp(cmd, "save") == 0 && (argc == 4 || argc == 5)) {
		int keep = argc == 5 && strcmp(argv[2], "-c") == 0;
		if (argc == 4 || keep)
			rc = save(hv, (uint32_t)strtoul(argv[argc - 2], NULL, 10), argv[argc - 1], keep);
	} else if (strcmp(cmd, "restore") == 0 && argc == 3) {
		rc = restore(hv, argv[2]);
	} else if (strcmp(cmd, "written") == 0 && argc == 3) {
		rc = written(hv, (uint32_t)strtoul(argv[2], NULL, 10));
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
