/* io-plan: what the I/O tuners' read side costs on a large host: show +
 * plan + verify of netback-tune/ on a generated sysroot of --nics NICs (in
 * bonds of two, each under a bridge) and --vifs vifs of --queues queues
 * (tests/unit/netback-tune/make-fixtures.py --big writes it into a temporary
 * directory), against a baseline measured in the same run: reading every
 * file of that tree once (open, read, close; readlink for symlinks), the
 * least any reader of those files could cost.
 *
 * Each round twice: cold, a first read (a new cache of kernel threads'
 * names, netback-tune/kthreadcache.h), and warm, a read with the cache the
 * warm round before left, as xcdd's I/O refresh reads; the goal is judged
 * on the warm round.
 *
 * One line per phase (mean, median, 99th percentile in ms over --rounds, and
 * the mean CPU time the process used in it: on a loaded machine the wall
 * clock also counts the time others ran), the round's ratio over the
 * baseline, and whether the goal - a round under 100 ms, so that xcdd can
 * verify every minute for nothing - is met; last, how much of the warm
 * round's CPU was the kernel's (system time), which only reading fewer
 * files can cut.
 *
 * --sysroot DIR --policy FILE: use that tree instead of generating one.
 * --print show|plan|verify: print that once (text; --json: JSON) and exit,
 * to look at a fixture by hand: of the second of two reads with one cache
 * (kernel threads' names kept from the first, as xcdd's refreshes read),
 * or with --cold of the first.
 *
 * The storage half: blkback/'s show + plan + verify (blk_run_all, text and
 * JSON) of a second generated tree, 4 dual-port HBAs and 64 LUNs x 8 paths
 * (tests/unit/blkback/make-fixtures.py --big), timed as a phase of its own
 * and counted in the round; the baseline reads both trees.
 * --storage-root DIR: that tree instead of a generated one (its policy is
 * DIR/etc/xcd/io.conf).
 *
 * --live N (root): the reader of a live host (nethost.h's NT_READ_LIVE: one
 * rtnetlink dump, comm files) on a live host, which a fixture tree cannot
 * stand for: network and mount namespaces of the bench's own with --nics
 * veths in pairs under bridges (in bonds where the kernel has bonding), N
 * veths named vifD.0 spread over the bridges, and N x --queues x 2 tasks
 * named as netback's threads, children of pid 2 of a pid namespace of the
 * bench's own (kernel threads to the readers; io-plan-live.c); the baseline is the same
 * host read from its files (NT_READ_FILES), checked first to give the same
 * host. Beside the round: what listing each vif's queues/ costs (a real
 * vif's; a veth is no vif to the reader), and the dump alone. Not judged
 * against the goal: no netback IRQs, no storage.
 * --reader auto|files|live: the reader --print uses. */
#include "../blkback/run.h"
#include "../lib/errmsg.h"
#include "../lib/tuneplan.h"
#include "../netback-tune/kthreadcache.h"
#include "../netback-tune/linkdump.h"
#include "../netback-tune/nethost.h"
#include "../netback-tune/plan.h"
#include "../netback-tune/policy.h"
#include "../netback-tune/show.h"
#include "../netback-tune/sysfile.h"
#include "../netback-tune/verify.h"
#include "io-plan-live.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

#define GOAL_MS 100.0

#ifndef IO_PLAN_FIXTURE_SCRIPT
#define IO_PLAN_FIXTURE_SCRIPT "tests/unit/netback-tune/make-fixtures.py"
#endif
#ifndef IO_PLAN_STORAGE_SCRIPT
#define IO_PLAN_STORAGE_SCRIPT "tests/unit/blkback/make-fixtures.py"
#endif

enum phase { P_BASE, P_READ, P_SHOW, P_PLAN, P_VERIFY, P_STORAGE, P_ROUND, NPHASES };
static const char *const phase_names[NPHASES] = {
	"baseline (read files)", "net: read host", "net: show (JSON + text)",
	"net: policy + plan",	 "net: verify",	   "storage: all (blk_run_all)",
	"round (all but baseline)"
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The CPU time this process has used: what a round costs the host, which
 * the wall clock of a loaded machine does not tell. */
static double cpu_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The system time this process has used: the kernel's share of CPU_MS,
 * which a reader of files cannot cut but by reading fewer files. */
static double sys_ms(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_stime.tv_sec * 1e3 + ru.ru_stime.tv_usec / 1e3;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static size_t files_read;
static int read_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	char buf[8192];
	if (type == FTW_SL) {
		files_read += readlink(path, buf, sizeof(buf)) >= 0;
		return 0;
	}
	if (type != FTW_F)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
	files_read++;
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* blkback's big host (64 LUNs x 8 paths) into DIR. */
static int generate_storage(const char *dir)
{
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("python3", "python3", IO_PLAN_STORAGE_SCRIPT, "--big", dir, (char *)NULL);
		perror("io-plan: python3");
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -EIO;
	return 0;
}

static int generate(const char *dir, unsigned nics, unsigned vifs, unsigned queues)
{
	char n[16], v[16], q[16];
	snprintf(n, sizeof(n), "%u", nics);
	snprintf(v, sizeof(v), "%u", vifs);
	snprintf(q, sizeof(q), "%u", queues);
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execlp("python3", "python3", IO_PLAN_FIXTURE_SCRIPT, "--big", dir, "--nics", n,
		       "--vifs", v, "--queues", q, (char *)NULL);
		perror("io-plan: python3");
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		return -EIO;
	return 0;
}

struct sample {
	double *v;
	size_t n;
};

static void add(struct sample *s, double x) { s->v[s->n++] = x; }

/* One round of netback-tune's read side; SINK keeps the results used. */
/* The storage half of a round: blkback's read side on SROOT. */
static int storage_once(const char *sroot, size_t *sink)
{
	char err[XCD_ERR_MAX], spol[PATH_MAX + 32];
	snprintf(spol, sizeof(spol), "%s/etc/xcd/io.conf", sroot);
	struct blk_run r;
	if (blk_run_all(sroot, spol, BLK_RUN_TEXT | BLK_RUN_JSON, &r, err, sizeof(err))) {
		fprintf(stderr, "io-plan: storage: %s\n", err);
		return -1;
	}
	*sink += r.plan.n + (r.json ? strlen(r.json) : 0);
	blk_run_free(&r);
	return 0;
}

/* The wall clock and CPU time at the Kth of a round's six stamps. */
static void stamp(double w[6], double c[6], int k)
{
	w[k] = now_ms();
	c[k] = cpu_ms();
}

/* A round's phases from its six stamps: read, show, plan, verify, storage. */
static void spans(const double s[6], double out[NPHASES])
{
	out[P_READ] = s[1] - s[0];
	out[P_SHOW] = s[2] - s[1];
	out[P_PLAN] = s[3] - s[2];
	out[P_VERIFY] = s[4] - s[3];
	out[P_STORAGE] = s[5] - s[4];
	out[P_ROUND] = s[5] - s[0];
}

/* One round, the host read with KEPT (kthreadcache.h): new (cold), or
 * the one the round before used (warm). */
static int round_once(const char *root, enum nt_read_how how, struct nt_kcache *kept,
		      const char *policy, const char *sroot, double t[NPHASES], double c[NPHASES],
		      size_t *sink)
{
	char err[XCD_ERR_MAX];
	double w[6], c6[6];
	stamp(w, c6, 0);
	struct nt_host *h;
	if (nt_host_read_kept(root, how, kept, &h, err, sizeof(err))) {
		fprintf(stderr, "io-plan: %s\n", err);
		return -1;
	}
	stamp(w, c6, 1);
	yajl_gen g = yajl_gen_alloc(NULL);
	char *text = NULL;
	if (!g || nt_show_json(g, h) || nt_show_text(h, &text)) {
		fprintf(stderr, "io-plan: show failed\n");
		return -1;
	}
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	*sink += len + strlen(text);
	free(text);
	yajl_gen_free(g);
	stamp(w, c6, 2);
	struct nt_policy pol;
	struct tune_plan plan;
	tune_plan_init(&plan);
	if (nt_policy_load(policy, h, &pol, err, sizeof(err)) || nt_plan(h, &pol, &plan)) {
		fprintf(stderr, "io-plan: policy or plan: %s\n", err);
		return -1;
	}
	*sink += plan.n;
	stamp(w, c6, 3);
	/* The plan just made is the one the host needs now: verify plans
	 * again only when called alone (nt_verify, as xcdd's verify). */
	struct nt_verify v;
	if (nt_verify_now(h, &pol, &plan, &plan, &v)) {
		fprintf(stderr, "io-plan: verify failed\n");
		return -1;
	}
	*sink += v.n;
	nt_verify_free(&v);
	tune_plan_free(&plan);
	nt_host_free(h);
	stamp(w, c6, 4);
	if (sroot && storage_once(sroot, sink))
		return -1;
	stamp(w, c6, 5);
	spans(w, t);
	spans(c6, c);
	return 0;
}

/* ROOT's host read twice with one cache (kthreadcache.h), the first read
 * into *H when COLD, else the second (the first freed). */
static int read_warm(const char *root, enum nt_read_how how, bool cold, struct nt_host **h)
{
	char err[XCD_ERR_MAX];
	struct nt_kcache *kept = nt_kcache_new();
	int rc = kept ? nt_host_read_kept(root, how, kept, h, err, sizeof(err)) : -ENOMEM;
	if (rc == 0 && !cold) {
		nt_host_free(*h);
		rc = nt_host_read_kept(root, how, kept, h, err, sizeof(err));
	}
	nt_kcache_free(kept);
	if (rc)
		fprintf(stderr, "io-plan: %s\n", rc == -ENOMEM ? strerror(-rc) : err);
	return rc;
}

static int print_once(const char *root, enum nt_read_how how, const char *policy,
		      const char *what, bool json, bool cold)
{
	char err[XCD_ERR_MAX];
	struct nt_host *h;
	if (read_warm(root, how, cold, &h))
		return 1;
	struct nt_policy pol;
	struct tune_plan plan;
	tune_plan_init(&plan);
	if (strcmp(what, "show") && nt_policy_load(policy, h, &pol, err, sizeof(err))) {
		fprintf(stderr, "io-plan: %s\n", err);
		nt_host_free(h);
		return 1;
	}
	yajl_gen g = yajl_gen_alloc(NULL);
	yajl_gen_config(g, yajl_gen_beautify, 1);
	char *text = NULL;
	int rc = 0;
	if (!strcmp(what, "show"))
		rc = json ? nt_show_json(g, h) : nt_show_text(h, &text);
	else if (!strcmp(what, "plan")) {
		rc = nt_plan(h, &pol, &plan);
		if (rc == 0)
			rc = json ? tune_plan_gen_json(g, &plan) : tune_plan_text(&plan, &text);
	} else {
		struct nt_verify v;
		rc = nt_verify(h, &pol, NULL, &v);
		if (rc == 0) {
			rc = json ? nt_verify_json(g, &v) : nt_verify_text(&v, &text);
			nt_verify_free(&v);
		}
	}
	if (json && rc == 0) {
		const unsigned char *buf;
		size_t len;
		yajl_gen_get_buf(g, &buf, &len);
		fwrite(buf, 1, len, stdout);
	} else if (text)
		fputs(text, stdout);
	free(text);
	yajl_gen_free(g);
	tune_plan_free(&plan);
	nt_host_free(h);
	return rc ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: io-plan [--nics N] [--vifs N] [--queues N] [--rounds N] [--keep]\n"
		   "       io-plan --live N [--nics N] [--rounds N]   (root: a namespace of N vifs)\n"
		   "       io-plan --sysroot DIR --policy FILE [--storage-root DIR] [--rounds N]\n"
		   "       io-plan --sysroot DIR [--policy FILE] --print show|plan|verify [--json]\n"
		   "               [--reader auto|files|live] [--cold]\n");
}

/* A fixture host (and its storage, unless SROOT) generated under TMP. */
static int make_fixture(char *tmp, unsigned nics, unsigned vifs, unsigned queues, char *root,
			size_t rlen, char *pol, size_t plen, char *sdir, size_t slen)
{
	snprintf(root, rlen, "%s/host", tmp);
	snprintf(pol, plen, "%s.conf", root);
	snprintf(sdir, slen, "%s/storage", tmp);
	double g0 = now_ms();
	if (generate(root, nics, vifs, queues)) {
		fprintf(stderr, "io-plan: generating the host failed\n");
		return -1;
	}
	if (generate_storage(sdir)) {
		fprintf(stderr, "io-plan: generating the storage host failed\n");
		return -1;
	}
	printf("host: %u NICs, %u vifs of %u queues in %s (generated in %.0f ms)\n", nics, vifs,
	       queues, root, now_ms() - g0);
	return 0;
}

/* HOST's show --json, malloc'd, or NULL. */
static char *show_json(const struct nt_host *h)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	char *out = NULL;
	if (g && nt_show_json(g, h) == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		out = strndup((const char *)buf, len);
	if (g)
		yajl_gen_free(g);
	return out;
}

/* Whether the live host read from its files and from the dump is the same
 * host (tests/system/tune/reader-agree checks it in detail). Asked again
 * for up to 3 s while they differ: a carrier reaches both a moment after
 * an interface goes up (linkwatch), and it may between the two reads. */
static bool readers_agree(void)
{
	char err[XCD_ERR_MAX], *a = NULL, *b = NULL;
	size_t nf = 0, nl = 0;
	bool same = false;
	for (int i = 0; i < 30 && !same; i++) {
		struct nt_host *f = NULL, *l = NULL;
		free(a);
		free(b);
		a = b = NULL;
		if (i)
			usleep(100000);
		if (nt_host_read_how("/", NT_READ_FILES, &f, err, sizeof(err)) ||
		    nt_host_read_how("/", NT_READ_LIVE, &l, err, sizeof(err))) {
			fprintf(stderr, "io-plan: %s\n", err);
			nt_host_free(f);
			return false;
		}
		a = show_json(f);
		b = show_json(l);
		same = a && b && !strcmp(a, b);
		nf = f->n_nics;
		nl = l->n_nics;
		nt_host_free(f);
		nt_host_free(l);
	}
	printf("readers: %zu interfaces from the files, %zu from the dump: %s\n", nf, nl,
	       same ? "the same host" : "they DIFFER");
	size_t k = 0;
	while (!same && a && b && a[k] == b[k])
		k++;
	if (!same && a && b)
		printf("  files: ...%.160s\n  dump:  ...%.160s\n", a + (k > 80 ? k - 80 : 0),
		       b + (k > 80 ? k - 80 : 0));
	free(a);
	free(b);
	return same;
}

/* The baseline: every file of the trees once (fixture), or the live host
 * read from its files (LIVE). */
static int baseline_once(const char *sysroot, const char *sroot, bool live)
{
	if (live) {
		char err[XCD_ERR_MAX];
		struct nt_host *h;
		if (nt_host_read_how("/", NT_READ_FILES, &h, err, sizeof(err))) {
			fprintf(stderr, "io-plan: %s\n", err);
			return -1;
		}
		files_read = h->n_nics;
		nt_host_free(h);
		return 0;
	}
	files_read = 0;
	nftw(sysroot, read_one, 64, FTW_PHYS);
	if (sroot)
		nftw(sroot, read_one, 64, FTW_PHYS);
	return 0;
}

static int count_entry(const char *name, void *arg)
{
	(void)name;
	++*(size_t *)arg;
	return 0;
}

/* What a real vif adds that a veth does not make the reader do: its
 * queues/ listed (a veth is no vif to it: it has no parent device). */
static void vif_queues_once(unsigned vifs, size_t *sink)
{
	struct sysroot net;
	if (sysroot_open(&net, "/sys/class/net"))
		return;
	for (unsigned v = 0; v < vifs; v++) {
		char path[48];
		snprintf(path, sizeof(path), "vif%u.0/queues", v + 1);
		sf_each(&net, path, 4096, count_entry, sink);
	}
	sysroot_close(&net);
}

/* The live extras, not in the round: a real vif's queues/, the dump alone. */
enum extra { X_QUEUES, X_DUMP, NEXTRAS };
static const char *const extra_names[NEXTRAS] = { "(vifs' queues/, not in round)",
						  "(of the read: the dump alone)" };

static void dump_once(size_t *sink)
{
	char err[XCD_ERR_MAX];
	struct nt_linktab t;
	if (nt_linkdump_read(&t, err, sizeof(err)) == 0) {
		*sink += t.n;
		nt_linktab_free(&t);
	}
}

/* The rounds of one kind (cold or warm) in S and CPU, against the baseline
 * in S[P_BASE] and CPU[P_BASE]. */
static void report_rounds(const char *kind, struct sample s[NPHASES], const double cpu[NPHASES],
			  unsigned live, bool storage, bool judged)
{
	double mean[NPHASES];
	printf("%s\n%-30s %9s %9s %9s %9s\n", kind, "phase", "mean ms", "p50 ms", "p99 ms",
	       "cpu ms");
	for (int i = 0; i < NPHASES; i++) {
		if (i == P_STORAGE && !storage)
			continue;
		double sum = 0;
		for (size_t k = 0; k < s[i].n; k++)
			sum += s[i].v[k];
		mean[i] = sum / (double)s[i].n;
		double *v = malloc(s[i].n * sizeof(double));
		if (!v)
			return;
		memcpy(v, s[i].v, s[i].n * sizeof(double));
		qsort(v, s[i].n, sizeof(double), cmp_d);
		size_t p99 = (size_t)((double)(s[i].n - 1) * 0.99);
		printf("%-30s %9.2f %9.2f %9.2f %9.2f\n",
		       live && i == P_BASE ? "baseline (files reader)"
		       : live && i == P_READ ? "net: read host (dump)"
					     : phase_names[i],
		       mean[i], v[s[i].n / 2], v[p99], cpu[i] / (double)s[i].n);
		free(v);
	}
	double rc = cpu[P_ROUND] / (double)s[P_ROUND].n, bc = cpu[P_BASE] / (double)s[P_BASE].n;
	if (live)
		printf("read (dump) / baseline (files reader), cpu: %.2f\n",
		       cpu[P_READ] / cpu[P_BASE]);
	printf("round/baseline ratio: %.2f wall, %.2f cpu\n", mean[P_ROUND] / mean[P_BASE], rc / bc);
	if (live)
		printf("goal (a round under %.0f ms): not judged on this host, which has none of "
		       "netback's IRQs, no vif's queues/ to read, no storage (bench/README.md adds "
		       "them): its round %.1f ms cpu, %.1f ms wall\n",
		       GOAL_MS, rc, mean[P_ROUND]);
	else if (judged)
		printf("goal: a round under %.0f ms, judged on the warm round (xcdd's verify every "
		       "minute keeps what it read): %s (%.1f ms cpu, %.1f ms wall)\n",
		       GOAL_MS, rc < GOAL_MS ? "met" : "NOT met", rc, mean[P_ROUND]);
}

static void report(struct sample cold[NPHASES], const double ccpu[NPHASES],
		   struct sample warm[NPHASES], const double wcpu[NPHASES], double wsys,
		   unsigned rounds, unsigned live, bool storage, const struct sample *q,
		   const double *qcpu)
{
	printf("%u rounds; baseline: %s %zu %s\n", rounds,
	       live ? "the live host read from its files," : "", files_read,
	       live ? "interfaces" : "files read");
	report_rounds("cold (a first read: nothing kept)", cold, ccpu, live, storage, false);
	for (int x = 0; live && x < NEXTRAS && q[x].n; x++) {
		double sum = 0;
		for (size_t k = 0; k < q[x].n; k++)
			sum += q[x].v[k];
		printf("%-30s %9.2f %9s %9s %9.2f\n", extra_names[x], sum / (double)q[x].n, "", "",
		       qcpu[x] / (double)q[x].n);
	}
	report_rounds("warm (kernel threads' names kept from the round before)", warm, wcpu, live,
		      storage, true);
	double n = (double)warm[P_ROUND].n;
	printf("of the warm round's cpu, in the kernel (system time): %.1f of %.1f ms (%.0f%%)\n",
	       wsys / n, wcpu[P_ROUND] / n, 100 * wsys / wcpu[P_ROUND]);
}

int main(int argc, char **argv)
{
	unsigned nics = 48, vifs = 2000, queues = 2, rounds = 20, live = 0;
	const char *sysroot = NULL, *policy = NULL, *print = NULL, *sroot = NULL;
	enum nt_read_how how = NT_READ_AUTO;
	bool keep = false, json = false, cold = false;
	static const struct option opts[] = {
		{ "nics", 1, 0, 'n' },	  { "vifs", 1, 0, 'v' },  { "queues", 1, 0, 'q' },
		{ "rounds", 1, 0, 'r' },  { "sysroot", 1, 0, 's' }, { "policy", 1, 0, 'p' },
		{ "print", 1, 0, 'P' },	  { "json", 0, 0, 'j' },  { "keep", 0, 0, 'k' },
		{ "storage-root", 1, 0, 'S' }, { "help", 0, 0, 'h' },  { "live", 1, 0, 'L' },
		{ "reader", 1, 0, 'R' },  { "cold", 0, 0, 'C' }, { 0, 0, 0, 0 }
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': nics = (unsigned)atoi(optarg); break;
		case 'v': vifs = (unsigned)atoi(optarg); break;
		case 'q': queues = (unsigned)atoi(optarg); break;
		case 'r': rounds = (unsigned)atoi(optarg); break;
		case 's': sysroot = optarg; break;
		case 'S': sroot = optarg; break;
		case 'p': policy = optarg; break;
		case 'P': print = optarg; break;
		case 'j': json = true; break;
		case 'k': keep = true; break;
		case 'C': cold = true; break;
		case 'L': live = (unsigned)atoi(optarg); break;
		case 'R':
			how = !strcmp(optarg, "files") ? NT_READ_FILES
			      : !strcmp(optarg, "live") ? NT_READ_LIVE
							: NT_READ_AUTO;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (print) {
		if (!sysroot || (strcmp(print, "show") && !policy)) {
			usage(stderr);
			return 2;
		}
		return print_once(sysroot, how, policy, print, json, cold);
	}
	if (rounds == 0 || nics < 2 || queues == 0 || queues > 64 || (sysroot && !policy) ||
	    (live && sysroot)) {
		usage(stderr);
		return 2;
	}
	char tmp[] = "/tmp/io-plan.XXXXXX", root[PATH_MAX], pol[PATH_MAX + 8], sdir[PATH_MAX];
	bool made = false, agree = true;
	if (!sysroot) {
		if (!mkdtemp(tmp)) {
			perror("io-plan: mkdtemp");
			return 1;
		}
		made = true;
	}
	if (live) {
		char err[XCD_ERR_MAX];
		double g0 = now_ms();
		snprintf(pol, sizeof(pol), "%s/live.conf", tmp);
		if (live_host_make(nics, live, pol, err, sizeof(err)) ||
		    live_pidns_enter(err, sizeof(err)) ||
		    live_tasks_make(live, queues, err, sizeof(err))) {
			fprintf(stderr, "io-plan: --live: %s\n", err);
			nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
			return 1;
		}
		printf("(made in %.0f ms)\n", now_ms() - g0);
		sysroot = "/";
		policy = pol;
		how = NT_READ_LIVE;
		agree = readers_agree();
	} else if (!sysroot) {
		if (make_fixture(tmp, nics, vifs, queues, root, sizeof(root), pol, sizeof(pol), sdir,
				 sizeof(sdir))) {
			nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
			return 1;
		}
		if (!sroot)
			sroot = sdir;
		sysroot = root;
		policy = pol;
	}
	struct sample s[2][NPHASES], q[NEXTRAS] = { { calloc(rounds, sizeof(double)), 0 },
						    { calloc(rounds, sizeof(double)), 0 } };
	double cpu[2][NPHASES] = { { 0 } }, qcpu[NEXTRAS] = { 0 }, wsys = 0;
	for (int i = 0; i < NPHASES * 2; i++) {
		s[i / NPHASES][i % NPHASES].v = calloc(rounds, sizeof(double));
		s[i / NPHASES][i % NPHASES].n = 0;
		if (!s[i / NPHASES][i % NPHASES].v || !q[X_QUEUES].v || !q[X_DUMP].v)
			return 1;
	}
	size_t sink = 0;
	int rc = 0;
	double t1[NPHASES], c1[NPHASES];
	/* the warm rounds' cache; this first round warms the page and dentry
	 * caches and fills it */
	struct nt_kcache *kept = nt_kcache_new();
	if (!kept || round_once(sysroot, how, kept, policy, sroot, t1, c1, &sink))
		rc = 1;
	for (unsigned r = 0; r < rounds && rc == 0; r++) {
		double t0 = now_ms(), c0 = cpu_ms();
		if (baseline_once(sysroot, sroot, live)) {
			rc = 1;
			break;
		}
		add(&s[0][P_BASE], now_ms() - t0);
		cpu[0][P_BASE] += cpu_ms() - c0;
		add(&s[1][P_BASE], now_ms() - t0);
		cpu[1][P_BASE] += cpu_ms() - c0;
		for (int k = 0; k < 2 && rc == 0; k++) { /* cold, then warm */
			double t[NPHASES], c[NPHASES];
			struct nt_kcache *first = k ? NULL : nt_kcache_new();
			double s0 = sys_ms();
			if ((!k && !first) ||
			    round_once(sysroot, how, k ? kept : first, policy, sroot, t, c, &sink))
				rc = 1;
			if (k)
				wsys += sys_ms() - s0;
			nt_kcache_free(first);
			for (int i = P_READ; i < NPHASES && rc == 0; i++) {
				add(&s[k][i], t[i]);
				cpu[k][i] += c[i];
			}
		}
		for (int x = 0; live && x < NEXTRAS && rc == 0; x++) {
			t0 = now_ms();
			c0 = cpu_ms();
			if (x == X_QUEUES)
				vif_queues_once(live, &sink);
			else
				dump_once(&sink);
			add(&q[x], now_ms() - t0);
			qcpu[x] += cpu_ms() - c0;
		}
	}
	if (rc == 0) {
		printf("kept after the last warm round: %zu kernel threads' names\n",
		       nt_kcache_count(kept));
		report(s[0], cpu[0], s[1], cpu[1], wsys, rounds, live, sroot != NULL, q, qcpu);
	}
	nt_kcache_free(kept);
	for (int i = 0; i < NPHASES * 2; i++)
		free(s[i / NPHASES][i % NPHASES].v);
	free(q[X_QUEUES].v);
	free(q[X_DUMP].v);
	if (made && !keep)
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else if (made)
		printf("kept %s\n", tmp);
	return rc ? rc : agree ? 0 : 1;
}
