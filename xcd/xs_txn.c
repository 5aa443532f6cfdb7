/* xs_txn: libxenstore writes grouped in a transaction, the first failure kept. */
#include "xs_txn.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int xst_begin(struct xst *x, struct xs_handle *xs)
{
	memset(x, 0, sizeof(*x));
	x->xs = xs;
	x->t = xs_transaction_start(xs);
	if (x->t == XBT_NULL) {
		x->err = errno ? -errno : -EIO;
		snprintf(x->what, sizeof(x->what), "cannot start a xenstore transaction: %s",
			 strerror(-x->err));
		return x->err;
	}
	return 0;
}

static void fail(struct xst *x, const char *op, const char *path)
{
	if (x->err)
		return;
	x->err = errno ? -errno : -EIO;
	snprintf(x->what, sizeof(x->what), "xenstore %s %.200s: %s", op, path, strerror(-x->err));
}

static bool vpath(char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = vsnprintf(buf, len, fmt, ap);
	return n > 0 && (size_t)n < len;
}

void xst_put(struct xst *x, const char *value, const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	if (x->err)
		return;
	va_start(ap, fmt);
	bool ok = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	errno = ENAMETOOLONG;
	if (!ok || !xs_write(x->xs, x->t, path, value, strlen(value)))
		fail(x, "write", path);
}

void xst_node(struct xst *x, const struct xs_permissions *perms, unsigned n, const char *fmt,
	      ...)
{
	char path[1024];
	va_list ap;
	if (x->err)
		return;
	va_start(ap, fmt);
	bool ok = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	errno = ENAMETOOLONG;
	if (!ok || !xs_mkdir(x->xs, x->t, path))
		fail(x, "mkdir", path);
	else if (!xs_set_permissions(x->xs, x->t, path, (struct xs_permissions *)perms, n))
		fail(x, "set permissions of", path);
}

void xst_rm(struct xst *x, const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	if (x->err)
		return;
	va_start(ap, fmt);
	bool ok = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	errno = ENAMETOOLONG;
	if (!ok || (!xs_rm(x->xs, x->t, path) && errno != ENOENT))
		fail(x, "rm", path);
}

int xst_end(struct xst *x, char *err, size_t errlen)
{
	if (x->t == XBT_NULL) {
		snprintf(err, errlen, "%s", x->what);
		return x->err;
	}
	bool abort = x->err != 0;
	errno = 0;
	if (!xs_transaction_end(x->xs, x->t, abort) && !abort) {
		int rc = errno ? -errno : -EIO;
		if (rc == -EAGAIN)
			return rc;
		snprintf(err, errlen, "xenstore transaction: %s", strerror(-rc));
		return rc;
	}
	if (x->err)
		snprintf(err, errlen, "%s", x->what);
	return x->err;
}

char *xst_read(struct xs_handle *xs, const char *fmt, ...)
{
	char path[1024];
	va_list ap;
	va_start(ap, fmt);
	bool ok = vpath(path, sizeof(path), fmt, ap);
	va_end(ap);
	if (!ok) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	unsigned len;
	return xs_read(xs, XBT_NULL, path, &len);
}
