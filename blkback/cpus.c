/* cpus: CPU lists and the CPUs of NUMA nodes (see cpus.h). */
#include "cpus.h"
#include "sysread.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

void cpuset_add(struct cpuset *set, unsigned cpu)
{
	if (cpu < CPUS_MAX)
		set->w[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

bool cpuset_has(const struct cpuset *set, unsigned cpu)
{
	return cpu < CPUS_MAX && (set->w[cpu / 64] >> (cpu % 64) & 1);
}

static int number(const char **s, unsigned *out)
{
	unsigned v = 0;
	const char *p = *s;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v >= CPUS_MAX)
			return -EINVAL;
	}
	*s = p;
	*out = v;
	return 0;
}

int cpuset_parse(const char *s, struct cpuset *set)
{
	struct cpuset out = { { 0 } };
	while (*s) {
		unsigned a, b;
		if (number(&s, &a) < 0)
			return -EINVAL;
		b = a;
		if (*s == '-') {
			s++;
			if (number(&s, &b) < 0 || b < a)
				return -EINVAL;
		}
		for (unsigned c = a; c <= b; c++)
			cpuset_add(&out, c);
		if (*s == ',') {
			s++;
			if (!*s)
				return -EINVAL;
		} else if (*s) {
			return -EINVAL;
		}
	}
	*set = out;
	return 0;
}

void cpuset_format(const struct cpuset *set, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
	for (unsigned c = 0; c < CPUS_MAX; c++) {
		if (!cpuset_has(set, c))
			continue;
		unsigned e = c;
		while (e + 1 < CPUS_MAX && cpuset_has(set, e + 1))
			e++;
		int n = e == c ? snprintf(buf + len, size - len, "%s%u", len ? "," : "", c)
			       : snprintf(buf + len, size - len, "%s%u-%u", len ? "," : "", c, e);
		if (n < 0 || (size_t)n >= size - len) {
			buf[len] = '\0';
			return;
		}
		len += (size_t)n;
		c = e;
	}
}

void cpuset_or(struct cpuset *dst, const struct cpuset *src)
{
	for (size_t i = 0; i < CPUS_MAX / 64; i++)
		dst->w[i] |= src->w[i];
}

bool cpuset_subset(const struct cpuset *a, const struct cpuset *b)
{
	for (size_t i = 0; i < CPUS_MAX / 64; i++)
		if (a->w[i] & ~b->w[i])
			return false;
	return true;
}

bool cpuset_equal(const struct cpuset *a, const struct cpuset *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

unsigned cpuset_count(const struct cpuset *set)
{
	unsigned n = 0;
	for (size_t i = 0; i < CPUS_MAX / 64; i++)
		n += (unsigned)__builtin_popcountll(set->w[i]);
	return n;
}

int numa_cpus_read(const char *root, struct numa_cpus *n, char *err, size_t errlen)
{
	memset(n, 0, sizeof(*n));
	char buf[4096], rel[96];
	int r = sysread_file(root, "sys/devices/system/cpu/online", buf, sizeof(buf));
	if (r == 0 && cpuset_parse(buf, &n->online) < 0) {
		snprintf(err, errlen, "%s/sys/devices/system/cpu/online: '%.64s' is not a CPU list",
			 root, buf);
		return -EINVAL;
	}
	for (unsigned i = 0; i < NODES_MAX; i++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/cpulist", i);
		r = sysread_file(root, rel, buf, sizeof(buf));
		if (r == -ENOENT)
			continue;
		if (r < 0 || cpuset_parse(buf, &n->node[i]) < 0) {
			snprintf(err, errlen, "%s/%s: '%.64s' is not a CPU list", root, rel,
				 r < 0 ? strerror(-r) : buf);
			return -EINVAL;
		}
		n->n_nodes = i + 1;
	}
	return 0;
}
