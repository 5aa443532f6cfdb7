/*
 * downtime-watch: a live migration's downtime as the hypervisor shows it,
 * for the lab's benchmark (tests/xen/bench/57-migrate-bench.sh):
 *   downtime-watch [--sim SOCKET] SECONDS
 * samples the hypervisor's domain list (hv_domain_list, Xen by default)
 * about every millisecond until SIGTERM or SECONDS, and measures the spans
 * in which no guest (no domain but dom0) runs: none exists, or each one is
 * paused, shut down (a suspended one) or dying. Only one guest is to be on
 * the host, moved to localhost: its old and its new copy are the only
 * domains. Prints "samples N, longest sample gap G ms" and, for each span
 * that began after a guest ran, "no guest running: MS ms", then
 * "longest: MS ms" (0 when none); exit 0, or 1 when the hypervisor could
 * not be read.
 */
#include "../../hv/hv.h"
#include "../../lib/errmsg.h"
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DOMAINS 256

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* 1 when a guest runs, 0 when none does, -1 when HV did not answer. */
static int a_guest_runs(struct hv *hv, struct hv_dominfo *list)
{
	int n = hv_domain_list(hv, list, MAX_DOMAINS);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (list[i].domid != 0 &&
		    !(list[i].flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN | HV_DOMF_DYING)))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	enum hv_backend be = HV_XEN;
	const char *sock = NULL;
	int a = 1;
	if (argc == 4 && !strcmp(argv[1], "--sim")) {
		be = HV_SIM;
		sock = argv[2];
		a = 3;
	}
	if (a != argc - 1 || atoi(argv[a]) <= 0) {
		fprintf(stderr, "usage: downtime-watch [--sim SOCKET] SECONDS\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	struct hv *hv;
	char err[XCD_ERR_MAX];
	if (hv_open(be, sock, &hv, err, sizeof(err)) < 0) {
		fprintf(stderr, "downtime-watch: %s\n", err);
		return 1;
	}
	struct hv_dominfo *list = calloc(MAX_DOMAINS, sizeof(*list));
	double end = now_ms() + atoi(argv[a]) * 1e3, last = 0, gap = 0, down = -1, longest = 0;
	unsigned long samples = 0;
	int ran = 0, rc = 0;
	setvbuf(stdout, NULL, _IOLBF, 0);
	while (!stop && list && now_ms() < end) {
		int r = a_guest_runs(hv, list);
		double t = now_ms();
		if (r < 0) {
			fprintf(stderr, "downtime-watch: %s\n", hv_error(hv));
			rc = 1;
			break;
		}
		if (samples++ && t - last > gap)
			gap = t - last;
		last = t;
		if (r == 1 && down >= 0) {
			printf("no guest running: %.1f ms\n", t - down);
			if (t - down > longest)
				longest = t - down;
			down = -1;
		} else if (r == 0 && ran && down < 0) {
			down = t;
		}
		ran |= r;
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
	}
	printf("samples %lu, longest sample gap %.1f ms\n", samples, gap);
	printf("longest: %.1f ms\n", longest);
	free(list);
	hv_close(hv);
	return rc;
}
