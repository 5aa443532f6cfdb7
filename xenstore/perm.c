#include "perm.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_one(const char *s, struct xs_perm *out)
{
	switch (s[0]) {
	case 'n': out->perm = XS_PERM_NONE; break;
	case 'r': out->perm = XS_PERM_READ; break;
	case 'w': out->perm = XS_PERM_WRITE; break;
	case 'b': out->perm = XS_PERM_BOTH; break;
	default: return -EINVAL;
	}
	if (s[1] < '0' || s[1] > '9')
		return -EINVAL;
	char *end;
	unsigned long id = strtoul(s + 1, &end, 10);
	if (*end != '\0' || id > 65535)
		return -EINVAL;
	out->domid = (uint16_t)id;
	out->flags = 0;
	return 0;
}

int xs_perms_parse(struct xs_perms *out, const char *buf, size_t len)
{
	unsigned n = 0;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			n++;
	if (n == 0 || buf[len - 1] != '\0')
		return -EINVAL;
	struct xs_perm *p = calloc(n, sizeof(*p));
	if (!p)
		return -ENOMEM;
	const char *s = buf;
	for (unsigned i = 0; i < n; i++) {
		if (parse_one(s, &p[i]) < 0) {
			free(p);
			return -EINVAL;
		}
		s += strlen(s) + 1;
	}
	out->num = n;
	out->p = p;
	return 0;
}

char xs_perm_char(uint8_t perm)
{
	static const char c[] = { 'n', 'r', 'w', 'b' };
	return c[perm & 3];
}

int xs_perms_format(const struct xs_perms *p, char *buf, size_t size)
{
	size_t off = 0;
	for (unsigned i = 0; i < p->num; i++) {
		if (p->p[i].flags & XS_PERM_STALE)
			continue;
		int n = snprintf(buf + off, size - off, "%c%u", xs_perm_char(p->p[i].perm),
				 p->p[i].domid);
		if (n < 0 || (size_t)n + 1 > size - off)
			return -ENOSPC;
		off += (size_t)n + 1;
	}
	return (int)off;
}

int xs_perms_copy(struct xs_perms *dst, const struct xs_perms *src)
{
	dst->p = malloc(src->num * sizeof(*dst->p));
	if (!dst->p)
		return -ENOMEM;
	memcpy(dst->p, src->p, src->num * sizeof(*dst->p));
	dst->num = src->num;
	return 0;
}

void xs_perms_free(struct xs_perms *p)
{
	free(p->p);
	p->p = NULL;
	p->num = 0;
}

bool xs_perms_equal(const struct xs_perms *a, const struct xs_perms *b)
{
	return a->num == b->num && memcmp(a->p, b->p, a->num * sizeof(*a->p)) == 0;
}

static uint8_t access_of(const struct xs_perms *p, unsigned domid)
{
	if (p->p[0].domid == domid)
		return XS_PERM_BOTH;
	for (unsigned i = 1; i < p->num; i++)
		if (p->p[i].domid == domid && !(p->p[i].flags & XS_PERM_STALE))
			return p->p[i].perm;
	return p->p[0].perm;
}

uint8_t xs_perms_access(const struct xs_perms *p, unsigned domid, int target)
{
	if (p->num == 0)
		return XS_PERM_NONE;
	uint8_t a = access_of(p, domid);
	/* SET_TARGET: the domain also acts with the rights of its target. */
	if (target >= 0)
		a |= access_of(p, (unsigned)target);
	return a;
}
