/* perm: node permissions ("b0", "r3", ...) and access decisions. */
#ifndef XS_PERM_H
#define XS_PERM_H
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define XS_PERM_NONE 0
#define XS_PERM_READ 1
#define XS_PERM_WRITE 2
#define XS_PERM_BOTH (XS_PERM_READ | XS_PERM_WRITE)
#define XS_PERM_STALE 0x01 /* flag: the entry names a domain that is gone */

struct xs_perm {
	uint16_t domid;
	uint8_t perm;  /* XS_PERM_* */
	uint8_t flags; /* XS_PERM_STALE */
};

/* The first entry is the owner and, by its perm, the default access. */
struct xs_perms {
	unsigned num;
	struct xs_perm *p;
};

/* Parses count NUL-terminated strings from buf[0..len). Returns 0 or -EINVAL. */
int xs_perms_parse(struct xs_perms *out, const char *buf, size_t len);
/* Writes "b0\0r3\0" into buf (size bytes); returns the length or -ENOSPC. */
int xs_perms_format(const struct xs_perms *p, char *buf, size_t size);
int xs_perms_copy(struct xs_perms *dst, const struct xs_perms *src);
void xs_perms_free(struct xs_perms *p);
bool xs_perms_equal(const struct xs_perms *a, const struct xs_perms *b);
char xs_perm_char(uint8_t perm);

/* Access of a domain (and the domain it targets, or -1) to a node. */
uint8_t xs_perms_access(const struct xs_perms *p, unsigned domid, int target);
#endif
