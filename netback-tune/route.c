/* route: the default route's interface (see route.h). */
#include "route.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 16

/* Splits the line at L (N bytes) on blanks into at most MAX_FIELDS fields. */
static size_t split(const char *l, size_t n, const char *f[], size_t fl[])
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < MAX_FIELDS;) {
		while (i < n && (l[i] == ' ' || l[i] == '\t'))
			i++;
		if (i == n)
			break;
		f[k] = l + i;
		while (i < n && l[i] != ' ' && l[i] != '\t')
			i++;
		fl[k] = (size_t)(l + i - f[k]);
		k++;
	}
	return k;
}

static bool is(const char *f, size_t n, const char *want)
{
	return n == strlen(want) && !memcmp(f, want, n);
}

static int take_dev(const char *f, size_t n, char *dev, unsigned line, char *err, size_t errlen)
{
	if (n == 0 || n >= NT_IFNAMSIZ || memchr(f, '/', n)) {
		snprintf(err, errlen, "line %u: '%.*s' is not an interface name", line,
			 (int)(n < 40 ? n : 40), f);
		return -EINVAL;
	}
	memcpy(dev, f, n);
	dev[n] = '\0';
	return 0;
}

/* Each line of TEXT in turn; ROUTE6 picks the format. */
static int scan(const char *text, size_t len, bool route6, char *dev, char *err, size_t errlen)
{
	dev[0] = '\0';
	if (len > NT_ROUTE_MAX_SIZE) {
		snprintf(err, errlen, "larger than %u MiB", NT_ROUTE_MAX_SIZE >> 20);
		return -EINVAL;
	}
	unsigned line = 0;
	for (size_t i = 0; i < len;) {
		const char *l = text + i;
		const char *nl = memchr(l, '\n', len - i);
		size_t n = nl ? (size_t)(nl - l) : len - i;
		i += n + 1;
		line++;
		const char *f[MAX_FIELDS];
		size_t fl[MAX_FIELDS];
		size_t k = split(l, n, f, fl);
		if (k == 0 || (!route6 && line == 1 && is(f[0], fl[0], "Iface")))
			continue;
		if (route6) {
			/* dest plen src splen nexthop metric refcnt use flags dev */
			if (k != 10) {
				snprintf(err, errlen, "line %u: %zu fields, not 10", line, k);
				return -EINVAL;
			}
			if (fl[0] != 32 || fl[1] != 2) {
				snprintf(err, errlen, "line %u: not a destination and prefix length", line);
				return -EINVAL;
			}
			if (is(f[0], 32, "00000000000000000000000000000000") && is(f[1], 2, "00") &&
			    !is(f[9], fl[9], "lo"))
				return take_dev(f[9], fl[9], dev, line, err, errlen);
			continue;
		}
		/* Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT */
		if (k != 11) {
			snprintf(err, errlen, "line %u: %zu fields, not 11", line, k);
			return -EINVAL;
		}
		if (fl[1] != 8 || fl[7] != 8) {
			snprintf(err, errlen, "line %u: not a destination and mask in hexadecimal", line);
			return -EINVAL;
		}
		if (is(f[1], 8, "00000000") && is(f[7], 8, "00000000"))
			return take_dev(f[0], fl[0], dev, line, err, errlen);
	}
	return 0;
}

int nt_route4_default(const char *text, size_t len, char *dev, char *err, size_t errlen)
{
	return scan(text, len, false, dev, err, errlen);
}

int nt_route6_default(const char *text, size_t len, char *dev, char *err, size_t errlen)
{
	return scan(text, len, true, dev, err, errlen);
}
