/* quota: the limits of Xen's xenstored, per domain and global. */
#ifndef XS_QUOTA_H
#define XS_QUOTA_H
#include <stdint.h>

enum xs_quota_id {
	XS_Q_NODES,             /* nodes a domain owns */
	XS_Q_WATCHES,           /* watches of a connection */
	XS_Q_TRANSACTIONS,      /* open transactions of a connection */
	XS_Q_NODE_SIZE,         /* bytes of one node (value, permissions, children) */
	XS_Q_PERMISSIONS,       /* permission entries of one node */
	XS_Q_TRANSACTION_NODES, /* nodes one transaction may touch */
	XS_Q_OUTSTANDING,       /* responses queued but not yet taken */
	XS_Q_MEMORY,            /* bytes of nodes a domain owns */
	XS_Q_PER_DOMAIN,        /* the ones above apply per domain */
	XS_Q_PATH_MAX = XS_Q_PER_DOMAIN, /* longest absolute path (global) */
	XS_Q_COUNT
};

struct xs_quota {
	uint64_t v[XS_Q_COUNT]; /* 0: unlimited */
};

void quota_defaults(struct xs_quota *q);
const char *quota_name(enum xs_quota_id id);
int quota_lookup(const char *name); /* id or -1 */
/* "nodes watches ..." (per-domain names, then global ones) into buf. */
int quota_names(char *buf, int size, int with_global);
/* Parses "name=value" (command line); returns 0 or -EINVAL. */
int quota_parse_assign(struct xs_quota *q, const char *arg);
#endif
