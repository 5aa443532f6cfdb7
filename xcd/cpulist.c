/* cpulist: xl.cfg's CPU list syntax ("0-3,^2", "all", "nodes:0") into a
 * CPU map, as xl's parse_cpurange does (domcfg.h declares it). */
#include "domcfg.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void cpumap_set(struct cpumap *m, unsigned cpu, bool on)
{
	if (on)
		m->bits[cpu / 64] |= 1ULL << (cpu % 64);
	else
		m->bits[cpu / 64] &= ~(1ULL << (cpu % 64));
}

/* CPUs a..b (b < DOMCFG_MAX_CPUS) on or off, a word at a time: lists may be long. */
static void cpumap_set_range(struct cpumap *m, unsigned a, unsigned b, bool on)
{
	while (a <= b) {
		unsigned w = a / 64, lo = a % 64;
		unsigned hi = b / 64 == w ? b % 64 : 63;
		uint64_t mask = (hi == 63 ? ~0ULL : (1ULL << (hi + 1)) - 1) & ~((1ULL << lo) - 1);
		if (on)
			m->bits[w] |= mask;
		else
			m->bits[w] &= ~mask;
		a = w * 64 + hi + 1;
	}
}

static bool cpumap_empty(const struct cpumap *m)
{
	for (size_t i = 0; i < DOMCFG_MAX_CPUS / 64; i++)
		if (m->bits[i])
			return false;
	return true;
}

static int cpulist_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cpulist_fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* "A" or "A-B", decimal, A <= B; as xl's parse_range. */
static bool parse_range(const char *s, unsigned long *a, unsigned long *b)
{
	const char *p = s;
	unsigned long x = 0, y;
	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (ULONG_MAX / 10) - 1)
			return false;
		x = x * 10 + (unsigned long)(*p - '0');
	}
	y = x;
	if (*p == '-') {
		p++;
		if (*p < '0' || *p > '9')
			return false;
		for (y = 0; *p >= '0' && *p <= '9'; p++) {
			if (y > (ULONG_MAX / 10) - 1)
				return false;
			y = y * 10 + (unsigned long)(*p - '0');
		}
	}
	if (*p || y < x)
		return false;
	*a = x;
	*b = y;
	return true;
}

static int cpulist_item(const char *item, const struct domcfg_host *host, struct cpumap *m,
			char *err, size_t errlen)
{
	const char *s = item;
	bool off = false, nodes = false;
	if (*s == '^') {
		off = true;
		s++;
	}
	if (!strncmp(s, "node:", 5)) {
		nodes = true;
		s += 5;
	} else if (!strncmp(s, "nodes:", 6)) {
		nodes = true;
		s += 6;
	}
	if (!strcmp(s, "all")) {
		if (off)
			return cpulist_fail(err, errlen, "'%s': '^' cannot be combined with all",
					    item);
		cpumap_set_range(m, 0, host->max_cpus - 1, true);
		return 0;
	}
	unsigned long a, b;
	if (!parse_range(s, &a, &b))
		return cpulist_fail(err, errlen, "'%s' is not a CPU, a range of CPUs (2-5), "
				    "all, or node:N", item);
	if (!nodes) {
		if (b >= host->max_cpus)
			return cpulist_fail(err, errlen, "'%s': CPU %lu does not exist (the host "
					    "has CPUs 0 to %u)", item, b, host->max_cpus - 1);
		cpumap_set_range(m, (unsigned)a, (unsigned)b, !off);
		return 0;
	}
	if (!host->cpu_node)
		return cpulist_fail(err, errlen, "'%s': NUMA nodes cannot be used without the "
				    "host's NUMA topology", item);
	if (b >= host->nr_nodes)
		return cpulist_fail(err, errlen, "'%s': NUMA node %lu does not exist (the host "
				    "has nodes 0 to %u)", item, b, host->nr_nodes - 1);
	for (unsigned i = 0; i < host->max_cpus; i++)
		if (host->cpu_node[i] >= a && host->cpu_node[i] <= b)
			cpumap_set(m, i, !off);
	return 0;
}

int domcfg_parse_cpulist(const char *list, const struct domcfg_host *host, struct cpumap *out,
			 char *err, size_t errlen)
{
	static const struct domcfg_host no_numa = { DOMCFG_MAX_CPUS, 0, NULL };
	struct domcfg_host h = host ? *host : no_numa;
	if (h.max_cpus == 0 || h.max_cpus > DOMCFG_MAX_CPUS)
		h.max_cpus = DOMCFG_MAX_CPUS;
	struct cpumap m;
	memset(&m, 0, sizeof(m));
	char *buf = strdup(list);
	if (!buf)
		return cpulist_fail(err, errlen, "out of memory");
	char *save = NULL;
	int r = 0;
	/* Items are applied in order, so "all,^3" and "^3,all" differ, as in xl. */
	for (char *it = strtok_r(buf, ",", &save); it && !r; it = strtok_r(NULL, ",", &save))
		r = cpulist_item(it, &h, &m, err, errlen);
	free(buf);
	if (!r && cpumap_empty(&m))
		r = cpulist_fail(err, errlen, "selects no CPU");
	if (!r)
		*out = m;
	return r;
}

