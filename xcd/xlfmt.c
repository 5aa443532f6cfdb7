/* xlfmt: xl's text formats (see xlfmt.h); xl's own code is the reference. */
#include "xlfmt.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int xlfmt_parse_mem_kb(const char *s, uint64_t *kb, char *err, size_t errlen)
{
	const char *p = s;
	uint64_t v = 0;
	if (!isdigit((unsigned char)*p)) {
		snprintf(err, errlen, "\"%.40s\": expected a size such as 512, 512m or 2g", s);
		return -EINVAL;
	}
	for (; isdigit((unsigned char)*p); p++) {
		if (v > (UINT64_MAX - 9) / 10) {
			snprintf(err, errlen, "\"%.40s\": too large", s);
			return -EINVAL;
		}
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p[0] && p[1]) {
		snprintf(err, errlen, "\"%.40s\": bad suffix \"%.20s\" (expected b, k, m, g or t)",
			 s, p);
		return -EINVAL;
	}
	unsigned shift; /* to KiB, left; b is the one right shift */
	switch (tolower((unsigned char)*p)) {
	case 'b':
		v >>= 10;
		shift = 0;
		break;
	case 'k':
		shift = 0;
		break;
	case '\0':
	case 'm':
		shift = 10;
		break;
	case 'g':
		shift = 20;
		break;
	case 't':
		shift = 30;
		break;
	default:
		snprintf(err, errlen, "\"%.40s\": bad suffix \"%.20s\" (expected b, k, m, g or t)",
			 s, p);
		return -EINVAL;
	}
	if (v > (UINT64_MAX >> shift)) {
		snprintf(err, errlen, "\"%.40s\": too large", s);
		return -EINVAL;
	}
	v <<= shift;
	if (v == 0) {
		snprintf(err, errlen, "\"%.40s\": a size of 0 KiB", s);
		return -ERANGE;
	}
	*kb = v;
	return 0;
}

/* Appends to OUT as snprintf would, never past LEN. */
static void append(char *out, size_t len, size_t *used, const char *fmt, unsigned a,
		   unsigned b)
{
	if (*used >= len)
		return;
	int n = snprintf(out + *used, len - *used, fmt, a, b);
	if (n > 0)
		*used += (size_t)n;
}

static void range(char *out, size_t len, size_t *used, bool comma, unsigned first,
		  unsigned last)
{
	append(out, len, used, comma ? ",%u" : "%u", first, 0);
	if (last > first)
		append(out, len, used, "-%u", last, 0);
}

void xlfmt_cpumap(const uint8_t *map, unsigned nbits, char *out, size_t len)
{
	size_t used = 0;
	if (len)
		out[0] = '\0';
	bool any = false, in = false;
	unsigned first = 0;
	for (unsigned i = 0; i < nbits; i++) {
		bool set = map[i / 8] >> (i % 8) & 1;
		if (set && !in) {
			first = i;
			in = true;
		} else if (!set && in) {
			range(out, len, &used, any, first, i - 1);
			any = true;
			in = false;
		}
	}
	if (in && !any && first == 0)
		append(out, len, &used, "all", 0, 0);
	else if (in)
		range(out, len, &used, any, first, nbits - 1);
	else if (!any)
		append(out, len, &used, "none", 0, 0);
}

void xlfmt_list_row(char *out, size_t len, const char *name, long long domid,
		    long long mem_mib, long long vcpus, const char *state, double time_s)
{
	snprintf(out, len, "%-40s %5lld %5lld %5lld     %s %8.1f", name, domid, mem_mib, vcpus,
		 state, time_s);
}

void xlfmt_vcpu_row(char *out, size_t len, const struct xlfmt_vcpu *v)
{
	char cpu[16];
	if (v->online)
		snprintf(cpu, sizeof(cpu), "%5u %3c%c-", v->cpu, v->running ? 'r' : '-',
			 v->blocked ? 'b' : '-');
	else
		snprintf(cpu, sizeof(cpu), "%5c %3c%cp", '-', '-', '-');
	snprintf(out, len, "%-32s %5u %5u%s %9.1f  %s / %s", v->name, v->domid, v->vcpu, cpu,
		 v->time_s, v->hard, v->soft);
}

void xlfmt_uptime(uint64_t s, char *out, size_t len)
{
	unsigned long long day = s / 86400;
	unsigned hour = (unsigned)(s % 86400 / 3600), min = (unsigned)(s % 3600 / 60),
		 sec = (unsigned)(s % 60);
	if (day)
		snprintf(out, len, "%llu day%s, %2u:%02u:%02u", day, day > 1 ? "s" : "", hour,
			 min, sec);
	else
		snprintf(out, len, "%2u:%02u:%02u", hour, min, sec);
}

void xlfmt_uptime_row(char *out, size_t len, const char *name, long long domid,
		      uint64_t seconds)
{
	char up[64];
	xlfmt_uptime(seconds, up, sizeof(up));
	snprintf(out, len, "%-33s %4lld %s", name, domid, up);
}
