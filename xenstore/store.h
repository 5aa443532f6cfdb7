/* store: the committed node database, with per-node generation counts and
 * per-domain accounting of what each domain owns. */
#ifndef XS_STORE_H
#define XS_STORE_H
#include <stdbool.h>
#include <stdint.h>
#include "perm.h"
#include "../lib/strmap.h"

struct xs_node {
	char *path;
	char *value;
	uint32_t vlen;
	struct xs_perms perms;
	char *children; /* leaf names, each NUL-terminated, in creation order */
	uint32_t clen;
	uint64_t gen; /* store generation of the node's last change */
};

struct xs_acct {
	uint32_t nodes;  /* nodes owned */
	uint64_t memory; /* bytes of the nodes owned */
};

#define XS_NDOMIDS 65536

struct xs_store {
	struct strmap nodes;
	uint64_t gen;
	struct xs_acct *acct; /* XS_NDOMIDS entries */
	/* permissions of the special watch paths */
	struct xs_perms introduce_perms, release_perms;
};

int store_init(struct xs_store *s);
void store_destroy(struct xs_store *s);
struct xs_node *store_get(const struct xs_store *s, const char *path);
/* Takes ownership of n and replaces any node at n->path; bumps generations. */
int store_put(struct xs_store *s, struct xs_node *n);
/* Removes one node (not its children; the caller walks them). */
void store_del(struct xs_store *s, const char *path);
/* Special watch path permissions ("@introduceDomain"/"@releaseDomain"), or NULL. */
struct xs_perms *store_special_perms(struct xs_store *s, const char *path);

struct xs_node *node_new(const char *path, const void *value, uint32_t vlen,
			 const struct xs_perms *perms);
struct xs_node *node_dup(const struct xs_node *n);
void node_free(struct xs_node *n);
int node_set_value(struct xs_node *n, const void *value, uint32_t vlen);
int node_add_child(struct xs_node *n, const char *name);
void node_del_child(struct xs_node *n, const char *name);
bool node_has_child(const struct xs_node *n, const char *name);
/* Size that the node-size quota limits: value, permissions, children names. */
uint32_t node_size(const struct xs_node *n);
/* Memory a node costs its owner. */
uint64_t node_memory(const struct xs_node *n);
static inline unsigned node_owner(const struct xs_node *n) { return n->perms.p[0].domid; }
#endif
