/* sim-guest-bench: how fast a simulated guest answers xenstore through its
 * ring and event channel, next to a plain xenstore round trip on the socket
 * measured in the same run. It starts a private xcd-sim and xcd-xenstored
 * (--sim-socket), builds a sim:idle guest with hv, introduces it, then:
 *   socket:  xs_write + xs_read of a node by this process (the baseline)
 *   balloon: xs_write memory/target until hv getinfo shows the guest holds
 *            that much (xenstored -> ring -> event -> guest READ -> reply ->
 *            event -> guest balloons)
 *   poweroff: xs_write control/shutdown until hv getinfo shows shutdown
 * Usage: sim-guest-bench XCD-SIM XCD-XENSTORED [ROUNDS]   (default 200) */
#include "../hv/hv.h"
#include "../lib/errmsg.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static pid_t spawn(char *const argv[], const char *log)
{
	pid_t p = fork();
	if (p == 0) {
		if (!freopen(log, "w", stderr))
			_exit(127);
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *ns, unsigned n, uint64_t base)
{
	qsort(ns, n, sizeof(*ns), cmp_u64);
	uint64_t med = ns[n / 2];
	printf("%-9s %u rounds: median %8.1f us, p90 %8.1f us", what, n, med / 1e3,
	       ns[n * 9 / 10] / 1e3);
	if (base)
		printf("  (%.1f x socket)", (double)med / (double)base);
	printf("\n");
}

static int wait_info(struct hv *hv, uint32_t domid, uint64_t mem_kb, int shutdown)
{
	struct hv_dominfo di;
	for (uint64_t t0 = now_ns(); now_ns() - t0 < 5000000000ull;) {
		if (hv_domain_getinfo(hv, domid, &di) < 0)
			return -1;
		if (shutdown ? (di.flags & HV_DOMF_SHUTDOWN) != 0 : di.mem_kb == mem_kb)
			return 0;
	}
	return -ETIMEDOUT;
}

static bool wr(struct xs_handle *xs, const char *path, const char *val)
{
	return xs_write(xs, XBT_NULL, path, val, strlen(val));
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: sim-guest-bench XCD-SIM XCD-XENSTORED [ROUNDS]\n");
		return 2;
	}
	unsigned rounds = argc > 3 ? (unsigned)atoi(argv[3]) : 200;
	if (rounds < 10)
		rounds = 10;
	char dir[] = "/tmp/sim-guest-bench.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	char sim_sock[128], xs_sock[128], log1[128], log2[128];
	snprintf(sim_sock, sizeof(sim_sock), "%s/sim.sock", dir);
	snprintf(xs_sock, sizeof(xs_sock), "%s/xs.sock", dir);
	snprintf(log1, sizeof(log1), "%s/xcd-sim.log", dir);
	snprintf(log2, sizeof(log2), "%s/xenstored.log", dir);
	char *sim_argv[] = { argv[1], "--socket", sim_sock, "--memory", "256", NULL };
	char *xs_argv[] = { argv[2], "-N", "-s", xs_sock, "--sim-socket", sim_sock, NULL };
	pid_t sim = spawn(sim_argv, log1), xsd = -1;
	struct hv *hv = NULL;
	struct xs_handle *xs = NULL;
	char err[XCD_ERR_MAX] = "";
	int rc = 1;
	for (int i = 0; i < 100 && hv_open(HV_SIM, sim_sock, &hv, err, sizeof(err)) < 0; i++)
		usleep(20000);
	if (!hv) {
		fprintf(stderr, "xcd-sim: %s\n", err);
		goto out;
	}
	xsd = spawn(xs_argv, log2);
	setenv("XENSTORED_PATH", xs_sock, 1);
	for (int i = 0; i < 100 && !(xs = xs_open(0)); i++)
		usleep(20000);
	if (!xs) {
		fprintf(stderr, "xcd-xenstored did not come up (see %s)\n", log2);
		goto out;
	}
	struct hv_domain_config cfg = { .max_vcpus = 1, .max_mem_kb = 16384 };
	struct hv_build_spec spec = { .kernel = "sim:idle" };
	struct hv_build_result br;
	uint32_t domid;
	if (hv_domain_create(hv, &cfg, &domid) < 0 || hv_domain_build(hv, domid, &spec, &br) < 0) {
		fprintf(stderr, "guest: %s\n", hv_error(hv));
		goto out;
	}
	char home[64], path[128], val[32];
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	struct xs_permissions own = { .id = domid, .perms = XS_PERM_NONE };
	struct xs_permissions ro[2] = { { 0, XS_PERM_NONE }, { domid, XS_PERM_READ } };
	const char *subs[] = { "control", "memory" };
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", home, subs[i]);
		xs_mkdir(xs, XBT_NULL, path);
		xs_set_permissions(xs, XBT_NULL, path, &own, 1);
	}
	snprintf(path, sizeof(path), "%s/memory/target", home);
	wr(xs, path, "16384");
	xs_set_permissions(xs, XBT_NULL, path, ro, 2);
	if (!xs_introduce_domain(xs, domid, br.store_pfn, br.store_port) ||
	    hv_domain_unpause(hv, domid) < 0) {
		fprintf(stderr, "introduce/unpause failed\n");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/control/feature-poweroff", home);
	for (int i = 0; i < 500; i++) {
		unsigned len;
		char *v = xs_read(xs, XBT_NULL, path, &len);
		free(v);
		if (v)
			break;
		usleep(10000);
	}

	uint64_t *ns = calloc(rounds, sizeof(*ns));
	for (unsigned i = 0; i < rounds; i++) {
		snprintf(val, sizeof(val), "%u", i);
		uint64_t t0 = now_ns();
		wr(xs, "/bench/node", val);
		unsigned len;
		free(xs_read(xs, XBT_NULL, "/bench/node", &len));
		ns[i] = now_ns() - t0;
	}
	qsort(ns, rounds, sizeof(*ns), cmp_u64);
	uint64_t base = ns[rounds / 2];
	report("socket", ns, rounds, 0);
	snprintf(path, sizeof(path), "%s/memory/target", home);
	for (unsigned i = 0; i < rounds; i++) {
		uint64_t kb = 8192 + 4 * (i % 512);
		snprintf(val, sizeof(val), "%llu", (unsigned long long)kb);
		uint64_t t0 = now_ns();
		wr(xs, path, val);
		if (wait_info(hv, domid, kb, 0) < 0) {
			fprintf(stderr, "balloon round %u: the guest did not follow\n", i);
			goto out;
		}
		ns[i] = now_ns() - t0;
	}
	report("balloon", ns, rounds, base);
	snprintf(path, sizeof(path), "%s/control/shutdown", home);
	uint64_t t0 = now_ns();
	wr(xs, path, "poweroff");
	if (wait_info(hv, domid, 0, 1) == 0)
		printf("poweroff  1 round: %.1f us (%.1f x socket)\n", (now_ns() - t0) / 1e3,
		       (double)(now_ns() - t0) / (double)base);
	free(ns);
	hv_domain_destroy(hv, domid);
	rc = 0;
out:
	if (xs)
		xs_close(xs);
	if (hv)
		hv_close(hv);
	if (xsd > 0) {
		kill(xsd, SIGTERM);
		waitpid(xsd, NULL, 0);
	}
	kill(sim, SIGTERM);
	waitpid(sim, NULL, 0);
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = 1;
	return rc;
}
