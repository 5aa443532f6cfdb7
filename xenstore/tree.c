#include "tree.h"
#include "path.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

uint8_t tree_access(const struct xs_actor *a, const struct xs_perms *p)
{
	if (a->privileged)
		return XS_PERM_BOTH;
	return xs_perms_access(p, a->domid, a->target);
}

/* For a missing node: EACCES when the caller could not even see it. */
static int missing(struct xs_view *v, const struct xs_actor *a, const char *path)
{
	char *p = xs_path_parent(path);
	while (p) {
		const struct xs_node *n;
		int r = view_get(v, p, &n);
		if (r == 0) {
			free(p);
			return (tree_access(a, &n->perms) & XS_PERM_READ) ? -ENOENT : -EACCES;
		}
		if (r != -ENOENT) {
			free(p);
			return r;
		}
		char *pp = xs_path_parent(p);
		free(p);
		p = pp;
	}
	return -ENOENT;
}

static int get_checked(struct xs_view *v, const struct xs_actor *a, const char *path,
		       uint8_t need, const struct xs_node **out)
{
	int r = view_get(v, path, out);
	if (r == -ENOENT)
		return missing(v, a, path);
	if (r < 0)
		return r;
	if ((tree_access(a, &(*out)->perms) & need) != need)
		return -EACCES;
	return 0;
}

int tree_read(struct xs_view *v, const struct xs_actor *a, const char *path,
	      const struct xs_node **out)
{
	return get_checked(v, a, path, XS_PERM_READ, out);
}

static bool over_node_size(const struct xs_actor *a, const struct xs_node *n)
{
	return !a->privileged && a->max_node_size && node_size(n) > a->max_node_size;
}

static int check_new_node(struct xs_view *v, const struct xs_actor *a, const struct xs_node *n)
{
	if (a->privileged)
		return 0;
	const struct xs_acct *acct = &v->store->acct[a->domid];
	int32_t pending = v->txn ? v->txn->created : 0;
	if (a->max_nodes && (int64_t)acct->nodes + pending + 1 > a->max_nodes)
		return -ENOSPC;
	if (a->max_memory && acct->memory + node_memory(n) > a->max_memory)
		return -ENOSPC;
	return 0;
}

/* Creates path and any missing parents (empty values, inherited permissions).
 * On return *out is the node at path (existing or new). */
static int create_path(struct xs_view *v, const struct xs_actor *a, const char *path,
		       struct xs_event **events, bool fire, const struct xs_node **out)
{
	const struct xs_node *n;
	int r = view_get(v, path, &n);
	if (r == 0) {
		*out = n;
		return 1; /* existed */
	}
	if (r != -ENOENT)
		return r;
	char *parent_path = xs_path_parent(path);
	if (!parent_path)
		return -EINVAL;
	const struct xs_node *parent;
	r = create_path(v, a, parent_path, events, false, &parent);
	free(parent_path);
	if (r < 0)
		return r;
	if (r == 1 && !(tree_access(a, &parent->perms) & XS_PERM_WRITE))
		return -EACCES;
	struct xs_node *nn = node_new(path, "", 0, &parent->perms);
	if (!nn)
		return -ENOMEM;
	/* A domain owns what it creates; the control domain keeps the parent's owner. */
	if (!a->privileged)
		nn->perms.p[0].domid = (uint16_t)a->domid;
	r = check_new_node(v, a, nn);
	if (r < 0) {
		node_free(nn);
		return r;
	}
	struct xs_node *np = node_dup(parent);
	if (!np || node_add_child(np, xs_path_basename(path)) < 0) {
		node_free(np);
		node_free(nn);
		return -ENOMEM;
	}
	if (over_node_size(a, np)) {
		node_free(np);
		node_free(nn);
		return -ENOSPC;
	}
	struct xs_perms perms_copy;
	if (xs_perms_copy(&perms_copy, &nn->perms) < 0) {
		node_free(np);
		node_free(nn);
		return -ENOMEM;
	}
	if ((r = view_put(v, np)) < 0 || (r = view_put(v, nn)) < 0) {
		xs_perms_free(&perms_copy);
		return r;
	}
	/* One event, for the path asked for: as in Xen, parents created on
	 * the way fire none of their own (watchers above see this path). */
	r = fire ? view_event(v, events, path, &perms_copy, false) : 0;
	xs_perms_free(&perms_copy);
	if (r < 0)
		return r;
	r = view_get(v, path, out);
	return r < 0 ? r : 0;
}

static bool special(const char *path) { return path[0] == '@'; }

/* A request changes the store as a whole or not at all: outside a
 * transaction its changes go through a scratch transaction, committed only
 * when the request succeeds. */
static int scratch_begin(struct xs_view *v, const struct xs_actor *a, struct xs_view *sv)
{
	*sv = *v;
	/* The control domain meets no quota or permission check half-way: only
	 * running out of memory could leave a partial change, so it goes direct. */
	if (v->txn || a->privileged)
		return 0;
	sv->txn = txn_new(0);
	sv->max_txn_nodes = 0;
	return sv->txn ? 0 : -ENOMEM;
}

static int scratch_end(struct xs_view *v, struct xs_view *sv, int r, struct xs_event **events)
{
	if (v->txn || sv->txn == NULL)
		return r;
	if (r == 0) {
		struct xs_event *ev = NULL;
		r = txn_commit(v->store, sv->txn, &ev);
		while (*events)
			events = &(*events)->next;
		*events = ev;
	}
	txn_free(sv->txn);
	return r;
}

static int do_write(struct xs_view *v, const struct xs_actor *a, const char *path,
		    const void *value, uint32_t vlen, struct xs_event **events)
{
	const struct xs_node *n;
	bool created = false;
	int r = view_get(v, path, &n);
	if (r == -ENOENT) {
		r = create_path(v, a, path, events, true, &n);
		if (r < 0)
			return r;
		created = true; /* create_path queued the node's event */
	} else if (r < 0) {
		return r;
	} else if (!(tree_access(a, &n->perms) & XS_PERM_WRITE)) {
		return -EACCES;
	}
	struct xs_node *nn = node_dup(n);
	if (!nn || node_set_value(nn, value, vlen) < 0) {
		node_free(nn);
		return -ENOMEM;
	}
	if (over_node_size(a, nn)) {
		node_free(nn);
		return -ENOSPC;
	}
	if (!a->privileged && a->max_memory) {
		const struct xs_acct *acct = &v->store->acct[node_owner(nn)];
		if (acct->memory - node_memory(n) + node_memory(nn) > a->max_memory) {
			node_free(nn);
			return -ENOSPC;
		}
	}
	struct xs_perms perms;
	if (xs_perms_copy(&perms, &nn->perms) < 0) {
		node_free(nn);
		return -ENOMEM;
	}
	r = view_put(v, nn);
	if (r == 0 && !created)
		r = view_event(v, events, path, &perms, false);
	xs_perms_free(&perms);
	return r;
}

int tree_write(struct xs_view *v, const struct xs_actor *a, const char *path,
	       const void *value, uint32_t vlen, struct xs_event **events)
{
	if (special(path))
		return -EINVAL;
	struct xs_view sv;
	int r = scratch_begin(v, a, &sv);
	if (r < 0)
		return r;
	r = do_write(&sv, a, path, value, vlen, events);
	return scratch_end(v, &sv, r, events);
}

int tree_mkdir(struct xs_view *v, const struct xs_actor *a, const char *path,
	       struct xs_event **events)
{
	if (special(path))
		return -EINVAL;
	const struct xs_node *n;
	int r = view_get(v, path, &n);
	if (r == 0) /* nothing to do, but only for those who may write it */
		return (tree_access(a, &n->perms) & XS_PERM_WRITE) ? 0 : -EACCES;
	if (r != -ENOENT)
		return r;
	struct xs_view sv;
	r = scratch_begin(v, a, &sv);
	if (r < 0)
		return r;
	r = create_path(&sv, a, path, events, true, &n);
	return scratch_end(v, &sv, r < 0 ? r : 0, events);
}

/* Removes path and its children; *below gets the removed descendants with
 * their permissions (for watches below path: whether they may see it). */
static int rm_subtree(struct xs_view *v, const char *path, struct xs_event **below)
{
	const struct xs_node *n;
	int r = view_get(v, path, &n);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	/* Copy the children list: deleting below may replace n. */
	char *children = NULL;
	uint32_t clen = n->clen;
	if (clen) {
		children = malloc(clen);
		if (!children)
			return -ENOMEM;
		memcpy(children, n->children, clen);
	}
	size_t plen = strlen(path);
	for (char *c = children; c && c < children + clen; c += strlen(c) + 1) {
		char *child = malloc(plen + strlen(c) + 2);
		if (!child) {
			free(children);
			return -ENOMEM;
		}
		strcpy(child, path);
		if (plen > 1)
			strcat(child, "/");
		strcat(child, c);
		const struct xs_node *cn;
		if (below && view_get(v, child, &cn) == 0) {
			struct xs_event *e = calloc(1, sizeof(*e));
			if (!e || !(e->path = strdup(child)) || xs_perms_copy(&e->perms, &cn->perms) < 0) {
				events_free(e);
				free(child);
				free(children);
				return -ENOMEM;
			}
			e->next = *below;
			*below = e;
		}
		r = rm_subtree(v, child, below);
		free(child);
		if (r < 0) {
			free(children);
			return r;
		}
	}
	free(children);
	return view_del(v, path);
}

int tree_rm(struct xs_view *v, const struct xs_actor *a, const char *path,
	    struct xs_event **events)
{
	if (special(path) || strcmp(path, "/") == 0)
		return -EINVAL;
	const struct xs_node *n;
	int r = view_get(v, path, &n);
	if (r == -ENOENT) {
		/* Not an error, unless the parent is missing too. */
		char *pp = xs_path_parent(path);
		const struct xs_node *parent;
		r = pp ? view_get(v, pp, &parent) : 0;
		if (r == 0 && !(tree_access(a, &parent->perms) & XS_PERM_READ))
			r = -EACCES;
		free(pp);
		return r;
	}
	if (r < 0)
		return r;
	if (!(tree_access(a, &n->perms) & XS_PERM_WRITE))
		return -EACCES;
	struct xs_perms perms;
	if (xs_perms_copy(&perms, &n->perms) < 0)
		return -ENOMEM;
	char *pp = xs_path_parent(path);
	const struct xs_node *parent;
	r = pp ? view_get(v, pp, &parent) : -EINVAL;
	if (r == 0) {
		struct xs_node *np = node_dup(parent);
		if (!np) {
			r = -ENOMEM;
		} else {
			node_del_child(np, xs_path_basename(path));
			r = view_put(v, np);
		}
	}
	free(pp);
	struct xs_event *below = NULL;
	if (r == 0)
		r = rm_subtree(v, path, &below);
	if (r == 0)
		r = view_event_below(v, events, path, &perms, below);
	else
		events_free(below);
	xs_perms_free(&perms);
	return r;
}

int tree_get_perms(struct xs_view *v, const struct xs_actor *a, const char *path,
		   const struct xs_perms **out)
{
	if (special(path)) {
		const struct xs_perms *p = store_special_perms(v->store, path);
		if (!p)
			return -EINVAL;
		if (!(tree_access(a, p) & XS_PERM_READ))
			return -EACCES;
		*out = p;
		return 0;
	}
	const struct xs_node *n;
	int r = get_checked(v, a, path, XS_PERM_READ, &n);
	if (r == 0)
		*out = &n->perms;
	return r;
}

static int may_set_perms(const struct xs_actor *a, const struct xs_perms *cur,
			 const struct xs_perms *next)
{
	if (a->privileged)
		return 0;
	unsigned owner = cur->p[0].domid;
	if (owner != a->domid && (a->target < 0 || owner != (unsigned)a->target))
		return -EACCES;
	/* Only the control domain hands a node to another owner. */
	if (next->p[0].domid != owner)
		return -EPERM;
	if (a->max_perms && next->num > a->max_perms)
		return -ENOSPC;
	return 0;
}

int tree_set_perms(struct xs_view *v, const struct xs_actor *a, const char *path,
		   struct xs_perms *perms, struct xs_event **events)
{
	if (special(path)) {
		struct xs_perms *p = store_special_perms(v->store, path);
		if (!p)
			return -EINVAL;
		int r = may_set_perms(a, p, perms);
		if (r < 0)
			return r;
		xs_perms_free(p);
		*p = *perms;
		return 0;
	}
	const struct xs_node *n;
	int r = get_checked(v, a, path, XS_PERM_WRITE, &n);
	if (r < 0)
		return r;
	if ((r = may_set_perms(a, &n->perms, perms)) < 0)
		return r;
	struct xs_node *nn = node_dup(n);
	if (!nn)
		return -ENOMEM;
	xs_perms_free(&nn->perms);
	nn->perms = *perms;
	if (over_node_size(a, nn)) {
		nn->perms.p = NULL;
		nn->perms.num = 0;
		node_free(nn);
		return -ENOSPC;
	}
	struct xs_perms copy;
	if (xs_perms_copy(&copy, perms) < 0) {
		nn->perms.p = NULL;
		nn->perms.num = 0;
		node_free(nn);
		return -ENOMEM;
	}
	r = view_put(v, nn);
	if (r == 0)
		r = view_event(v, events, path, &copy, false);
	xs_perms_free(&copy);
	return r;
}

static unsigned depth_of(const char *p)
{
	unsigned d = 0;
	for (; *p; p++)
		d += *p == '/';
	return d;
}

static int by_depth(const void *a, const void *b)
{
	const char *pa = *(char *const *)a, *pb = *(char *const *)b;
	unsigned da = pa ? depth_of(pa) : 0, db = pb ? depth_of(pb) : 0;
	return da < db ? -1 : da > db;
}

int tree_remove_domain(struct xs_store *s, unsigned domid, struct xs_event **events)
{
	/* Collect the topmost owned nodes first: removing while iterating the
	 * hash table would invalidate the iteration. */
	size_t cap = 16, num = 0;
	char **paths = malloc(cap * sizeof(*paths));
	if (!paths)
		return -ENOMEM;
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&s->nodes, &it, NULL); e;
	     e = strmap_next(&s->nodes, &it, e)) {
		struct xs_node *n = e->val;
		/* Entries naming the departed domain are ignored from now on. */
		for (unsigned i = 1; i < n->perms.num; i++)
			if (n->perms.p[i].domid == domid)
				n->perms.p[i].flags |= XS_PERM_STALE;
		if (node_owner(n) != domid || strcmp(n->path, "/") == 0)
			continue;
		if (num == cap) {
			char **np = realloc(paths, (cap *= 2) * sizeof(*paths));
			if (!np)
				break;
			paths = np;
		}
		paths[num++] = strdup(n->path);
	}
	/* Parents first: their removal takes the children with them. */
	qsort(paths, num, sizeof(*paths), by_depth);
	struct xs_actor root = { .domid = 0, .target = -1, .privileged = true };
	struct xs_view v = { .store = s };
	for (size_t i = 0; i < num; i++) {
		if (paths[i] && store_get(s, paths[i]))
			tree_rm(&v, &root, paths[i], events);
		free(paths[i]);
	}
	free(paths);
	return 0;
}
