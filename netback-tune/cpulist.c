/* cpulist: CPU sets in the kernel's list form (see cpulist.h). */
#include "cpulist.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

void nt_cpus_clear(struct nt_cpus *c) { memset(c, 0, sizeof(*c)); }

void nt_cpus_set(struct nt_cpus *c, unsigned cpu)
{
	if (cpu < NT_MAX_CPUS)
		c->w[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

bool nt_cpus_has(const struct nt_cpus *c, unsigned cpu)
{
	return cpu < NT_MAX_CPUS && (c->w[cpu / 64] >> (cpu % 64)) & 1;
}

unsigned nt_cpus_count(const struct nt_cpus *c)
{
	unsigned n = 0;
	for (size_t i = 0; i < NT_MAX_CPUS / 64; i++)
		n += (unsigned)__builtin_popcountll(c->w[i]);
	return n;
}

bool nt_cpus_equal(const struct nt_cpus *a, const struct nt_cpus *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

void nt_cpus_and(const struct nt_cpus *a, const struct nt_cpus *b, struct nt_cpus *out)
{
	for (size_t i = 0; i < NT_MAX_CPUS / 64; i++)
		out->w[i] = a->w[i] & b->w[i];
}

int nt_cpus_nth(const struct nt_cpus *c, unsigned n)
{
	for (unsigned i = 0; i < NT_MAX_CPUS / 64; i++) {
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

int nt_cpus_single(const struct nt_cpus *c)
{
	return nt_cpus_count(c) == 1 ? nt_cpus_nth(c, 0) : -1;
}

/* A decimal number below NT_MAX_CPUS, no sign, no leading zeros but "0". */
static int num(const char **p, unsigned *out)
{
	const char *s = *p;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -EINVAL;
	unsigned v = 0;
	while (*s >= '0' && *s <= '9') {
		v = v * 10 + (unsigned)(*s++ - '0');
		if (v >= NT_MAX_CPUS)
			return -EINVAL;
	}
	*p = s;
	*out = v;
	return 0;
}

int nt_cpus_parse(const char *s, struct nt_cpus *out)
{
	struct nt_cpus c;
	nt_cpus_clear(&c);
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
			nt_cpus_set(&c, i);
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

int nt_cpus_format(const struct nt_cpus *c, char *buf, size_t len)
{
	size_t off = 0;
	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	for (unsigned i = 0; i < NT_MAX_CPUS; i++) {
		if (!c->w[i / 64]) {
			i |= 63; /* a word without CPUs: on to the next */
			continue;
		}
		if (!nt_cpus_has(c, i))
			continue;
		unsigned j = i;
		while (j + 1 < NT_MAX_CPUS && nt_cpus_has(c, j + 1))
			j++;
		int n = j == i ? snprintf(buf + off, len - off, "%s%u", off ? "," : "", i)
			       : snprintf(buf + off, len - off, "%s%u-%u", off ? "," : "", i, j);
		if (n < 0 || (size_t)n >= len - off)
			return -ENOSPC;
		off += (size_t)n;
		i = j;
	}
	return 0;
}
