/* transaction: a view of the store that either writes through (no
 * transaction) or collects reads and writes in an overlay that commits only
 * when no node it touched has changed since (per-node generation counts). */
#ifndef XS_TRANSACTION_H
#define XS_TRANSACTION_H
#include <stdint.h>
#include "store.h"
#include "../lib/strmap.h"

#define XS_ACCESS_READ 1
#define XS_ACCESS_WRITE 2

/* A change that fires watches: the node's path and the permissions it had. */
struct xs_event {
	char *path;
	struct xs_perms perms;
	bool removed; /* the subtree went: watches below it fire too */
	struct xs_event *below; /* removed: the descendants that went, with their perms */
	struct xs_event *next;
};

struct xs_tnode {
	struct xs_node *node; /* the transaction's copy; NULL: absent */
	uint64_t orig_gen;    /* generation at first access; 0: was absent */
	uint8_t access;       /* XS_ACCESS_* */
};

struct xs_txn {
	uint32_t id;
	struct strmap overlay; /* path -> struct xs_tnode */
	struct xs_event *events, **events_tail;
	int32_t created;   /* nodes the owner gains on commit (quota) */
	bool conflict;     /* known to fail at commit (e.g. restored stale) */
	uint32_t writes;   /* changes made (a failed request that made some
			    * dooms the transaction: it cannot half-apply) */
	struct xs_txn *next;
};

struct xs_view {
	struct xs_store *store;
	struct xs_txn *txn;     /* NULL: direct access */
	unsigned max_txn_nodes; /* 0: unlimited */
};

struct xs_txn *txn_new(uint32_t id);
void txn_free(struct xs_txn *t);
/* 0, or -EAGAIN when a node the transaction touched changed meanwhile.
 * On success the transaction's events are moved to *events. */
int txn_commit(struct xs_store *s, struct xs_txn *t, struct xs_event **events);

/* Looks up a node; *out is NULL with -ENOENT. The node belongs to the view. */
int view_get(struct xs_view *v, const char *path, const struct xs_node **out);
/* Stores n (ownership passes to the view). */
int view_put(struct xs_view *v, struct xs_node *n);
int view_del(struct xs_view *v, const char *path);
/* Records an event: fired now (direct) or at commit (transaction). */
int view_event(struct xs_view *v, struct xs_event **direct, const char *path,
	       const struct xs_perms *perms, bool removed);

/* A removal event, with the removed descendants (taken over). */
int view_event_below(struct xs_view *v, struct xs_event **direct, const char *path,
		     const struct xs_perms *perms, struct xs_event *below);
void events_free(struct xs_event *e);
#endif
