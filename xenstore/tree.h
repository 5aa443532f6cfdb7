/* tree: the node operations of the protocol (read, write, mkdir, rm,
 * directory, permissions) with their access and quota checks, over a view. */
#ifndef XS_TREE_H
#define XS_TREE_H
#include "transaction.h"

/* Who performs an operation and within which limits. */
struct xs_actor {
	unsigned domid;
	int target;        /* SET_TARGET domain, or -1 */
	bool privileged;   /* control domain or socket: all rights, no quotas */
	uint32_t max_nodes;     /* per-domain node quota (0: none) */
	uint32_t max_node_size; /* 0: none */
	uint32_t max_perms;     /* 0: none */
	uint64_t max_memory;    /* 0: none */
};

int tree_read(struct xs_view *v, const struct xs_actor *a, const char *path,
	      const struct xs_node **out);
int tree_write(struct xs_view *v, const struct xs_actor *a, const char *path,
	       const void *value, uint32_t vlen, struct xs_event **events);
int tree_mkdir(struct xs_view *v, const struct xs_actor *a, const char *path,
	       struct xs_event **events);
int tree_rm(struct xs_view *v, const struct xs_actor *a, const char *path,
	    struct xs_event **events);
int tree_get_perms(struct xs_view *v, const struct xs_actor *a, const char *path,
		   const struct xs_perms **out);
/* perms is taken over by the call on success. */
int tree_set_perms(struct xs_view *v, const struct xs_actor *a, const char *path,
		   struct xs_perms *perms, struct xs_event **events);
/* Removes every node owned by domid, with their children (domain release). */
int tree_remove_domain(struct xs_store *s, unsigned domid, struct xs_event **events);
uint8_t tree_access(const struct xs_actor *a, const struct xs_perms *p);
#endif
