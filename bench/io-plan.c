/* io-plan: what the I/O tuners' read side costs on a large host: show +
 * plan + verify of netback-tune/ on a generated sysroot of --nics NICs (in
 * bonds of two, each under a bridge) and --vifs vifs of --queues queues
 * (tests/unit/netback-tune/make-fixtures.py --big writes it into a temporary
 * directory), against a baseline measured in the same run: reading every
 * file of that tree once (open, read, close; readlink for symlinks), the
 * least any reader of those files could cost.
 *
 * One line per phase (mean, median, 99th percentile in ms over --rounds, and
 * the mean CPU time the process used in it: on a loaded machine the wall
 * clock also counts the time others ran), the round's ratio over the
 * baseline, and whether the goal - a round under 100 ms, so that xcdd can
 * verify every minute for nothing - is met.
 *
 * --sysroot DIR --policy FILE: use that tree instead of generating one.
 * --print show|plan|verify: print that once (text; --json: JSON) and exit,
 * to look at a fixture by hand.
 *
 * The storage half: blkback/'s show + plan + verify (blk_run_all, text and
 * JSON) of a second generated tree, 4 dual-port HBAs and 64 LUNs x 8 paths
 * (tests/unit/blkback/make-fixtures.py --big), timed as a phase of its own
 * and counted in the round; the baseline reads both trees.
 * --storage-root DIR: that tree instead of a generated one (its policy is
 * DIR/etc/xcd/io.conf). */
#include "../blkback/run.h"
#include "../lib/errmsg.h"
#include "../lib/tuneplan.h"
#include "../netback-tune/nethost.h"
#include "../netback-tune/plan.h"
#include "../netback-tune/policy.h"
#include "../netback-tune/show.h"
#include "../netback-tune/verify.h"
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

static int round_once(const char *root, const char *policy, const char *sroot,
		      double t[NPHASES], double c[NPHASES], size_t *sink)
{
	char err[XCD_ERR_MAX];
	double w[6], c6[6];
	stamp(w, c6, 0);
	struct nt_host *h;
	if (nt_host_read(root, &h, err, sizeof(err))) {
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

static int print_once(const char *root, const char *policy, const char *what, bool json)
{
	char err[XCD_ERR_MAX];
	struct nt_host *h;
	if (nt_host_read(root, &h, err, sizeof(err))) {
		fprintf(stderr, "io-plan: %s\n", err);
		return 1;
	}
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
		   "       io-plan --sysroot DIR --policy FILE [--storage-root DIR] [--rounds N]\n"
		   "       io-plan --sysroot DIR [--policy FILE] --print show|plan|verify [--json]\n");
}

int main(int argc, char **argv)
{
	unsigned nics = 48, vifs = 2000, queues = 2, rounds = 20;
	const char *sysroot = NULL, *policy = NULL, *print = NULL, *sroot = NULL;
	bool keep = false, json = false;
	static const struct option opts[] = {
		{ "nics", 1, 0, 'n' },	  { "vifs", 1, 0, 'v' },  { "queues", 1, 0, 'q' },
		{ "rounds", 1, 0, 'r' },  { "sysroot", 1, 0, 's' }, { "policy", 1, 0, 'p' },
		{ "print", 1, 0, 'P' },	  { "json", 0, 0, 'j' },  { "keep", 0, 0, 'k' },
		{ "storage-root", 1, 0, 'S' }, { "help", 0, 0, 'h' },  { 0, 0, 0, 0 }
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
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (print) {
		if (!sysroot || (strcmp(print, "show") && !policy)) {
			usage(stderr);
			return 2;
		}
		return print_once(sysroot, policy, print, json);
	}
	if (rounds == 0 || nics < 2 || queues == 0 || queues > 64 || (sysroot && !policy)) {
		usage(stderr);
		return 2;
	}
	char tmp[] = "/tmp/io-plan.XXXXXX", root[PATH_MAX], pol[PATH_MAX + 8], sdir[PATH_MAX];
	bool made = false;
	if (!sysroot) {
		if (!mkdtemp(tmp)) {
			perror("io-plan: mkdtemp");
			return 1;
		}
		made = true;
		snprintf(root, sizeof(root), "%s/host", tmp);
		snprintf(pol, sizeof(pol), "%s.conf", root);
		double g0 = now_ms();
		if (generate(root, nics, vifs, queues)) {
			fprintf(stderr, "io-plan: generating the host failed\n");
			nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
			return 1;
		}
		snprintf(sdir, sizeof(sdir), "%s/storage", tmp);
		if (!sroot && generate_storage(sdir)) {
			fprintf(stderr, "io-plan: generating the storage host failed\n");
			nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
			return 1;
		}
		if (!sroot)
			sroot = sdir;
		printf("host: %u NICs, %u vifs of %u queues in %s (generated in %.0f ms)\n", nics,
		       vifs, queues, root, now_ms() - g0);
		sysroot = root;
		policy = pol;
	}
	struct sample s[NPHASES];
	double cpu[NPHASES] = { 0 };
	for (int i = 0; i < NPHASES; i++) {
		s[i].v = calloc(rounds, sizeof(double));
		s[i].n = 0;
		if (!s[i].v)
			return 1;
	}
	size_t sink = 0;
	int rc = 0;
	double warm[NPHASES], wcpu[NPHASES];
	if (round_once(sysroot, policy, sroot, warm, wcpu, &sink)) /* warms the page and dentry caches */
		rc = 1;
	for (unsigned r = 0; r < rounds && rc == 0; r++) {
		double t0 = now_ms(), c0 = cpu_ms();
		files_read = 0;
		nftw(sysroot, read_one, 64, FTW_PHYS);
		if (sroot)
			nftw(sroot, read_one, 64, FTW_PHYS);
		add(&s[P_BASE], now_ms() - t0);
		cpu[P_BASE] += cpu_ms() - c0;
		double t[NPHASES], c[NPHASES];
		if (round_once(sysroot, policy, sroot, t, c, &sink)) {
			rc = 1;
			break;
		}
		for (int i = P_READ; i < NPHASES; i++) {
			add(&s[i], t[i]);
			cpu[i] += c[i];
		}
	}
	if (rc == 0) {
		double mean[NPHASES];
		printf("%u rounds; baseline: %zu files read\n", rounds, files_read);
		printf("%-26s %9s %9s %9s %9s\n", "phase", "mean ms", "p50 ms", "p99 ms", "cpu ms");
		for (int i = 0; i < NPHASES; i++) {
			double sum = 0;
			for (size_t k = 0; k < s[i].n; k++)
				sum += s[i].v[k];
			mean[i] = sum / (double)s[i].n;
			qsort(s[i].v, s[i].n, sizeof(double), cmp_d);
			size_t p99 = (size_t)((double)(s[i].n - 1) * 0.99);
			printf("%-26s %9.2f %9.2f %9.2f %9.2f\n", phase_names[i], mean[i],
			       s[i].v[s[i].n / 2], s[i].v[p99], cpu[i] / (double)s[i].n);
		}
		printf("round/baseline ratio: %.2f\n", mean[P_ROUND] / mean[P_BASE]);
		printf("goal: a round under %.0f ms: %s (%.1f ms)\n", GOAL_MS,
		       mean[P_ROUND] < GOAL_MS ? "met" : "NOT met", mean[P_ROUND]);
	}
	for (int i = 0; i < NPHASES; i++)
		free(s[i].v);
	if (made && !keep)
		nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else if (made)
		printf("kept %s\n", tmp);
	return rc;
}
