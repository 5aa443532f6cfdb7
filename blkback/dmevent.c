/* dmevent: multipath path uevents from the kernel (see dmevent.h). */
#include "dmevent.h"
#include "sysread.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The keys read; each at most once. */
enum { K_ACTION, K_SUBSYSTEM, K_TARGET, K_DM_ACTION, K_PATH, K_NR_VALID, K_NAME, K_UUID, K_N };
static const char *const keys[K_N] = { "ACTION",  "SUBSYSTEM", "DM_TARGET", "DM_ACTION",
				       "DM_PATH", "DM_NR_VALID_PATHS", "DM_NAME", "DM_UUID" };

/* A decimal number of at most 9 digits, all of S, up to MAX. */
static int small_number(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;
	if (n == 0 || n > 9)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The strings of the datagram: the values of KEYS (NULL when absent), each
 * ended by its NUL within BUF. */
static int split(const char *buf, size_t len, const char *val[K_N], char *err, size_t errlen)
{
	size_t off = strnlen(buf, len);
	if (off == len || !memchr(buf, '@', off)) {
		snprintf(err, errlen, "uevent: no \"ACTION@DEVPATH\" header ended by a NUL");
		return -EINVAL;
	}
	for (off++; off < len;) {
		const char *s = buf + off;
		size_t n = strnlen(s, len - off);
		if (off + n == len) {
			snprintf(err, errlen, "uevent: the string at byte %zu has no NUL", off);
			return -EINVAL;
		}
		const char *eq = memchr(s, '=', n);
		if (!eq || eq == s) {
			snprintf(err, errlen, "uevent: the string at byte %zu is no KEY=VALUE", off);
			return -EINVAL;
		}
		for (int k = 0; k < K_N; k++) {
			size_t kl = strlen(keys[k]);
			if ((size_t)(eq - s) != kl || memcmp(s, keys[k], kl) != 0)
				continue;
			if (val[k]) {
				snprintf(err, errlen, "uevent: %s twice (byte %zu)", keys[k], off);
				return -EINVAL;
			}
			val[k] = eq + 1;
		}
		off += n + 1;
	}
	return 0;
}

/* DM_PATH's "MAJOR:MINOR" (the kernel's format_dev_t). */
static int parse_devt(const char *s, unsigned *major, unsigned *minor)
{
	const char *colon = strchr(s, ':');
	if (!colon || small_number(s, (size_t)(colon - s), 4095, major) < 0 ||
	    small_number(colon + 1, strlen(colon + 1), (1u << 20) - 1, minor) < 0)
		return -EINVAL;
	return 0;
}

static bool is(const char *v, const char *want)
{
	return v && strcmp(v, want) == 0;
}

int dm_uevent_parse(const void *buf, size_t len, struct dm_path_event *out, char *err,
		    size_t errlen)
{
	const char *val[K_N] = { 0 };
	if (len == 0 || len > DM_UEVENT_MAX) {
		snprintf(err, errlen, "uevent: %zu bytes (1 to %d)", len, DM_UEVENT_MAX);
		return -EINVAL;
	}
	/* libudev's own messages (group 2) start "libudev": not the kernel's. */
	if (len >= 8 && memcmp(buf, "libudev", 8) == 0)
		return 0;
	int r = split(buf, len, val, err, errlen);
	if (r < 0)
		return r;
	if (!is(val[K_ACTION], "change") || !is(val[K_SUBSYSTEM], "block") ||
	    !is(val[K_TARGET], "multipath") ||
	    !(is(val[K_DM_ACTION], "PATH_FAILED") || is(val[K_DM_ACTION], "PATH_REINSTATED")))
		return 0;
	memset(out, 0, sizeof(*out));
	out->reinstated = is(val[K_DM_ACTION], "PATH_REINSTATED");
	unsigned nr;
	if (!val[K_PATH] || parse_devt(val[K_PATH], &out->major, &out->minor) < 0) {
		snprintf(err, errlen, "uevent %s: DM_PATH is %s%s%s, not MAJOR:MINOR",
			 val[K_DM_ACTION], val[K_PATH] ? "\"" : "", val[K_PATH] ? val[K_PATH] : "absent",
			 val[K_PATH] ? "\"" : "");
		return -EINVAL;
	}
	out->nr_valid = -1;
	if (val[K_NR_VALID]) {
		if (small_number(val[K_NR_VALID], strlen(val[K_NR_VALID]), 1u << 20, &nr) < 0) {
			snprintf(err, errlen, "uevent %s: DM_NR_VALID_PATHS is not a count of paths",
				 val[K_DM_ACTION]);
			return -EINVAL;
		}
		out->nr_valid = (int)nr;
	}
	const char *name = val[K_NAME] ? val[K_NAME] : "", *uuid = val[K_UUID] ? val[K_UUID] : "";
	if (strlen(name) >= sizeof(out->map) || strchr(name, '/') ||
	    strlen(uuid) >= 6 + sizeof(out->wwid)) {
		snprintf(err, errlen, "uevent %s: DM_NAME or DM_UUID too long, or a name with '/'",
			 val[K_DM_ACTION]);
		return -EINVAL;
	}
	strcpy(out->map, name);
	if (strncmp(uuid, "mpath-", 6) == 0)
		strcpy(out->wwid, uuid + 6);
	return 1;
}

int dm_path_dev(const char *root, unsigned major, unsigned minor, char *dev, size_t size)
{
	char rel[64], *real;
	snprintf(rel, sizeof(rel), "sys/dev/block/%u:%u", major, minor);
	int r = sysread_resolve(root, rel, &real);
	if (r < 0)
		return r;
	const char *base = strrchr(real, '/');
	base = base ? base + 1 : real;
	r = *base && strlen(base) < size ? 0 : -ENAMETOOLONG;
	if (r == 0)
		strcpy(dev, base);
	free(real);
	return r;
}
