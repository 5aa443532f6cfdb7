/* fuzz-sim-control: xcd-sim's control protocol (sim/PROTOCOL.md) against
 * whatever a client sends: the input is the byte stream of one connection,
 * handled request by request as sim/control.c does, on a small host (2 MiB)
 * so that creations stay cheap; every domain and event handle is destroyed
 * after each input. The control code is compiled in here so that its
 * connection handling is driven without a listening socket. */
#include "../../sim/control.c"
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init("fuzz-sim-control", 0, LOG_LVL_ERR);
	/* the log-dirty fault handler, as xcd-sim's main installs it */
	return sim_logdirty_install();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_host h = { .nr_cpus = 2, .total_kb = 2048, .next_domid = 1, .nr_features = 1 };
	pthread_mutex_init(&h.ev_mu, NULL);
	if (loop_new(&h.loop) < 0)
		return 0;
	struct sim_control c = { .l = h.loop, .h = &h, .lfd = -1 };
	int sv[2];
	struct conn *k = calloc(1, sizeof(*k));
	if (!k || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		free(k);
		loop_free(h.loop);
		return 0;
	}
	k->c = &c;
	k->fd = sv[0];
	k->outfd = k->infd = -1;
	k->in = malloc(size ? size : 1);
	if (k->in) {
		memcpy(k->in, data, size);
		k->inlen = k->incap = size;
		char sink[65536];
		/* Bounded: each round answers at least one request or ends. */
		for (int round = 0; round < 10000; round++) {
			size_t before = k->inlen;
			if (process(k) < 0)
				break;
			while (recv(sv[1], sink, sizeof(sink), MSG_DONTWAIT) > 0)
				;
			if (k->outlen && flush(k) < 0)
				break;
			if (k->inlen == before && !k->outlen)
				break;
		}
	}
	conn_close(k);
	close(sv[1]);
	sim_evh_close_all(&h);
	while (h.domains)
		sim_domain_destroy(&h, h.domains);
	loop_free(h.loop);
	pthread_mutex_destroy(&h.ev_mu);
	return 0;
}
