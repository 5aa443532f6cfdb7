/* vbds: guests' disks and the dom0 devices under them (see vbds.h). */
#include "vbds.h"
#include "sysread.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vbds_free(struct vbd_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static int word(const char **p, const char *end, char *out, size_t size)
{
	const char *s = *p;
	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	const char *e = s;
	while (e < end && *e != ' ' && *e != '\t')
		e++;
	if (e == s) {
		out[0] = '\0';
		*p = e;
		return 0;
	}
	if ((size_t)(e - s) >= size)
		return -E2BIG;
	memcpy(out, s, (size_t)(e - s));
	out[e - s] = '\0';
	*p = e;
	return 1;
}

static int vdev_ok(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!islower((unsigned char)*c) && !isdigit((unsigned char)*c))
			return 0;
	return *s != '\0';
}

static int device_ok(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!isgraph((unsigned char)*c))
			return 0;
	return strncmp(s, "/dev/", 5) == 0 || strncmp(s, "dm-", 3) == 0;
}

int vbds_parse(const char *name, const char *data, size_t len, struct vbd_list *out, char *err,
	       size_t errlen)
{
	struct vbd_list l = { 0 };
	size_t cap = 0;
	unsigned line = 0;
	const char *p = data, *end = data + len;
	int r = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		line++;
		const char *hash = memchr(p, '#', (size_t)(le - p));
		const char *ce = hash ? hash : le;
		char dom[16], extra[8];
		struct vbd v = { 0 };
		const char *q = p;
		int got = word(&q, ce, dom, sizeof(dom));
		if (got == 0) {
			p = nl ? nl + 1 : end;
			continue;
		}
		char *dend;
		unsigned long d = got > 0 ? strtoul(dom, &dend, 10) : 0;
		if (got < 0 || !isdigit((unsigned char)dom[0]) || *dend || d < 1 || d > 32751) {
			snprintf(err, errlen, "%s:%u: the domid must be a number from 1 to 32751", name,
				 line);
			r = -EINVAL;
			break;
		}
		v.domid = (unsigned)d;
		if (word(&q, ce, v.vdev, sizeof(v.vdev)) <= 0 || !vdev_ok(v.vdev)) {
			snprintf(err, errlen,
				 "%s:%u: the vdev must be 1 to 15 lower-case letters and digits (xvda)",
				 name, line);
			r = -EINVAL;
			break;
		}
		if (word(&q, ce, v.device, sizeof(v.device)) <= 0 || !device_ok(v.device)) {
			snprintf(err, errlen, "%s:%u: the device must be /dev/... or dm-N, under 128 bytes",
				 name, line);
			r = -EINVAL;
			break;
		}
		if (word(&q, ce, v.guest, sizeof(v.guest)) < 0 || word(&q, ce, extra, sizeof(extra))) {
			snprintf(err, errlen, "%s:%u: a guest name of at most 63 bytes ends the line",
				 name, line);
			r = -EINVAL;
			break;
		}
		for (const char *c = v.guest; *c; c++)
			if (!isgraph((unsigned char)*c)) {
				snprintf(err, errlen, "%s:%u: the guest name is not printable", name, line);
				r = -EINVAL;
				break;
			}
		if (r < 0)
			break;
		if (l.n == VBDS_MAX) {
			snprintf(err, errlen, "%s:%u: more than %d disks", name, line, VBDS_MAX);
			r = -E2BIG;
			break;
		}
		if (l.n == cap) {
			cap = cap ? cap * 2 : 16;
			struct vbd *nv = realloc(l.v, cap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			l.v = nv;
		}
		l.v[l.n++] = v;
		p = nl ? nl + 1 : end;
	}
	if (r < 0) {
		vbds_free(&l);
		return r;
	}
	*out = l;
	return 0;
}

int vbds_read(const char *root, struct vbd_list *out, char *err, size_t errlen)
{
	out->v = NULL;
	out->n = 0;
	char *data;
	size_t len;
	int r = sysread_whole(root, VBDS_FILE, 16u << 20, &data, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "%s/%s: %s", root, VBDS_FILE, strerror(-r));
		return r;
	}
	char name[512];
	snprintf(name, sizeof(name), "%s/%s", root, VBDS_FILE);
	r = vbds_parse(name, data, len, out, err, errlen);
	free(data);
	return r;
}
