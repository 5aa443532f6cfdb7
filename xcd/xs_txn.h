/*
 * xs_txn: writing a group of xenstore nodes in one transaction through
 * libxenstore, the first failure kept (path and errno) and the rest skipped,
 * so a caller writes its nodes in a row and checks once at the end.
 */
#ifndef XCD_XS_TXN_H
#define XCD_XS_TXN_H
#include <stdbool.h>
#include <stddef.h>
#include <xenstore.h>

struct xst {
	struct xs_handle *xs;
	xs_transaction_t t;
	int err;	/* first failure, -errno; 0 while none */
	char what[320]; /* what failed */
};

/* How often a transaction that lost a race (EAGAIN) is tried again. */
#define XST_TRIES 8

int xst_begin(struct xst *x, struct xs_handle *xs);
/* VALUE at the path built from FMT. */
void xst_put(struct xst *x, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A node (empty when new) with the permissions PERMS. */
void xst_node(struct xst *x, const struct xs_permissions *perms, unsigned n, const char *fmt,
	      ...) __attribute__((format(printf, 4, 5)));
/* Removes the path and what is below it; a path already gone is fine. */
void xst_rm(struct xst *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Commits (or aborts after a failure): 0, -EAGAIN to be tried again, or
 * -errno with err saying what failed. */
int xst_end(struct xst *x, char *err, size_t errlen);

/* Reads PATH outside a transaction: a malloc'd string or NULL (errno set). */
char *xst_read(struct xs_handle *xs, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#endif
