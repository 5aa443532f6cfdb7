/* cpuset: CPU sets in the kernel's list form (see cpuset.h). */
#include "cpuset.h"
#include <errno.h>
#include <string.h>

void cpuset_clear(struct cpuset *c) { memset(c, 0, sizeof(*c)); }

void cpuset_add(struct cpuset *c, unsigned cpu)
{
	if (cpu < CPUSET_MAX)
		c->w[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

bool cpuset_has(const struct cpuset *c, unsigned cpu)
{
	return cpu < CPUSET_MAX && (c->w[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned cpuset_count(const struct cpuset *c)
{
	/* Most words are empty: built without -mpopcnt, a popcount is a
	 * libgcc call, so one per word with CPUs. */
	unsigned n = 0;
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		if (c->w[i])
			n += (unsigned)__builtin_popcountll(c->w[i]);
	return n;
}

void cpuset_or(struct cpuset *dst, const struct cpuset *src)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		dst->w[i] |= src->w[i];
}

bool cpuset_subset(const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		if (a->w[i] & ~b->w[i])
			return false;
	return true;
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

void cpuset_and(const struct cpuset *a, const struct cpuset *b, struct cpuset *out)
{
	for (size_t i = 0; i < CPUSET_MAX / 64; i++)
		out->w[i] = a->w[i] & b->w[i];
}

int cpuset_nth(const struct cpuset *c, unsigned n)
{
	for (unsigned i = 0; i < CPUSET_MAX / 64; i++) {
		if (!c->w[i])
			continue;
		unsigned k = (unsigned)__builtin_popcountll(c->w[i]);
		if (n >= k) {
			n -= k;
			continue;
		}
		for (unsigned b = 0; b < 64; b++)
			if ((c->w[i] >> b) & 1 && n-- == 0)
				return (int)(i * 64 + b);
	}
	return -1;
}

int cpuset_single(const struct cpuset *c)
{
	int cpu = -1;
	for (unsigned i = 0; i < CPUSET_MAX / 64; i++) {
		uint64_t w = c->w[i];
		if (!w)
			continue;
		if (cpu >= 0 || (w & (w - 1)))
			return -1; /* a second CPU */
		cpu = (int)(i * 64 + (unsigned)__builtin_ctzll(w));
	}
	return cpu;
}

/* The first CPU at or after I that is in the set (SET) or not (!SET);
 * CPUSET_MAX when none. */
static unsigned next_cpu(const struct cpuset *c, unsigned i, bool set)
{
	while (i < CPUSET_MAX) {
		uint64_t w = set ? c->w[i / 64] : ~c->w[i / 64];
		w &= ~UINT64_C(0) << (i % 64);
		if (w)
			return (i & ~63u) + (unsigned)__builtin_ctzll(w);
		i = (i & ~63u) + 64;
	}
	return CPUSET_MAX;
}

/* A decimal number below CPUSET_MAX, no sign, no leading zeros but "0". */
static int num(const char **p, unsigned *out)
{
	const char *s = *p;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -EINVAL;
	unsigned v = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s++ - '0');
		if (v >= CPUSET_MAX)
			return -EINVAL;
	}
	*p = s;
	*out = v;
	return 0;
}

int cpuset_parse(const char *s, struct cpuset *out)
{
	struct cpuset c;
	cpuset_clear(&c);
	if (*s == '\n' && s[1] == '\0')
		s++;
	while (*s) {
		unsigned a, b;
		if (num(&s, &a))
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			if (num(&s, &b) || b < a)
				return -EINVAL;
		}
		for (unsigned i = a; i <= b; i++)
			cpuset_add(&c, i);
		if (*s == ',' && s[1] != '\0' && s[1] != '\n')
			s++;
		else if (*s == '\n' && s[1] == '\0')
			s++;
		else if (*s)
			return -EINVAL;
	}
	*out = c;
	return 0;
}

/* ",A" or ",A-B" (no comma first) at BUF + *OFF, if it fits in LEN. */
static int put_range(char *buf, size_t len, size_t *off, unsigned a, unsigned b)
{
	char t[24];
	size_t n = 0;
	unsigned v[2] = { a, b };
	if (*off)
		t[n++] = ',';
	for (int k = 0; k < (a == b ? 1 : 2); k++) {
		char d[8];
		size_t nd = 0;
		unsigned x = v[k];
		do
			d[nd++] = (char)('0' + x % 10);
		while ((x /= 10) && nd < sizeof(d));
		if (k)
			t[n++] = '-';
		while (nd)
			t[n++] = d[--nd];
	}
	if (n >= len - *off) {
		/* As snprintf would: what fits, cut. */
		memcpy(buf + *off, t, len - *off - 1);
		buf[len - 1] = '\0';
		return -ENOSPC;
	}
	memcpy(buf + *off, t, n);
	*off += n;
	buf[*off] = '\0';
	return 0;
}

int cpuset_format(const struct cpuset *c, char *buf, size_t len)
{
	size_t off = 0;
	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (unsigned i = next_cpu(c, 0, true); i < CPUSET_MAX; i = next_cpu(c, i, true)) {
		unsigned j = next_cpu(c, i, false); /* one past the range */
		if (put_range(buf, len, &off, i, j - 1))
			return -ENOSPC;
		i = j;
	}
	return 0;
}
