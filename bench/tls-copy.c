/* tls-copy: the raw transfer bench/migrate compares a migration over TCP
 * with: a stream of BYTES (PAGE_DATA records of 1024 non-zero pages, as a
 * full guest's round 0 is) written into the sending relay's pipe and read
 * out of the receiving relay's, over loopback through the TCP transport
 * (migrate/tcp.h: TLS 1.3, STREAMS data connections), no guest and no
 * xcdd. Prints the milliseconds from the first byte written to the last
 * byte read.
 *   tls-copy STREAMS BYTES SENDER_CRED_DIR RECEIVER_CRED_DIR RECEIVER_NAME */
#include "../migrate/migrate.h"
#include "../migrate/tcp.h"
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint64_t total;

static double now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The receiving xcdd's part: the stream read to its end, the handover. */
static int deliver(void *arg, struct rmig *rx, const struct mig_pipe_head *h, bool paused,
		   int in, int back, const struct mig_tcp_peer *from, char *err, size_t errlen)
{
	(void)rx;
	static char buf[1 << 20];
	char e[256];
	uint64_t off = h->off;
	(void)arg, (void)paused, (void)from, (void)err, (void)errlen;
	for (uint64_t got = 0; got < total - off;) {
		ssize_t r = read(in, buf, sizeof(buf));
		if (r <= 0)
			break;
		got += (uint64_t)r;
	}
	if (mig_pipe_send(back, MIG_PIPE_READY, 0, e, sizeof(e)) == 0 &&
	    mig_pipe_recv(in, MIG_PIPE_GO, 10000, NULL, e, sizeof(e)) == 0)
		mig_pipe_send(back, MIG_PIPE_REPORT, 0, e, sizeof(e));
	close(in);
	close(back);
	return 0;
}

struct gw_arg {
	int fd;
	const char *dir;
};

static void *gateway(void *arg)
{
	struct gw_arg *g = arg;
	struct mig_tcp_gw_opts o = { .cred_dir = g->dir };
	mig_tcp_gateway(g->fd, &o, deliver, NULL);
	return NULL;
}

struct send_arg {
	struct mig_tcp_send_opts o;
	int s2r, r2s, rc;
	char err[1024];
};

static void *sender(void *arg)
{
	struct send_arg *s = arg;
	s->rc = mig_tcp_send(&s->o, s->s2r, s->r2s, NULL, NULL, s->err, sizeof(s->err));
	return NULL;
}

/* The stream, in a memfd mapped whole: *LEN bytes. */
static const uint8_t *make_stream(uint64_t bytes, uint64_t *len)
{
	static const char config[] = "{}";
	uint64_t pfns[MIG_BATCH_PAGES];
	uint8_t *pages = malloc(MIG_BATCH_PAGES * 4096u);
	int fd = memfd_create("tls-copy", 0);
	struct mig_out o;
	if (!pages || fd < 0 || mig_out_init(&o, fd) < 0)
		return NULL;
	for (size_t i = 0; i < MIG_BATCH_PAGES * 4096u; i++)
		pages[i] = (uint8_t)(i * 131 + 7) | 1;
	mig_write_xl_header(&o, config, sizeof(config));
	mig_write_libxl_header(&o);
	mig_write_libxl_rec(&o, LIBXL_REC_LIBXC_CONTEXT, NULL, 0);
	mig_write_libxc_headers(&o, LIBXC_DOM_XCD_SIM, 4, 17);
	mig_write_libxc_rec(&o, LIBXC_REC_STATIC_DATA_END, NULL, 0, NULL, 0);
	for (uint64_t b = 0; o.off < bytes; b++) {
		for (unsigned k = 0; k < MIG_BATCH_PAGES; k++)
			pfns[k] = b * MIG_BATCH_PAGES + k;
		mig_write_page_data(&o, MIG_BATCH_PAGES, pfns, pages);
	}
	mig_write_libxc_rec(&o, LIBXC_REC_END, NULL, 0, NULL, 0);
	mig_write_libxl_rec(&o, LIBXL_REC_END, NULL, 0);
	if (mig_out_flush(&o) < 0)
		return NULL;
	*len = o.off;
	mig_out_free(&o);
	free(pages);
	void *p = mmap(NULL, *len, PROT_READ, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: tls-copy STREAMS BYTES SENDER_CRED_DIR RECEIVER_CRED_DIR "
			"RECEIVER_NAME\n");
		return 2;
	}
	struct mig_addr a;
	char bound[64], err[512];
	const uint8_t *st = make_stream(strtoull(argv[2], NULL, 10), &total);
	int lfd = -1;
	if (!st || mig_addr_parse("127.0.0.1:0", true, &a, err, sizeof(err)) < 0 ||
	    (lfd = mig_addr_listen(&a, bound, sizeof(bound), err, sizeof(err))) < 0) {
		fprintf(stderr, "tls-copy: %s\n", st ? err : "no stream");
		return 1;
	}
	struct gw_arg g = { lfd, argv[4] };
	pthread_t gt, th;
	int s2r[2], r2s[2];
	if (pthread_create(&gt, NULL, gateway, &g) != 0 || pipe2(s2r, O_CLOEXEC) < 0 ||
	    pipe2(r2s, O_CLOEXEC) < 0)
		return 1;
	fcntl(s2r[1], F_SETPIPE_SZ, 1 << 20); /* as xcdd's link has it */
	struct send_arg s = { .o = { .cred_dir = argv[3], .peer_name = argv[5],
				     .streams = (unsigned)atoi(argv[1]) },
			      .s2r = s2r[0], .r2s = r2s[1] };
	mig_addr_parse(bound, true, &s.o.addr, err, sizeof(err));
	if (pthread_create(&th, NULL, sender, &s) != 0)
		return 1;
	char e[256];
	uint8_t status = 1;
	double t0 = 0, t1 = 0;
	if (mig_pipe_recv(r2s[0], MIG_PIPE_BANNER, 10000, NULL, e, sizeof(e)) == 0) {
		t0 = now_ms();
		for (uint64_t w = 0; w < total;) {
			ssize_t k = write(s2r[1], st + w, total - w < (1u << 20) ? total - w : 1u << 20);
			if (k <= 0)
				break;
			w += (uint64_t)k;
		}
		if (mig_pipe_recv(r2s[0], MIG_PIPE_READY, 600000, NULL, e, sizeof(e)) == 0) {
			t1 = now_ms();
			if (mig_pipe_send(s2r[1], MIG_PIPE_GO, 0, e, sizeof(e)) == 0)
				mig_pipe_recv(r2s[0], MIG_PIPE_REPORT, 10000, &status, e, sizeof(e));
		}
	}
	close(s2r[1]);
	close(r2s[0]);
	pthread_join(th, NULL);
	if (s.rc < 0 || status != 0) {
		fprintf(stderr, "tls-copy: %s\n", s.rc < 0 ? s.err : e);
		return 1;
	}
	printf("%.1f\n", t1 - t0);
	return 0;
}
