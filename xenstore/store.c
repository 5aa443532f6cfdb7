#include "store.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct xs_node *node_new(const char *path, const void *value, uint32_t vlen,
			 const struct xs_perms *perms)
{
	struct xs_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->path = strdup(path);
	n->value = malloc(vlen ? vlen : 1);
	if (!n->path || !n->value || xs_perms_copy(&n->perms, perms) < 0) {
		node_free(n);
		return NULL;
	}
	if (vlen)
		memcpy(n->value, value, vlen);
	n->vlen = vlen;
	return n;
}

struct xs_node *node_dup(const struct xs_node *src)
{
	struct xs_node *n = node_new(src->path, src->value, src->vlen, &src->perms);
	if (!n)
		return NULL;
	if (src->clen) {
		n->children = malloc(src->clen);
		if (!n->children) {
			node_free(n);
			return NULL;
		}
		memcpy(n->children, src->children, src->clen);
		n->clen = src->clen;
	}
	n->gen = src->gen;
	return n;
}

void node_free(struct xs_node *n)
{
	if (!n)
		return;
	free(n->path);
	free(n->value);
	free(n->children);
	xs_perms_free(&n->perms);
	free(n);
}

int node_set_value(struct xs_node *n, const void *value, uint32_t vlen)
{
	char *v = malloc(vlen ? vlen : 1);
	if (!v)
		return -ENOMEM;
	if (vlen)
		memcpy(v, value, vlen);
	free(n->value);
	n->value = v;
	n->vlen = vlen;
	return 0;
}

static const char *find_child(const struct xs_node *n, const char *name)
{
	for (const char *c = n->children; c && c < n->children + n->clen; c += strlen(c) + 1)
		if (strcmp(c, name) == 0)
			return c;
	return NULL;
}

bool node_has_child(const struct xs_node *n, const char *name)
{
	return find_child(n, name) != NULL;
}

int node_add_child(struct xs_node *n, const char *name)
{
	if (find_child(n, name))
		return 0;
	size_t l = strlen(name) + 1;
	char *c = realloc(n->children, n->clen + l);
	if (!c)
		return -ENOMEM;
	memcpy(c + n->clen, name, l);
	n->children = c;
	n->clen += (uint32_t)l;
	return 0;
}

void node_del_child(struct xs_node *n, const char *name)
{
	const char *c = find_child(n, name);
	if (!c)
		return;
	size_t off = (size_t)(c - n->children), l = strlen(c) + 1;
	memmove(n->children + off, n->children + off + l, n->clen - off - l);
	n->clen -= (uint32_t)l;
}

uint32_t node_size(const struct xs_node *n)
{
	return n->vlen + n->perms.num * (uint32_t)sizeof(struct xs_perm) + n->clen;
}

uint64_t node_memory(const struct xs_node *n)
{
	return sizeof(*n) + strlen(n->path) + 1 + node_size(n);
}

static void account(struct xs_store *s, const struct xs_node *n, int sign)
{
	struct xs_acct *a = &s->acct[node_owner(n)];
	if (sign > 0) {
		a->nodes++;
		a->memory += node_memory(n);
	} else {
		a->nodes--;
		a->memory -= node_memory(n);
	}
}

int store_init(struct xs_store *s)
{
	memset(s, 0, sizeof(*s));
	if (strmap_init(&s->nodes) < 0)
		return -ENOMEM;
	s->acct = calloc(XS_NDOMIDS, sizeof(*s->acct));
	struct xs_perm p0 = { .domid = 0, .perm = XS_PERM_NONE };
	struct xs_perms perms = { 1, &p0 };
	if (!s->acct || xs_perms_copy(&s->introduce_perms, &perms) < 0 ||
	    xs_perms_copy(&s->release_perms, &perms) < 0)
		return -ENOMEM;
	struct xs_node *root = node_new("/", "", 0, &perms);
	struct xs_node *tool = node_new("/tool", "", 0, &perms);
	struct xs_node *tool_xs = node_new("/tool/xenstored", "", 0, &perms);
	if (!root || !tool || !tool_xs)
		return -ENOMEM;
	if (node_add_child(root, "tool") < 0 || node_add_child(tool, "xenstored") < 0)
		return -ENOMEM;
	store_put(s, root);
	store_put(s, tool);
	store_put(s, tool_xs);
	return 0;
}

void store_destroy(struct xs_store *s)
{
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&s->nodes, &it, NULL); e;
	     e = strmap_next(&s->nodes, &it, e))
		node_free(e->val);
	strmap_destroy(&s->nodes);
	free(s->acct);
	xs_perms_free(&s->introduce_perms);
	xs_perms_free(&s->release_perms);
}

struct xs_node *store_get(const struct xs_store *s, const char *path)
{
	return strmap_get(&s->nodes, path);
}

int store_put(struct xs_store *s, struct xs_node *n)
{
	void *old;
	n->gen = ++s->gen;
	if (strmap_put(&s->nodes, n->path, n, &old) < 0)
		return -ENOMEM;
	if (old) {
		account(s, old, -1);
		node_free(old);
	}
	account(s, n, +1);
	return 0;
}

void store_del(struct xs_store *s, const char *path)
{
	struct xs_node *n = strmap_remove(&s->nodes, path);
	if (n) {
		s->gen++;
		account(s, n, -1);
		node_free(n);
	}
}

struct xs_perms *store_special_perms(struct xs_store *s, const char *path)
{
	if (strcmp(path, "@introduceDomain") == 0)
		return &s->introduce_perms;
	if (strcmp(path, "@releaseDomain") == 0)
		return &s->release_perms;
	return NULL;
}
