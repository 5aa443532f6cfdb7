/* relay_recv: one incoming migration (relay_recv.h). Threads: a reader per
 * data connection takes its frames (checked by mig_merge_check before a
 * byte of them is held), the writer puts the segments in order into the
 * stream's pipe, and the back thread sends what xcdd says to the sender
 * over the control connection; the calling thread greets the sender,
 * reads xl's header from the pipe as `xcd migrate-receive` would, and
 * hands the rest to xcdd. What the writer puts into the pipe is
 * acknowledged to the sender, which sends no more than a window ahead. */
#include "relay_recv.h"
#include "pipe.h"
#include "../lib/log.h"
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Bytes of segments held out of order, at most (the next one always
 * gets in). */
#define HOLD_MAX (32u << 20)

static void fail(struct rmig *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct rmig *m, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool first = mig_relay_fail(&m->f, &m->mu, &m->cv, fmt, ap);
	va_end(ap);
	for (unsigned i = 0; first && i < m->streams; i++)
		shutdown(m->data[i].fd, SHUT_RDWR);
}

static int send_back(struct rmig *m, uint32_t kind, const void *p, uint32_t len, char *err,
		     size_t errlen)
{
	uint8_t hdr[MIG_BACK_HDR];
	mig_back_encode(kind, len, hdr);
	pthread_mutex_lock(&m->ctl_mu);
	int rc = mig_tls_send(&m->ctl.t, hdr, sizeof(hdr), err, errlen);
	if (rc == 0)
		rc = mig_tls_send(&m->ctl.t, p, len, err, errlen);
	pthread_mutex_unlock(&m->ctl_mu);
	return rc;
}

void mig_tcp_devices_up(struct rmig *m)
{
	char e[256];
	uint8_t hdr[MIG_BACK_HDR];
	if (!m->peer.devices)
		return; /* an older sender: it neither waits for it nor takes it */
	mig_back_encode(MIG_BACK_DEVICES, 0, hdr);
	pthread_mutex_lock(&m->ctl_mu);
	bool first = !m->devices_told;
	m->devices_told = true;
	int rc = first ? mig_tls_send(&m->ctl.t, hdr, sizeof(hdr), e, sizeof(e)) : 0;
	pthread_mutex_unlock(&m->ctl_mu);
	if (rc < 0)
		fail(m, "the control connection to %s: %s", m->peer.cred.name, e);
}

/* A sentence for the sender's user (cut to a note's size). */
static void note(struct rmig *m, const char *text)
{
	char e[256];
	size_t len = strlen(text);
	send_back(m, MIG_BACK_NOTE, text, len < MIG_NOTE_MAX ? (uint32_t)len : MIG_NOTE_MAX, e,
		  sizeof(e));
}

/* ---- the readers ---- */

struct reader_arg {
	struct rmig *m;
	unsigned i;
};

/* One frame of connection I: 1 at its end, 0 taken, -1 failed. */
static int read_frame(struct rmig *m, unsigned i)
{
	struct rconn *k = &m->data[i];
	uint8_t hdr[MIG_FRAME_HDR];
	struct mig_frame f;
	char e[512];
	int rc = mig_tls_recv(&k->t, hdr, sizeof(hdr), e, sizeof(e));
	if (rc == 0)
		rc = mig_frame_decode(hdr, &f, e, sizeof(e));
	if (rc < 0) {
		fail(m, "data connection %u from %s: %s", i, m->peer.cred.name,
		     rc == -ENODATA ? "closed before its end" : e);
		return -1;
	}
	pthread_mutex_lock(&m->mu);
	rc = mig_merge_check(&m->merge, i, &f, e, sizeof(e));
	if (rc == 0 && f.kind == MIG_FRAME_DATA)
		while (f.seq != m->merge.next && m->held + f.len > HOLD_MAX && !m->f.failed)
			pthread_cond_wait(&m->cv, &m->mu);
	bool failed = m->f.failed;
	if (rc == 0 && f.kind == MIG_FRAME_DATA)
		m->held += f.len;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	if (rc < 0)
		fail(m, "data connection %u from %s: %s", i, m->peer.cred.name, e);
	if (rc < 0 || failed)
		return -1;
	if (f.kind == MIG_FRAME_END)
		return 1;
	uint8_t *buf = malloc(f.len);
	if (!buf || (rc = mig_tls_recv(&k->t, buf, f.len, e, sizeof(e))) < 0) {
		fail(m, "data connection %u from %s: %s", i, m->peer.cred.name,
		     buf ? e : "out of memory");
		free(buf);
		return -1;
	}
	pthread_mutex_lock(&m->mu);
	m->slot[f.seq % MIG_MERGE_AHEAD].buf = buf;
	m->slot[f.seq % MIG_MERGE_AHEAD].len = f.len;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	return 0;
}

static void *reader(void *arg)
{
	struct reader_arg *a = arg;
	while (read_frame(a->m, a->i) == 0)
		;
	return NULL;
}

/* ---- the writer ---- */

/* All of P (N) into the stream's pipe, unless it fails: 0 or -1. */
static int write_out(struct rmig *m, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(m->stream_w, p, n);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN) {
			fail(m, "xcdd closed the stream (%s)", strerror(errno));
			return -1;
		}
		struct pollfd pf[2] = { { m->stream_w, POLLOUT, 0 }, { m->f.stop, POLLIN, 0 } };
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			return -1;
		if (pf[1].revents)
			return -1;
	}
	return 0;
}

/* LEN more bytes are in the pipe: the sender may send as many more. */
static int ack(struct rmig *m, uint32_t len)
{
	char e[256];
	m->piped += len;
	uint64_t v = htole64(m->piped);
	if (send_back(m, MIG_BACK_ACK, &v, sizeof(v), e, sizeof(e)) < 0) {
		fail(m, "the control connection to %s: %s", m->peer.cred.name, e);
		return -1;
	}
	return 0;
}

static void *writer(void *arg)
{
	struct rmig *m = arg;
	pthread_mutex_lock(&m->mu);
	for (;;) {
		unsigned i = (unsigned)(m->merge.next % MIG_MERGE_AHEAD);
		while (!m->slot[i].buf && !m->f.failed && !mig_merge_done(&m->merge))
			pthread_cond_wait(&m->cv, &m->mu);
		if (m->f.failed || !m->slot[i].buf)
			break;
		uint8_t *buf = m->slot[i].buf;
		uint32_t len = m->slot[i].len;
		m->slot[i].buf = NULL;
		pthread_mutex_unlock(&m->mu);
		int rc = write_out(m, buf, len);
		free(buf);
		if (rc == 0)
			rc = ack(m, len);
		pthread_mutex_lock(&m->mu);
		if (rc < 0)
			break;
		m->held -= len;
		mig_merge_advance(&m->merge);
		pthread_cond_broadcast(&m->cv);
	}
	m->written = true;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mu);
	close(m->stream_w); /* xcdd reads the stream's end (whole or not) */
	m->stream_w = -1;
	return NULL;
}

/* ---- the way back ---- */

static void *back(void *arg)
{
	struct rmig *m = arg;
	uint8_t buf[4096];
	char e[256];
	for (;;) {
		ssize_t r = read(m->back_r, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* xcdd is done with it */
		if (send_back(m, MIG_BACK_XL, buf, (uint32_t)r, e, sizeof(e)) < 0) {
			fail(m, "the control connection to %s: %s", m->peer.cred.name, e);
			break;
		}
	}
	close(m->back_r); /* xcdd's next message finds the way closed */
	m->back_r = -1;
	return NULL;
}

/* ---- the whole ---- */

/* The writer done within the time limit, or made to stop. */
static void await_written(struct rmig *m)
{
	pthread_mutex_lock(&m->mu);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += m->timeout_ms / 1000 + 1;
	while (!m->written && pthread_cond_timedwait(&m->cv, &m->mu, &ts) == 0)
		;
	bool done = m->written && !m->f.failed;
	pthread_mutex_unlock(&m->mu);
	if (!done)
		fail(m, "the sender did not end its data connections");
}

/* The pipes, the greeting, the readers (*NRD started) and the writer
 * (*WRITING): 0, or -1 (said). */
static int start(struct rmig *m, int stream[2], int back_pipe[2], pthread_t *rd,
		 struct reader_arg *ra, unsigned *nrd, pthread_t *wr, bool *writing)
{
	char e[256];
	size_t blen;
	const char *banner = mig_pipe_bytes(MIG_PIPE_BANNER, &blen);
	if (pipe2(stream, O_CLOEXEC) < 0 || pipe2(back_pipe, O_CLOEXEC) < 0) {
		fail(m, "pipe: %s", strerror(errno));
		return -1;
	}
	fcntl(stream[1], F_SETPIPE_SZ, 1 << 20);
	fcntl(stream[1], F_SETFL, O_NONBLOCK);
	m->stream_w = stream[1];
	m->back_r = back_pipe[0];
	stream[1] = back_pipe[0] = -1;
	if (send_back(m, MIG_BACK_XL, banner, (uint32_t)blen, e, sizeof(e)) < 0) {
		fail(m, "greeting %s: %s", m->peer.cred.name, e);
		return -1;
	}
	for (; *nrd < m->streams; (*nrd)++) {
		ra[*nrd] = (struct reader_arg){ m, *nrd };
		if (pthread_create(&rd[*nrd], NULL, reader, &ra[*nrd]) != 0) {
			fail(m, "cannot start a thread");
			return -1;
		}
	}
	if (!(*writing = pthread_create(wr, NULL, writer, m) == 0)) {
		fail(m, "cannot start a thread");
		return -1;
	}
	return 0;
}

/* xl's header read (and answered) or an outcome query, the way back
 * running, xcdd given the migration until it ends: 0, or -1 (said, and the
 * sender told). */
static int hand_over(struct rmig *m, int stream_r, int back_w, pthread_t *bk, bool *backing,
		     mig_tcp_deliver_fn *deliver, void *arg)
{
	struct mig_pipe_head head;
	char e[768];
	int rc = mig_pipe_read_head(stream_r, MIG_RECV_CONFIG_MAX, (int)m->timeout_ms, &head, e,
				    sizeof(e));
	/* Before the stream goes on, as migrate-receive does: the way back's
	 * pipe holds it until the back thread sends it. */
	if (rc == 0)
		rc = mig_pipe_answer_head(back_w, &head, e, sizeof(e));
	if (rc < 0) {
		close(stream_r);
		close(back_w);
		free(head.config);
		fail(m, "%s", e);
		note(m, e);
		return -1;
	}
	if (!(*backing = pthread_create(bk, NULL, back, m) == 0)) {
		close(stream_r);
		close(back_w);
		free(head.config);
		fail(m, "cannot start a thread");
		return -1;
	}
	rc = deliver(arg, m, &head, m->paused, stream_r, back_w, &m->peer, e, sizeof(e));
	free(head.config);
	pthread_join(*bk, NULL);
	*backing = false;
	if (rc < 0) {
		log_warn("the migration from %s (%s): %s", m->peer.cred.name, m->peer.address, e);
		note(m, e);
		fail(m, "%s", e);
		return -1;
	}
	return 0;
}

void mig_rmig_run(struct rmig *m, mig_tcp_deliver_fn *deliver, void *arg)
{
	pthread_t rd[MIG_MUX_MAX_STREAMS], wr, bk;
	struct reader_arg ra[MIG_MUX_MAX_STREAMS];
	unsigned nrd = 0;
	bool writing = false, backing = false;
	int stream[2] = { -1, -1 }, back_pipe[2] = { -1, -1 };
	pthread_mutex_init(&m->mu, NULL);
	pthread_mutex_init(&m->ctl_mu, NULL);
	pthread_cond_init(&m->cv, NULL);
	mig_merge_init(&m->merge, m->streams);
	m->stream_w = m->back_r = -1;
	m->f.stop = eventfd(0, EFD_CLOEXEC);
	if (m->f.stop < 0) {
		fail(m, "eventfd: %s", strerror(errno));
	} else if (start(m, stream, back_pipe, rd, ra, &nrd, &wr, &writing) == 0) {
		if (hand_over(m, stream[0], back_pipe[1], &bk, &backing, deliver, arg) == 0)
			await_written(m);
		stream[0] = back_pipe[1] = -1; /* closed there */
	}
	if (writing)
		pthread_join(wr, NULL);
	for (unsigned i = 0; i < nrd; i++)
		pthread_join(rd[i], NULL);
	for (int i = 0; i < 2; i++) {
		if (stream[i] >= 0)
			close(stream[i]);
		if (back_pipe[i] >= 0)
			close(back_pipe[i]);
	}
	if (m->stream_w >= 0)
		close(m->stream_w);
	if (m->back_r >= 0)
		close(m->back_r);
	for (unsigned i = 0; i < MIG_MERGE_AHEAD; i++)
		free(m->slot[i].buf);
	if (m->f.failed)
		log_info("the migration from %s (%s) ended: %s", m->peer.cred.name, m->peer.address,
			 m->f.why);
	if (m->f.stop >= 0)
		close(m->f.stop);
	pthread_cond_destroy(&m->cv);
	pthread_mutex_destroy(&m->ctl_mu);
	pthread_mutex_destroy(&m->mu);
}
