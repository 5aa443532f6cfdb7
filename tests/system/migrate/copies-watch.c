/*
 * copies-watch: watches two simulated hosts for a guest running on both at
 * once, through hv and not through xcdd, for the migration fault tests:
 *   copies-watch SOCKET_A SOCKET_B UUID
 * samples host A, then B, then A again, as fast as they answer, until
 * SIGTERM (or for ten minutes at most). Running means: the hypervisor has a
 * domain of that uuid, neither paused, shut down nor dying. Each round in
 * which A ran at both of its samples and B at the one between is a moment
 * at which two copies ran (or A's resumed after B's had started): said on
 * standard output ("two running: ..."). Its last line: "ROUNDS rounds,
 * N with two copies running". Exit status 0 when N is 0, 1 otherwise.
 */
#include "../../../hv/hv.h"
#include "../../../lib/errmsg.h"
#include "../../../lib/uuid.h"
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_DOMAINS 1024

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Whether HV runs a domain of UUID now (-1: the host did not answer). */
static int running(struct hv *hv, const uint8_t uuid[16], struct hv_dominfo *list)
{
	int n = hv_domain_list(hv, list, MAX_DOMAINS);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		if (!memcmp(list[i].uuid, uuid, 16) &&
		    !(list[i].flags & (HV_DOMF_PAUSED | HV_DOMF_SHUTDOWN | HV_DOMF_DYING)))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t uuid[16];
	if (argc != 4 || uuid_parse(argv[3], uuid) < 0) {
		fprintf(stderr, "usage: copies-watch SOCKET_A SOCKET_B UUID\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	struct hv *a = NULL, *b = NULL;
	char err[XCD_ERR_MAX];
	struct hv_dominfo *list = calloc(MAX_DOMAINS, sizeof(*list));
	unsigned long rounds = 0, two = 0;
	time_t end = time(NULL) + 600;
	while (!stop && list && time(NULL) < end) {
		/* A host whose xcd-sim is not up (yet) is asked again later. */
		if (!a && hv_open(HV_SIM, argv[1], &a, err, sizeof(err)) < 0)
			a = NULL;
		if (!b && hv_open(HV_SIM, argv[2], &b, err, sizeof(err)) < 0)
			b = NULL;
		int a1 = a ? running(a, uuid, list) : -1;
		int rb = b ? running(b, uuid, list) : -1;
		int a2 = a ? running(a, uuid, list) : -1;
		if (a1 < 0 && a) {
			hv_close(a);
			a = NULL;
		}
		if (rb < 0 && b) {
			hv_close(b);
			b = NULL;
		}
		rounds++;
		if (a1 == 1 && rb == 1 && a2 == 1) {
			two++;
			struct timespec t;
			clock_gettime(CLOCK_REALTIME, &t);
			printf("two running: %s on both hosts at %lld.%03ld\n", argv[3],
			       (long long)t.tv_sec, t.tv_nsec / 1000000);
			fflush(stdout);
		}
		struct timespec ts = { 0, 2000000 };
		nanosleep(&ts, NULL);
	}
	printf("%lu rounds, %lu with two copies running\n", rounds, two);
	if (a)
		hv_close(a);
	if (b)
		hv_close(b);
	free(list);
	return two != 0;
}
