#include "transaction.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct xs_txn *txn_new(uint32_t id)
{
	struct xs_txn *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	if (strmap_init(&t->overlay) < 0) {
		free(t);
		return NULL;
	}
	t->id = id;
	t->events_tail = &t->events;
	return t;
}

void events_free(struct xs_event *e)
{
	while (e) {
		struct xs_event *n = e->next;
		events_free(e->below);
		free(e->path);
		xs_perms_free(&e->perms);
		free(e);
		e = n;
	}
}

void txn_free(struct xs_txn *t)
{
	if (!t)
		return;
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&t->overlay, &it, NULL); e;
	     e = strmap_next(&t->overlay, &it, e)) {
		struct xs_tnode *tn = e->val;
		node_free(tn->node);
		free(tn);
	}
	strmap_destroy(&t->overlay);
	events_free(t->events);
	free(t);
}

static int fetch(struct xs_view *v, const char *path, struct xs_tnode **out)
{
	struct xs_tnode *tn = strmap_get(&v->txn->overlay, path);
	if (tn) {
		*out = tn;
		return 0;
	}
	if (v->max_txn_nodes && v->txn->overlay.count >= v->max_txn_nodes)
		return -ENOSPC;
	tn = calloc(1, sizeof(*tn));
	if (!tn)
		return -ENOMEM;
	const struct xs_node *n = store_get(v->store, path);
	if (n) {
		tn->node = node_dup(n);
		if (!tn->node) {
			free(tn);
			return -ENOMEM;
		}
		tn->orig_gen = n->gen;
	}
	if (strmap_put(&v->txn->overlay, path, tn, NULL) < 0) {
		node_free(tn->node);
		free(tn);
		return -ENOMEM;
	}
	*out = tn;
	return 0;
}

int view_get(struct xs_view *v, const char *path, const struct xs_node **out)
{
	if (!v->txn) {
		*out = store_get(v->store, path);
		return *out ? 0 : -ENOENT;
	}
	struct xs_tnode *tn;
	int r = fetch(v, path, &tn);
	if (r < 0)
		return r;
	tn->access |= XS_ACCESS_READ;
	*out = tn->node;
	return tn->node ? 0 : -ENOENT;
}

int view_put(struct xs_view *v, struct xs_node *n)
{
	if (!v->txn)
		return store_put(v->store, n);
	struct xs_tnode *tn;
	int r = fetch(v, n->path, &tn);
	if (r < 0) {
		node_free(n);
		return r;
	}
	if (!tn->node)
		v->txn->created++;
	node_free(tn->node);
	tn->node = n;
	tn->access |= XS_ACCESS_WRITE;
	v->txn->writes++;
	return 0;
}

int view_del(struct xs_view *v, const char *path)
{
	if (!v->txn) {
		store_del(v->store, path);
		return 0;
	}
	struct xs_tnode *tn;
	int r = fetch(v, path, &tn);
	if (r < 0)
		return r;
	if (tn->node)
		v->txn->created--;
	node_free(tn->node);
	tn->node = NULL;
	tn->access |= XS_ACCESS_WRITE;
	v->txn->writes++;
	return 0;
}

int view_event(struct xs_view *v, struct xs_event **direct, const char *path,
	       const struct xs_perms *perms, bool removed)
{
	struct xs_event *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->removed = removed;
	e->path = strdup(path);
	if (!e->path || xs_perms_copy(&e->perms, perms) < 0) {
		events_free(e);
		return -ENOMEM;
	}
	if (v->txn) {
		*v->txn->events_tail = e;
		v->txn->events_tail = &e->next;
	} else {
		while (*direct)
			direct = &(*direct)->next;
		*direct = e;
	}
	return 0;
}

int view_event_below(struct xs_view *v, struct xs_event **direct, const char *path,
		     const struct xs_perms *perms, struct xs_event *below)
{
	int r = view_event(v, direct, path, perms, true);
	if (r < 0) {
		events_free(below);
		return r;
	}
	/* The event just recorded is the last one. */
	struct xs_event *e = v->txn ? v->txn->events : *direct;
	while (e->next)
		e = e->next;
	e->below = below;
	return 0;
}

int txn_commit(struct xs_store *s, struct xs_txn *t, struct xs_event **events)
{
	if (t->conflict)
		return -EAGAIN;
	struct strmap_iter it;
	struct strmap_entry *e;
	for (e = strmap_next(&t->overlay, &it, NULL); e; e = strmap_next(&t->overlay, &it, e)) {
		struct xs_tnode *tn = e->val;
		const struct xs_node *cur = store_get(s, e->key);
		uint64_t gen = cur ? cur->gen : 0;
		if (gen != tn->orig_gen)
			return -EAGAIN;
	}
	/* Parents before children is not needed: the store is keyed by path and
	 * every overlay node carries its own children list. */
	for (e = strmap_next(&t->overlay, &it, NULL); e; e = strmap_next(&t->overlay, &it, e)) {
		struct xs_tnode *tn = e->val;
		if (!(tn->access & XS_ACCESS_WRITE))
			continue;
		if (tn->node) {
			int r = store_put(s, tn->node);
			if (r < 0)
				return r;
			tn->node = NULL;
		} else {
			store_del(s, e->key);
		}
	}
	*events = t->events;
	t->events = NULL;
	t->events_tail = &t->events;
	return 0;
}
