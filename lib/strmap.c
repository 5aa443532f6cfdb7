#include "strmap.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t hash_str(const char *s)
{
	/* FNV-1a: short keys (paths), no adversary control over the table size. */
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return (size_t)(h ^ (h >> 29));
}

int strmap_init(struct strmap *m)
{
	m->nbuckets = 64;
	m->count = 0;
	m->buckets = calloc(m->nbuckets, sizeof(*m->buckets));
	return m->buckets ? 0 : -ENOMEM;
}

void strmap_destroy(struct strmap *m)
{
	if (!m->buckets)
		return;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct strmap_entry *e = m->buckets[i];
		while (e) {
			struct strmap_entry *n = e->next;
			free(e->key);
			free(e);
			e = n;
		}
	}
	free(m->buckets);
	m->buckets = NULL;
	m->count = 0;
}

static struct strmap_entry **lookup(const struct strmap *m, const char *key, size_t h)
{
	struct strmap_entry **p = &m->buckets[h & (m->nbuckets - 1)];
	for (; *p; p = &(*p)->next)
		if ((*p)->hash == h && strcmp((*p)->key, key) == 0)
			return p;
	return p;
}

void *strmap_get(const struct strmap *m, const char *key)
{
	struct strmap_entry **p = lookup(m, key, hash_str(key));
	return *p ? (*p)->val : NULL;
}

static void grow(struct strmap *m)
{
	size_t nb = m->nbuckets * 2;
	struct strmap_entry **b = calloc(nb, sizeof(*b));
	if (!b)
		return; /* keep working with longer chains */
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct strmap_entry *e = m->buckets[i];
		while (e) {
			struct strmap_entry *n = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
			e = n;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
}

int strmap_put(struct strmap *m, const char *key, void *val, void **old)
{
	size_t h = hash_str(key);
	struct strmap_entry **p = lookup(m, key, h);
	if (*p) {
		if (old)
			*old = (*p)->val;
		(*p)->val = val;
		return 0;
	}
	struct strmap_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->key = strdup(key);
	if (!e->key) {
		free(e);
		return -ENOMEM;
	}
	e->val = val;
	e->hash = h;
	*p = e;
	m->count++;
	if (old)
		*old = NULL;
	if (m->count > m->nbuckets)
		grow(m);
	return 0;
}

void *strmap_remove(struct strmap *m, const char *key)
{
	struct strmap_entry **p = lookup(m, key, hash_str(key));
	if (!*p)
		return NULL;
	struct strmap_entry *e = *p;
	void *v = e->val;
	*p = e->next;
	free(e->key);
	free(e);
	m->count--;
	return v;
}

struct strmap_entry *strmap_next(const struct strmap *m, struct strmap_iter *it,
				 struct strmap_entry *prev)
{
	if (prev && prev->next)
		return prev->next;
	size_t b = prev ? it->bucket + 1 : 0;
	for (; b < m->nbuckets; b++) {
		if (m->buckets[b]) {
			it->bucket = b;
			return m->buckets[b];
		}
	}
	return NULL;
}
