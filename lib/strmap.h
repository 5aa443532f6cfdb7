/* strmap: a hash table from NUL-terminated strings to pointers. */
#ifndef XCD_STRMAP_H
#define XCD_STRMAP_H
#include <stddef.h>

struct strmap_entry {
	char *key; /* owned by the map */
	void *val;
	size_t hash;
	struct strmap_entry *next;
};

struct strmap {
	struct strmap_entry **buckets;
	size_t nbuckets;
	size_t count;
};

int strmap_init(struct strmap *m);
/* Frees the entries (and keys); vals are the caller's: free them first. */
void strmap_destroy(struct strmap *m);
void *strmap_get(const struct strmap *m, const char *key);
/* Inserts or replaces; *old gets the replaced value (or NULL). */
int strmap_put(struct strmap *m, const char *key, void *val, void **old);
void *strmap_remove(struct strmap *m, const char *key);
/* Iteration: for (e = strmap_next(m, &it, NULL); e; e = strmap_next(m, &it, e)) */
struct strmap_iter { size_t bucket; };
struct strmap_entry *strmap_next(const struct strmap *m, struct strmap_iter *it,
				 struct strmap_entry *prev);
#endif
