/* relay_send: the sending side of the TCP transport (tcp.h). The control
 * connection opens the migration and brings the receiver's words back;
 * N data connections join it and carry the stream. Threads: the cutter
 * reads the pipe from xcdd and its job and cuts it into segments of whole
 * records (mux.h), a sender per data connection takes the next segment
 * from the queue and sends it, and the calling thread reads the control
 * connection into the pipe back. */
#include "tcp.h"
#include "relay.h"
#include "tls.h"
#include "../lib/fdio.h"
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

/* A segment is sent once a record ends at or past this, or nothing more
 * waits in the pipe. */
#define SEG_TARGET (1u << 20)
/* Reads outside a long record's body take at most this. */
#define SEG_READ (64u << 10)
/* A part of a record waits this long for the rest before it goes alone. */
#define CUT_IDLE_MS 20
/* After a data connection broke, the receiver's note is awaited this long. */
#define NOTE_GRACE_MS 2000

struct seg {
	uint8_t *buf;
	uint32_t len;
	uint64_t seq;
};

struct conn {
	struct mig_tls t;
	int fd;
};

struct snd {
	const struct mig_tcp_send_opts *o;
	const struct mig_tcp_send_hooks *h;
	unsigned timeout_ms;
	gnutls_certificate_credentials_t cred;
	struct mig_cred_info self;
	struct mig_tcp_peer peer;
	char where[MIG_ADDR_MAX];
	struct conn ctl, data[MIG_MUX_MAX_STREAMS];
	unsigned n;
	int s2r, r2s;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct seg q[MIG_MUX_MAX_STREAMS];
	unsigned qhead, qlen, qmax;
	bool eof;	  /* the cutter is done: no more segments come */
	uint64_t seq;	  /* segments made */
	uint64_t queued;  /* stream bytes given to the senders */
	uint64_t acked;	  /* of which the receiver put into its pipe */
	uint64_t window;  /* at most this many queued and not acked */
	unsigned senders; /* data threads still running */
	struct mig_relay_fail f;
	struct mig_tcp_send_stats st;
	bool devices_up; /* the receiver said so (DEVICES) */
};

static long long now_ms(void)
{
	return (long long)mono_ms();
}

/* The first failure is the one said; every connection's sending stops. */
static void fail(struct snd *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fail(struct snd *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool first = mig_relay_fail(&c->f, &c->mu, &c->cv, fmt, ap);
	va_end(ap);
	for (unsigned i = 0; first && i < c->n; i++)
		shutdown(c->data[i].fd, SHUT_RDWR);
}

/* ---- connecting ---- */

/* K connected to the peer, TLS up, the peer checked; HL sent and
 * answered (an open's token in TOKEN). */
static int conn_open(struct snd *c, struct conn *k, const struct mig_hello *hl, char *token,
		     char *err, size_t errlen)
{
	char e[768], line[MIG_HELLO_MAX + 1], text[256];
	k->t.s = NULL;
	if ((k->fd = mig_addr_connect(&c->o->addr, c->timeout_ms, e, sizeof(e))) < 0) {
		snprintf(err, errlen, "%s", e);
		return k->fd;
	}
	int rc = mig_tls_client(&k->t, k->fd, c->cred, &c->self, c->o->cred_dir,
				c->o->peer_name, c->timeout_ms, e, sizeof(e));
	if (rc < 0) {
		snprintf(err, errlen, "the destination %s: %s", c->where, e);
		return rc;
	}
	int n = mig_hello_format(hl, line, sizeof(line));
	mig_tls_recv_timeout(&k->t, c->timeout_ms);
	if ((rc = mig_tls_send(&k->t, line, (size_t)n, e, sizeof(e))) < 0 ||
	    (rc = mig_tls_recv_line(&k->t, line, MIG_HELLO_MAX, e, sizeof(e))) < 0) {
		snprintf(err, errlen, "the destination %s (%s): %s", c->where, c->o->peer_name, e);
		return rc;
	}
	mig_tls_recv_timeout(&k->t, 0);
	rc = mig_reply_parse(line, (size_t)rc, hl->kind == MIG_HELLO_OPEN, token, text,
			     sizeof(text));
	if (rc < 0)
		snprintf(err, errlen, "the destination %s (%s) %s: %s", c->where, c->o->peer_name,
			 rc == -EACCES ? "refused the migration" : "answered wrong", text);
	return rc;
}

/* The control connection and the N data connections. */
static int connect_all(struct snd *c, char *err, size_t errlen)
{
	struct mig_hello hl = { .kind = MIG_HELLO_OPEN, .streams = c->o->streams,
				.paused = c->o->paused };
	char token[MIG_TOKEN_LEN + 1];
	int rc = conn_open(c, &c->ctl, &hl, token, err, errlen);
	for (unsigned i = 0; rc == 0 && i < c->o->streams; i++) {
		struct mig_hello j = { .kind = MIG_HELLO_JOIN, .index = i };
		memcpy(j.token, token, sizeof(token));
		rc = conn_open(c, &c->data[i], &j, NULL, err, errlen);
		c->n = i + 1;
	}
	if (rc < 0)
		return rc;
	c->peer.cred = c->ctl.t.peer;
	c->peer.streams = c->n;
	c->peer.devices = c->ctl.t.devices;
	mig_sock_peer(c->ctl.fd, c->peer.address, sizeof(c->peer.address));
	mig_tls_cipher(&c->ctl.t, c->peer.cipher, sizeof(c->peer.cipher));
	return 0;
}

/* ---- the cutter ---- */

/* BUF's first LEN bytes as the next segment (BUF is the queue's now). */
static bool push(struct snd *c, uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&c->mu);
	/* A place in the queue, and room in the window (a segment alone may
	 * be larger than the window: it goes when nothing is on the way). */
	while ((c->qlen == c->qmax ||
		(c->queued > c->acked && c->queued - c->acked + len > c->window)) &&
	       !c->f.failed)
		pthread_cond_wait(&c->cv, &c->mu);
	bool ok = !c->f.failed;
	if (ok) {
		c->q[(c->qhead + c->qlen++) % c->qmax] = (struct seg){ buf, (uint32_t)len, c->seq++ };
		c->st.segments++;
		c->queued += len;
		pthread_cond_broadcast(&c->cv);
	}
	pthread_mutex_unlock(&c->mu);
	if (!ok)
		free(buf);
	return ok;
}

/* What the cutter holds: BUF (CAP bytes) with LEN read, the first at
 * stream offset START. */
struct cut {
	uint8_t *buf;
	size_t cap, len;
	uint64_t start;
};

/* The first K bytes go; the rest start a new buffer. */
static bool emit(struct snd *c, struct cut *k, size_t n)
{
	uint8_t *rest = malloc(k->cap);
	if (!rest) {
		fail(c, "out of memory");
		return false;
	}
	memcpy(rest, k->buf + n, k->len - n);
	bool ok = push(c, k->buf, n);
	k->buf = rest;
	k->len -= n;
	k->start += n;
	return ok;
}

/* 1: S2R readable, 0: nothing within MS (-1: no limit), -1: stop. */
static int wait_input(struct snd *c, int ms)
{
	struct pollfd p[2] = { { c->s2r, POLLIN, 0 }, { c->f.stop, POLLIN, 0 } };
	int r;
	do
		r = poll(p, 2, ms);
	while (r < 0 && errno == EINTR);
	if (r < 0 || p[1].revents)
		return -1;
	return r > 0;
}

static void cut_loop(struct snd *c, struct cut *k)
{
	struct mig_split sp;
	mig_split_init(&sp);
	for (;;) {
		uint64_t left = mig_split_left(&sp);
		size_t want = left >= SEG_READ ? (size_t)left : SEG_READ;
		if (want > k->cap - k->len && k->cap < MIG_SEG_MAX) {
			size_t cap = k->cap * 2 < MIG_SEG_MAX ? k->cap * 2 : MIG_SEG_MAX;
			uint8_t *b = realloc(k->buf, cap);
			if (!b) {
				fail(c, "out of memory");
				return;
			}
			k->buf = b;
			k->cap = cap;
		}
		if (k->len == k->cap) { /* a record over MIG_SEG_MAX: cut */
			c->st.cut++;
			if (!emit(c, k, k->len))
				return;
		}
		want = want < k->cap - k->len ? want : k->cap - k->len;
		int w = wait_input(c, k->len ? CUT_IDLE_MS : -1);
		if (w < 0)
			return;
		if (w == 0) { /* the rest of a record is late: what is here goes */
			c->st.cut++;
			if (!emit(c, k, k->len))
				return;
			continue;
		}
		ssize_t r = read(c->s2r, k->buf + k->len, want);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			fail(c, "reading the stream from xcdd: %s", strerror(errno));
			return;
		}
		if (r == 0) { /* xcdd is done with the migration */
			if (k->len && sp.boundary != k->start + k->len)
				c->st.cut++;
			if (k->len)
				emit(c, k, k->len);
			return;
		}
		uint64_t b = mig_split_feed(&sp, k->buf + k->len, (size_t)r);
		k->len += (size_t)r;
		c->st.bytes += (uint64_t)r;
		size_t whole = b > k->start ? (size_t)(b - k->start) : 0;
		if (whole && (whole >= SEG_TARGET || wait_input(c, 0) == 0) && !emit(c, k, whole))
			return;
	}
}

static void *cutter(void *arg)
{
	struct snd *c = arg;
	struct cut k = { malloc(2 * SEG_TARGET), 2 * SEG_TARGET, 0, 0 };
	if (k.buf)
		cut_loop(c, &k);
	else
		fail(c, "out of memory");
	free(k.buf);
	pthread_mutex_lock(&c->mu);
	c->eof = true;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* ---- the data connections ---- */

struct sender_arg {
	struct snd *c;
	unsigned i;
};

static int send_frame(struct conn *k, uint64_t seq, uint32_t kind, const uint8_t *p,
		      uint32_t len, char *err, size_t errlen)
{
	uint8_t hdr[MIG_FRAME_HDR];
	struct mig_frame f = { seq, len, kind };
	mig_frame_encode(&f, hdr);
	int rc = mig_tls_send(&k->t, hdr, sizeof(hdr), err, errlen);
	return rc < 0 || !len ? rc : mig_tls_send(&k->t, p, len, err, errlen);
}

static void *sender(void *arg)
{
	struct sender_arg *a = arg;
	struct snd *c = a->c;
	struct conn *k = &c->data[a->i];
	char e[512];
	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (!c->qlen && !c->eof && !c->f.failed)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->f.failed) {
			pthread_mutex_unlock(&c->mu);
			break;
		}
		if (!c->qlen) { /* the end: how many segments there were */
			uint64_t total = c->seq;
			pthread_mutex_unlock(&c->mu);
			if (send_frame(k, total, MIG_FRAME_END, NULL, 0, e, sizeof(e)) < 0)
				fail(c, "data connection %u to %s: %s", a->i, c->where, e);
			else
				mig_tls_end(&k->t, true);
			break;
		}
		struct seg s = c->q[c->qhead];
		c->qhead = (c->qhead + 1) % c->qmax;
		c->qlen--;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		int rc = send_frame(k, s.seq, MIG_FRAME_DATA, s.buf, s.len, e, sizeof(e));
		free(s.buf);
		if (rc < 0) {
			fail(c, "data connection %u to %s: %s", a->i, c->where, e);
			break;
		}
	}
	pthread_mutex_lock(&c->mu);
	c->senders--;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* ---- the control connection, in the calling thread ---- */

/* Whether to stop waiting on the control connection: a failure's grace
 * over, or everything sent and the receiver slow to close. */
static bool control_over(struct snd *c, long long *done_since)
{
	pthread_mutex_lock(&c->mu);
	bool failed = c->f.failed, done = c->eof && !c->senders;
	long long fms = c->f.at_ms;
	pthread_mutex_unlock(&c->mu);
	if (done && !*done_since)
		*done_since = now_ms();
	return (failed && now_ms() - fms > NOTE_GRACE_MS) ||
	       (done && now_ms() - *done_since > (long long)c->timeout_ms);
}

/* One frame of the receiver's: xl's bytes to R2S, a note to the hook.
 * 0, 1 at the end, or -1 (failed). */
static int control_frame(struct snd *c, bool *r2s_open)
{
	uint8_t hdr[MIG_BACK_HDR], buf[MIG_BACK_MAX + 1];
	uint32_t kind, len;
	char e[512];
	int rc = mig_tls_recv(&c->ctl.t, hdr, sizeof(hdr), e, sizeof(e));
	if (rc == -ENODATA)
		return 1;
	if (rc == 0 && (rc = mig_back_decode(hdr, &kind, &len, e, sizeof(e))) == 0)
		rc = mig_tls_recv(&c->ctl.t, buf, len, e, sizeof(e));
	if (rc < 0) {
		fail(c, "the control connection to %s: %s", c->where, e);
		return -1;
	}
	if (kind == MIG_BACK_ACK) {
		uint64_t v;
		memcpy(&v, buf, 8);
		v = le64toh(v);
		pthread_mutex_lock(&c->mu);
		bool bad = v < c->acked || v > c->queued;
		if (!bad)
			c->acked = v;
		pthread_cond_broadcast(&c->cv);
		pthread_mutex_unlock(&c->mu);
		if (bad) {
			fail(c, "the receiver %s acknowledged %llu bytes of the stream, which it "
			     "cannot have", c->where, (unsigned long long)v);
			return -1;
		}
	} else if (kind == MIG_BACK_DEVICES) {
		if (!c->peer.devices) {
			fail(c, "the receiver %s said its copy's devices are up, which it did not "
			     "agree to say", c->where);
			return -1;
		}
		/* Told once: a receiver repeating itself changes nothing. */
		if (!c->devices_up && c->h && c->h->devices)
			c->h->devices(c->h->arg);
		c->devices_up = true;
	} else if (kind == MIG_BACK_NOTE) {
		buf[len] = '\0';
		mig_note_clean((char *)buf);
		if (c->h && c->h->note)
			c->h->note(c->h->arg, (const char *)buf);
	} else if (*r2s_open && fd_write_all(c->r2s, buf, len) < 0) {
		*r2s_open = false; /* xcdd is done with it */
	}
	return 0;
}

static void control(struct snd *c)
{
	bool r2s_open = true;
	long long done_since = 0;
	for (;;) {
		if (!gnutls_record_check_pending(c->ctl.t.s)) {
			struct pollfd p = { c->ctl.fd, POLLIN, 0 };
			int r = poll(&p, 1, 200);
			if (control_over(c, &done_since))
				break;
			if (r <= 0)
				continue;
		}
		if (control_frame(c, &r2s_open) != 0)
			break;
	}
	close(c->r2s); /* xcdd sees the receiver's side end */
	c->r2s = -1;
}

/* ---- the whole ---- */

static int relay(struct snd *c)
{
	pthread_t cut, snd[MIG_MUX_MAX_STREAMS];
	struct sender_arg args[MIG_MUX_MAX_STREAMS];
	unsigned started = 0;
	c->senders = c->n;
	bool cutting = pthread_create(&cut, NULL, cutter, c) == 0;
	for (unsigned i = 0; i < c->n; i++, started++) {
		args[i] = (struct sender_arg){ c, i };
		if (!cutting || pthread_create(&snd[i], NULL, sender, &args[i]) != 0) {
			pthread_mutex_lock(&c->mu);
			c->senders -= c->n - i;
			pthread_mutex_unlock(&c->mu);
			fail(c, "cannot start a thread");
			break;
		}
	}
	control(c);
	/* The receiver's side is over: what is still sent gets a bound. */
	pthread_mutex_lock(&c->mu);
	long long end = now_ms() + c->timeout_ms;
	while ((!c->eof || c->senders) && !c->f.failed && now_ms() < end) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&c->cv, &c->mu, &ts);
	}
	bool over = c->eof && !c->senders;
	pthread_mutex_unlock(&c->mu);
	if (!over)
		fail(c, "the receiver %s closed before the stream's end", c->where);
	shutdown(c->ctl.fd, SHUT_RDWR);
	for (unsigned i = 0; i < started; i++)
		pthread_join(snd[i], NULL);
	if (cutting)
		pthread_join(cut, NULL);
	return c->f.failed ? -EIO : 0;
}

static void teardown(struct snd *c)
{
	while (c->qlen) {
		free(c->q[c->qhead].buf);
		c->qhead = (c->qhead + 1) % c->qmax;
		c->qlen--;
	}
	for (unsigned i = 0; i < MIG_MUX_MAX_STREAMS + 1; i++) {
		struct conn *k = i ? &c->data[i - 1] : &c->ctl;
		mig_tls_end(&k->t, false);
		if (k->fd >= 0)
			close(k->fd);
	}
	if (c->cred)
		gnutls_certificate_free_credentials(c->cred);
	if (c->f.stop >= 0)
		close(c->f.stop);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
}

int mig_tcp_send(const struct mig_tcp_send_opts *o, int s2r, int r2s,
		 const struct mig_tcp_send_hooks *h, struct mig_tcp_send_stats *stats, char *err,
		 size_t errlen)
{
	struct snd *c = calloc(1, sizeof(*c));
	int rc = -ENOMEM;
	snprintf(err, errlen, "out of memory");
	if (!c)
		goto out;
	*c = (struct snd){ .o = o, .h = h, .s2r = s2r, .r2s = r2s, .qmax = o->streams,
			   .window = (uint64_t)o->streams * MIG_WINDOW_PER_STREAM,
			   .timeout_ms = o->timeout_ms ? o->timeout_ms : MIG_TCP_TIMEOUT_MS_DEFAULT,
			   .f.stop = eventfd(0, EFD_CLOEXEC) };
	c->ctl.fd = -1;
	for (unsigned i = 0; i < MIG_MUX_MAX_STREAMS; i++)
		c->data[i].fd = -1;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	mig_addr_str(&o->addr, c->where, sizeof(c->where));
	signal(SIGPIPE, SIG_IGN);
	if (o->streams < 1 || o->streams > MIG_MUX_MAX_STREAMS) {
		snprintf(err, errlen, "--streams %u: expected 1 to %d", o->streams,
			 MIG_MUX_MAX_STREAMS);
		rc = -EINVAL;
	} else if (c->f.stop < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		rc = -errno;
	} else if ((rc = mig_cred_load(o->cred_dir, &c->cred, &c->self, err, errlen)) == 0 &&
		   (rc = connect_all(c, err, errlen)) == 0) {
		if (h && h->connected)
			h->connected(h->arg, &c->peer);
		if ((rc = relay(c)) < 0)
			snprintf(err, errlen, "%s", c->f.why);
	}
	if (stats)
		*stats = c->st;
	r2s = c->r2s; /* -1 once closed */
	teardown(c);
	free(c);
out:
	close(s2r);
	if (r2s >= 0)
		close(r2s);
	return rc;
}
