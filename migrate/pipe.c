/* pipe: xl's migration pipe messages (pipe.h), written whole and read byte
 * for byte, so that nothing of the stream that follows is taken; and what a
 * receiver reads of the stream before it makes the domain. */
#include "pipe.h"
#include "migrate.h"
#include <endian.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* tools/xl/xl.h: the banner goes without its NUL, the others with it. */
static const char banner[] = "xl migration receiver ready, send binary domain data.\n";
static const char ready[] = "domain received, ready to unpause";
static const char go[] = "domain is yours, you are cleared to unpause";
static const char report[] = "my copy unpause results are as follows";

const char *mig_pipe_bytes(enum mig_pipe_msg m, size_t *len)
{
	switch (m) {
	case MIG_PIPE_BANNER:
		*len = sizeof(banner) - 1;
		return banner;
	case MIG_PIPE_READY:
		*len = sizeof(ready);
		return ready;
	case MIG_PIPE_GO:
		*len = sizeof(go);
		return go;
	case MIG_PIPE_REPORT:
		break;
	}
	*len = sizeof(report);
	return report;
}

const char *mig_pipe_name(enum mig_pipe_msg m)
{
	static const char *const names[] = { "banner", "ready message", "GO message",
					     "success/failure report" };
	return (unsigned)m < 4 ? names[m] : "?";
}

void mig_pipe_expect_init(struct mig_pipe_expect *x, enum mig_pipe_msg m)
{
	x->msg = m;
	x->got = 0;
	x->status = -1;
}

int mig_pipe_feed(struct mig_pipe_expect *x, const uint8_t *buf, size_t n, size_t *used,
		  char *err, size_t errlen)
{
	size_t len;
	const char *want = mig_pipe_bytes(x->msg, &len);
	size_t i = 0;
	for (; i < n && x->got < len; i++, x->got++)
		if (buf[i] != (uint8_t)want[x->got]) {
			*used = i + 1;
			snprintf(err, errlen,
				 "the migration peer sent other bytes than the %s: byte %zu is "
				 "0x%02x, not 0x%02x (is the other side an xl or xcd migration "
				 "receiver?)", mig_pipe_name(x->msg), x->got, buf[i],
				 (uint8_t)want[x->got]);
			return -EPROTO;
		}
	if (x->got == len && x->msg == MIG_PIPE_REPORT && x->status < 0 && i < n)
		x->status = buf[i++];
	*used = i;
	return x->got == len && (x->msg != MIG_PIPE_REPORT || x->status >= 0);
}

int mig_pipe_send(int fd, enum mig_pipe_msg m, uint8_t status, char *err, size_t errlen)
{
	size_t len;
	const char *p = mig_pipe_bytes(m, &len);
	uint8_t buf[64];
	memcpy(buf, p, len);
	if (m == MIG_PIPE_REPORT)
		buf[len++] = status;
	for (size_t done = 0; done < len;) {
		ssize_t w = write(fd, buf + done, len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pf = { fd, POLLOUT, 0 };
			poll(&pf, 1, 1000);
			continue;
		}
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			snprintf(err, errlen, "sending the %s: %s%s", mig_pipe_name(m), strerror(e),
				 e == EPIPE ? " (the other side is gone)" : "");
			return -e;
		}
		done += (size_t)w;
	}
	return 0;
}

static long long ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int mig_pipe_recv(int fd, enum mig_pipe_msg m, int timeout_ms, uint8_t *status, char *err,
		  size_t errlen)
{
	struct mig_pipe_expect x;
	long long end = timeout_ms < 0 ? 0 : ms_now() + timeout_ms;
	mig_pipe_expect_init(&x, m);
	for (;;) {
		int wait = -1;
		if (timeout_ms >= 0) {
			long long left = end - ms_now();
			if (left <= 0) {
				snprintf(err, errlen, "no %s from the migration peer within %d ms",
					 mig_pipe_name(m), timeout_ms);
				return -ETIMEDOUT;
			}
			wait = (int)left;
		}
		struct pollfd pf = { fd, POLLIN, 0 };
		int p = poll(&pf, 1, wait);
		if (p < 0 && errno != EINTR) {
			snprintf(err, errlen, "waiting for the %s: %s", mig_pipe_name(m),
				 strerror(errno));
			return -errno;
		}
		if (p <= 0)
			continue;
		uint8_t b;
		ssize_t r = read(fd, &b, 1); /* byte by byte: nothing after it is taken */
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r <= 0) {
			int e = r < 0 ? errno : 0;
			snprintf(err, errlen, "reading the %s: %s", mig_pipe_name(m),
				 e ? strerror(e) : "the migration peer closed the stream first");
			return e ? -e : -ECONNRESET;
		}
		size_t used;
		int rc = mig_pipe_feed(&x, &b, 1, &used, err, errlen);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (status)
				*status = (uint8_t)(x.status < 0 ? 0 : x.status);
			return 0;
		}
	}
}

/* Exactly N bytes of FD by END_MS (0: no limit): 0, or a negative errno
 * (-ENODATA: the stream ended). */
static int read_by(int fd, void *p, size_t n, long long end_ms)
{
	for (size_t done = 0; done < n;) {
		if (end_ms) {
			long long left = end_ms - ms_now();
			struct pollfd pf = { fd, POLLIN, 0 };
			int r = left > 0 ? poll(&pf, 1, (int)left) : 0;
			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0)
				return r < 0 ? -errno : -ETIMEDOUT;
		}
		ssize_t r = read(fd, (char *)p + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -errno : -ENODATA;
		done += (size_t)r;
	}
	return 0;
}

static int head_err(int rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "reading %s: %s", what,
		 rc == -ENODATA ? "the stream ended" : rc == -ETIMEDOUT ? "nothing came in time"
						       : strerror(-rc));
	return rc == -ENODATA ? -EPROTO : rc;
}

int mig_pipe_read_head(int fd, uint32_t max_config, int timeout_ms, char **config,
		       uint64_t *off, char *err, size_t errlen)
{
	uint8_t *buf = malloc(XL_HEADER_LEN + (size_t)max_config + 4);
	long long end = timeout_ms < 0 ? 0 : ms_now() + timeout_ms;
	uint32_t optlen, len;
	int rc;
	*config = NULL;
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if ((rc = read_by(fd, buf, XL_HEADER_LEN, end)) < 0) {
		rc = head_err(rc, "xl's header", err, errlen);
		goto out;
	}
	if (memcmp(buf, XL_MAGIC, XL_MAGIC_LEN) != 0) {
		snprintf(err, errlen, "xl header at byte 0: not an xl migration stream (wrong "
			 "magic)");
		rc = -EPROTO;
		goto out;
	}
	memcpy(&optlen, buf + 44, 4);
	optlen = le32toh(optlen);
	if (optlen > max_config + 4) {
		snprintf(err, errlen, "xl header at byte 44: %u bytes of configuration, at most %u "
			 "taken", optlen, max_config + 4);
		rc = -EFBIG;
		goto out;
	}
	if (optlen && (rc = read_by(fd, buf + XL_HEADER_LEN, optlen, end)) < 0) {
		rc = head_err(rc, "the configuration", err, errlen);
		goto out;
	}
	/* Checked as a save file's is; the same reader, the same messages. */
	struct mig_in in;
	mig_in_mem(&in, buf, XL_HEADER_LEN + optlen);
	rc = mig_read_xl_config(&in, max_config, config, &len, err, errlen);
	if (rc == 0 && !*config) {
		snprintf(err, errlen, "the stream carries no configuration");
		rc = -EPROTO;
	}
	*off = XL_HEADER_LEN + optlen;
out:
	free(buf);
	return rc;
}
