/* mio: buffered stream I/O (mio.h). */
#include "mio.h"
#include "../lib/fdio.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

int mig_out_init(struct mig_out *o, int fd)
{
	memset(o, 0, sizeof(*o));
	o->fd = fd;
	o->splice = -1;
	o->buf = malloc(MIO_BUF);
	return o->buf ? 0 : -ENOMEM;
}

/* fd_write_all, timed. */
static int out_all(struct mig_out *o, const void *p, size_t n)
{
	uint64_t t0 = now_ns();
	int rc = fd_write_all(o->fd, p, n);
	o->out_ns += now_ns() - t0;
	return rc;
}

int mig_out_flush(struct mig_out *o)
{
	if (!o->len)
		return 0;
	int rc = out_all(o, o->buf, o->len);
	o->len = 0;
	return rc;
}

/* N bytes at P into the pipe by reference (*DONE of them went): 0, a
 * negative errno, or 1 when they cannot go so: the descriptor is no pipe,
 * or the memory is not the kernel's to reference (a Xen guest's pages,
 * mapped through privcmd: vmsplice says EFAULT, write(2) copies them). */
static int splice_all(struct mig_out *o, const uint8_t *p, size_t n, size_t *done)
{
	uint64_t t0 = now_ns();
	int rc = 0;
	*done = 0;
	while (n) {
		struct iovec v = { (void *)(p + *done), n };
		ssize_t w = vmsplice(o->fd, &v, 1, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (((errno == EBADF || errno == EINVAL) && o->splice < 0) ||
			      errno == EFAULT)) {
			rc = 1;
			break;
		}
		if (w <= 0) {
			rc = w < 0 ? -errno : -EIO;
			break;
		}
		o->splice = 1;
		*done += (size_t)w;
		n -= (size_t)w;
	}
	o->out_ns += now_ns() - t0;
	return rc;
}

int mig_out_write_pages(struct mig_out *o, const void *p, size_t n)
{
	if (n < MIO_DIRECT || !o->splice)
		return mig_out_write(o, p, n);
	size_t done = 0;
	int rc = mig_out_flush(o);
	if (rc == 0)
		rc = splice_all(o, p, n, &done);
	o->off += done;
	if (rc == 1) {
		o->splice = 0; /* written as anything else from now on */
		return mig_out_write(o, (const uint8_t *)p + done, n - done);
	}
	return rc;
}

int mig_out_write(struct mig_out *o, const void *p, size_t n)
{
	const uint8_t *b = p;
	if (n >= MIO_DIRECT) {
		/* Large: what is buffered goes first, then this straight from
		 * where it is (a guest's pages), without a copy into the buffer. */
		int rc = mig_out_flush(o);
		if (rc == 0)
			rc = out_all(o, p, n);
		if (rc == 0)
			o->off += n;
		return rc;
	}
	while (n) {
		if (o->len == MIO_BUF) {
			int rc = mig_out_flush(o);
			if (rc < 0)
				return rc;
		}
		size_t k = MIO_BUF - o->len < n ? MIO_BUF - o->len : n;
		memcpy(o->buf + o->len, b, k);
		o->len += k;
		o->off += k;
		b += k;
		n -= k;
	}
	return 0;
}

int mig_out_zeros(struct mig_out *o, size_t n)
{
	static const uint8_t zero[64];
	while (n) {
		size_t k = n < sizeof(zero) ? n : sizeof(zero);
		int rc = mig_out_write(o, zero, k);
		if (rc < 0)
			return rc;
		n -= k;
	}
	return 0;
}

void mig_out_free(struct mig_out *o)
{
	free(o->buf);
	o->buf = NULL;
}

int mig_in_fd(struct mig_in *in, int fd)
{
	memset(in, 0, sizeof(*in));
	in->fd = fd;
	in->buf = malloc(MIO_BUF);
	return in->buf ? 0 : -ENOMEM;
}

void mig_in_mem(struct mig_in *in, const void *p, size_t n)
{
	memset(in, 0, sizeof(*in));
	in->fd = -1;
	in->mem = p;
	in->memlen = n;
}

/* Makes at least one byte available, asking the descriptor for WANT (at
 * least MIO_FILL, at most MIO_BUF): 1, 0 at the end, or -errno. */
static int fill(struct mig_in *in, size_t want)
{
	if (in->fd < 0)
		return in->pos < in->memlen;
	if (in->pos < in->len)
		return 1;
	if (in->eof)
		return 0;
	want = want < MIO_FILL ? MIO_FILL : want > MIO_BUF ? MIO_BUF : want;
	for (;;) {
		ssize_t r = read(in->fd, in->buf, want);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		in->pos = 0;
		in->len = (size_t)r;
		if (!r)
			in->eof = 1;
		return r > 0;
	}
}

/* N bytes read from the descriptor straight into B (the buffer empty). */
static int read_direct(struct mig_in *in, uint8_t *b, size_t n)
{
	while (n) {
		ssize_t r = read(in->fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0) {
			in->eof = 1;
			return -ENODATA;
		}
		b += r;
		n -= (size_t)r;
		in->off += (uint64_t)r;
	}
	return 0;
}

int mig_in_read(struct mig_in *in, void *p, size_t n)
{
	uint8_t *b = p;
	while (n) {
		/* Large and nothing buffered: no copy through the buffer. */
		if (b && in->fd >= 0 && in->pos == in->len && !in->eof && n >= MIO_DIRECT)
			return read_direct(in, b, n);
		int rc = fill(in, n);
		if (rc <= 0)
			return rc < 0 ? rc : -ENODATA;
		const uint8_t *src = in->fd < 0 ? in->mem : in->buf;
		size_t have = (in->fd < 0 ? in->memlen : in->len) - in->pos;
		size_t k = have < n ? have : n;
		if (b) {
			memcpy(b, src + in->pos, k);
			b += k;
		}
		in->pos += k;
		in->off += k;
		n -= k;
	}
	return 0;
}

int mig_in_skip(struct mig_in *in, uint64_t n)
{
	while (n) {
		size_t k = n > MIO_BUF ? MIO_BUF : (size_t)n;
		int rc = mig_in_read(in, NULL, k);
		if (rc < 0)
			return rc;
		n -= k;
	}
	return 0;
}

int mig_in_at_end(struct mig_in *in)
{
	int rc = fill(in, 1);
	return rc < 0 ? rc : !rc;
}

void mig_in_free(struct mig_in *in)
{
	free(in->buf);
	in->buf = NULL;
}
