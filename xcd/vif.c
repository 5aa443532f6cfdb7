/* vif: xl-network-configuration(5) (see vif.h). */
#include "vif.h"
#include "json_fields.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* In libxl_device_nic's order, which is the JSON's; xl's key, JSON name. */
static const struct {
	const char *key;
	const char *json;
} colo_keys[VIF_COLO_COUNT] = {
	{ "forwarddev", "coloft_forwarddev" },
	{ "colo_sock_mirror_id", NULL },
	{ "colo_sock_mirror_ip", NULL },
	{ "colo_sock_mirror_port", NULL },
	{ "colo_sock_compare_pri_in_id", NULL },
	{ "colo_sock_compare_pri_in_ip", NULL },
	{ "colo_sock_compare_pri_in_port", NULL },
	{ "colo_sock_compare_sec_in_id", NULL },
	{ "colo_sock_compare_sec_in_ip", NULL },
	{ "colo_sock_compare_sec_in_port", NULL },
	{ "colo_sock_compare_notify_id", NULL },
	{ "colo_sock_compare_notify_ip", NULL },
	{ "colo_sock_compare_notify_port", NULL },
	{ "colo_sock_redirector0_id", NULL },
	{ "colo_sock_redirector0_ip", NULL },
	{ "colo_sock_redirector0_port", NULL },
	{ "colo_sock_redirector1_id", NULL },
	{ "colo_sock_redirector1_ip", NULL },
	{ "colo_sock_redirector1_port", NULL },
	{ "colo_sock_redirector2_id", NULL },
	{ "colo_sock_redirector2_ip", NULL },
	{ "colo_sock_redirector2_port", NULL },
	{ "colo_filter_mirror_queue", NULL },
	{ "colo_filter_mirror_outdev", NULL },
	{ "colo_filter_redirector0_queue", NULL },
	{ "colo_filter_redirector0_indev", NULL },
	{ "colo_filter_redirector0_outdev", NULL },
	{ "colo_filter_redirector1_queue", NULL },
	{ "colo_filter_redirector1_indev", NULL },
	{ "colo_filter_redirector1_outdev", NULL },
	{ "colo_compare_pri_in", NULL },
	{ "colo_compare_sec_in", NULL },
	{ "colo_compare_out", NULL },
	{ "colo_compare_notify_dev", NULL },
	{ "colo_sock_sec_redirector0_id", NULL },
	{ "colo_sock_sec_redirector0_ip", NULL },
	{ "colo_sock_sec_redirector0_port", NULL },
	{ "colo_sock_sec_redirector1_id", NULL },
	{ "colo_sock_sec_redirector1_ip", NULL },
	{ "colo_sock_sec_redirector1_port", NULL },
	{ "colo_filter_sec_redirector0_queue", NULL },
	{ "colo_filter_sec_redirector0_indev", NULL },
	{ "colo_filter_sec_redirector0_outdev", NULL },
	{ "colo_filter_sec_redirector1_queue", NULL },
	{ "colo_filter_sec_redirector1_indev", NULL },
	{ "colo_filter_sec_redirector1_outdev", NULL },
	{ "colo_filter_sec_rewriter0_queue", NULL },
	{ "colo_checkpoint_host", NULL },
	{ "colo_checkpoint_port", NULL },
};

const char *vif_colo_key(unsigned i)
{
	return i < VIF_COLO_COUNT ? colo_keys[i].key : NULL;
}

const char *vif_colo_json_key(unsigned i)
{
	if (i >= VIF_COLO_COUNT)
		return NULL;
	return colo_keys[i].json ? colo_keys[i].json : colo_keys[i].key;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static void warn(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void warn(char *buf, size_t len, const char *fmt, ...)
{
	if (!len)
		return;
	size_t used = strlen(buf);
	if (used && used + 2 < len) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= len)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Leading decimal digits of S as a uint64; *end after them; false on none/overflow. */
static bool decimal(const char *s, uint64_t *v, const char **end)
{
	uint64_t x = 0;
	const char *p = s;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (x > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return false;
		x = x * 10 + (uint64_t)(*p - '0');
	}
	*end = p;
	*v = x;
	return p != s;
}

/* RATE: DIGITS [GMK] (B|b) "/s": bytes (B) or bits (b) per second. */
static int rate_bytes_per_sec(const char *s, uint64_t *out, char *err, size_t errlen)
{
	const char *p;
	uint64_t v;
	if (!decimal(s, &v, &p)) {
		if (*s >= '0' && *s <= '9')
			return fail(err, errlen, "rate '%s' is too large", s);
		return fail(err, errlen, "invalid rate '%s' (expected a number, an optional "
			    "G, M or K, then B/s for bytes or b/s for bits, e.g. 10Mb/s)", s);
	}
	char unit = 0;
	if (*p == 'G' || *p == 'M' || *p == 'K')
		unit = *p++;
	bool bits = *p == 'b';
	if ((*p != 'B' && *p != 'b') || strcmp(p + 1, "/s"))
		return fail(err, errlen, "invalid rate '%s' (expected a number, an optional "
			    "G, M or K, then B/s for bytes or b/s for bits, e.g. 10Mb/s)", s);
	if (v == 0)
		return fail(err, errlen, "rate '%s' is zero (leave rate out for no limit)", s);
	if (v > UINT32_MAX)
		return fail(err, errlen, "rate '%s' is too large", s);
	/* Decimal multiples, then bits to bytes, as libxlutil. */
	if (unit == 'G')
		v *= 1000 * 1000 * 1000;
	else if (unit == 'M')
		v *= 1000 * 1000;
	else if (unit == 'K')
		v *= 1000;
	if (bits)
		v /= 8;
	*out = v;
	return 0;
}

/* INTERVAL: DIGITS [m|u] [s]: seconds without a unit, ms, us. */
static int rate_interval(const char *s, uint32_t *out, char *err, size_t errlen)
{
	const char *p;
	uint64_t v;
	bool ok = decimal(s, &v, &p);
	char unit = 0;
	if (ok && (*p == 'm' || *p == 'u'))
		unit = *p++;
	if (ok && *p == 's')
		p++;
	if (!ok || *p)
		return fail(err, errlen, "invalid replenishment interval '%s' (expected a "
			    "number of s, ms or us, e.g. 20ms)", s);
	if (v == 0)
		return fail(err, errlen, "replenishment interval '%s' is zero", s);
	if (v > UINT32_MAX)
		return fail(err, errlen, "replenishment interval '%s' is too large", s);
	if (unit == 0)
		v *= 1000 * 1000;
	else if (unit == 'm')
		v *= 1000;
	if (v > UINT32_MAX)
		return fail(err, errlen, "replenishment interval '%s' is too large (more "
			    "than %u us)", s, UINT32_MAX);
	*out = (uint32_t)v;
	return 0;
}

int vif_parse_rate(const char *rate, uint64_t *bytes_per_interval, uint32_t *interval_usecs,
		   char *err, size_t errlen)
{
	char *buf = strdup(rate);
	if (!buf)
		return fail(err, errlen, "out of memory");
	char *at = strchr(buf, '@');
	if (at)
		*at++ = '\0';
	uint64_t bps = 0;
	uint32_t usecs = 50000; /* libxlutil's default replenishment: 50 ms */
	int r;
	if (!*buf)
		r = fail(err, errlen, "no rate before '@' in rate '%s'", rate);
	else
		r = rate_bytes_per_sec(buf, &bps, err, errlen);
	if (!r && at)
		r = rate_interval(at, &usecs, err, errlen);
	if (!r && bps > UINT64_MAX / usecs)
		r = fail(err, errlen, "rate '%s' is too large", rate);
	if (!r) {
		*bytes_per_interval = bps * usecs / 1000000;
		*interval_usecs = usecs;
	}
	free(buf);
	return r;
}

static int replace(char **field, const char *val, char *err, size_t errlen)
{
	char *s = strdup(val);
	if (!s)
		return fail(err, errlen, "out of memory");
	free(*field);
	*field = s;
	return 0;
}

int vif_ifname_check(const char *key, const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);
	if (n == 0 || n > VIF_IFNAME_MAX)
		return fail(err, errlen, "invalid %s '%.40s' (an interface name has 1 to %d "
			    "bytes)", key, name, VIF_IFNAME_MAX);
	if (!strcmp(name, ".") || !strcmp(name, "..") || name[0] == '-')
		return fail(err, errlen, "invalid %s '%s' (not '.', '..' nor starting with "
			    "'-')", key, name);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_' || c == '.'))
			return fail(err, errlen, "invalid %s '%s': byte %zu (0x%02x) is not a "
				    "letter, digit, '-', '_' or '.'", key, name, i, c);
	}
	/* vifDOMID.DEVID is what netback names another guest's interface. */
	size_t d1 = n > 3 && !strncmp(name, "vif", 3) ? strspn(name + 3, "0123456789") : 0;
	if (d1 && name[3 + d1] == '.' && name[4 + d1] &&
	    strspn(name + 4 + d1, "0123456789") == strlen(name + 4 + d1))
		return fail(err, errlen, "invalid %s '%s': vifDOMID.DEVID is netback's name for a "
			    "guest's interface", key, name);
	return 0;
}

int vif_ifname_unused(const struct vif *v, const char *sysfs_net, char *err, size_t errlen)
{
	if (!v->ifname)
		return 0;
	char path[PATH_MAX];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s", sysfs_net, v->ifname);
	if (lstat(path, &st) == 0)
		return fail(err, errlen, "vifname=%s names a network interface this host has "
			    "already (%s): a guest's vif must not take it over", v->ifname, path);
	return 0;
}

/* Six groups of one or two hex digits, separated by ':' (or '-'). */
static int parse_mac(const char *s, uint8_t mac[6], char *err, size_t errlen)
{
	const char *p = s;
	for (int i = 0; i < 6; i++) {
		unsigned v = 0;
		int n = 0;
		for (; n < 2; n++, p++) {
			char c = *p;
			int d = c >= '0' && c <= '9' ? c - '0'
			      : c >= 'a' && c <= 'f' ? c - 'a' + 10
			      : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				break;
			v = v * 16 + (unsigned)d;
		}
		bool sep_ok = i == 5 ? *p == '\0' : (*p == ':' || *p == '-');
		if (!n || !sep_ok)
			return fail(err, errlen, "invalid mac '%s' (expected six hex bytes "
				    "separated by colons, e.g. 00:16:3e:74:3d:76)", s);
		mac[i] = (uint8_t)v;
		if (i < 5)
			p++;
	}
	return 0;
}

static int parse_uint(const char *what, const char *s, long max, int *out, char *err,
		      size_t errlen)
{
	const char *p;
	uint64_t v;
	if (!decimal(s, &v, &p) || *p || v > (uint64_t)max)
		return fail(err, errlen, "invalid %s '%s' (expected a number from 0 to %ld)",
			    what, s, max);
	*out = (int)v;
	return 0;
}

/* "KEY=..." : the value after the '=' if TOKEN has that key. */
static const char *option(const char *token, const char *key)
{
	size_t n = strlen(key);
	return strncmp(token, key, n) == 0 && token[n] == '=' ? token + n + 1 : NULL;
}

static int parse_item(struct vif *v, const char *tok, char *warnbuf, size_t warnlen, char *err,
		      size_t errlen)
{
	const char *a;
	if ((a = option(tok, "type"))) {
		if (!strcmp(a, "vif"))
			v->nictype = VIF_NICTYPE_VIF;
		else if (!strcmp(a, "ioemu"))
			v->nictype = VIF_NICTYPE_VIF_IOEMU;
		else
			return fail(err, errlen, "invalid type '%s' (expected vif or ioemu)", a);
		return 0;
	}
	if ((a = option(tok, "mac")))
		return parse_mac(a, v->mac, err, errlen);
	if ((a = option(tok, "bridge")))
		return replace(&v->bridge, a, err, errlen);
	if ((a = option(tok, "netdev"))) {
		warn(warnbuf, warnlen, "netdev= is deprecated, use gatewaydev=");
		return replace(&v->gatewaydev, a, err, errlen);
	}
	if ((a = option(tok, "gatewaydev")))
		return replace(&v->gatewaydev, a, err, errlen);
	if ((a = option(tok, "ip")))
		return replace(&v->ip, a, err, errlen);
	if ((a = option(tok, "script")))
		return replace(&v->script, a, err, errlen);
	if ((a = option(tok, "backend")))
		return replace(&v->backend_domname, a, err, errlen);
	if ((a = option(tok, "vifname")))
		return vif_ifname_check("vifname", a, err, errlen) < 0
			       ? -EINVAL
			       : replace(&v->ifname, a, err, errlen);
	if ((a = option(tok, "model")))
		return replace(&v->model, a, err, errlen);
	if ((a = option(tok, "rate")))
		return vif_parse_rate(a, &v->rate_bytes_per_interval, &v->rate_interval_usecs,
				      err, errlen);
	for (unsigned i = 0; i < VIF_COLO_COUNT; i++)
		if ((a = option(tok, colo_keys[i].key)))
			return replace(&v->colo[i], a, err, errlen);
	if ((a = option(tok, "accel"))) {
		warn(warnbuf, warnlen, "accel= is not supported (ignored, as by xl)");
		return 0;
	}
	if ((a = option(tok, "devid")))
		return parse_uint("devid", a, INT_MAX, &v->devid, err, errlen);
	if ((a = option(tok, "mtu")))
		return parse_uint("mtu", a, 65535, &v->mtu, err, errlen);
	if (!strcmp(tok, "trusted")) {
		v->trusted = CFG_DEFBOOL_TRUE;
		return 0;
	}
	if (!strcmp(tok, "untrusted")) {
		v->trusted = CFG_DEFBOOL_FALSE;
		return 0;
	}
	warn(warnbuf, warnlen, "unknown parameter '%s' ignored", tok);
	return 0;
}

void vif_free(struct vif *v)
{
	free(v->backend_domname);
	free(v->model);
	free(v->ip);
	free(v->bridge);
	free(v->ifname);
	free(v->script);
	free(v->gatewaydev);
	for (unsigned i = 0; i < VIF_COLO_COUNT; i++)
		free(v->colo[i]);
	memset(v, 0, sizeof(*v));
	v->devid = -1;
}

int vif_parse(const char *spec, struct vif *out, char *warnbuf, size_t warnlen, char *err,
	      size_t errlen)
{
	struct vif v = { .devid = -1 };
	if (errlen)
		err[0] = '\0';
	if (warnlen)
		warnbuf[0] = '\0';
	char *buf = strdup(spec);
	if (!buf)
		return fail(err, errlen, "out of memory");
	int r = 0;
	char *save = NULL;
	/* As xl: strtok skips empty items; leading spaces, not trailing, are dropped. */
	for (char *tok = strtok_r(buf, ",", &save); tok && !r; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ')
			tok++;
		r = parse_item(&v, tok, warnbuf, warnlen, err, errlen);
	}
	free(buf);
	if (r) {
		vif_free(&v);
		return r;
	}
	*out = v;
	return 0;
}

/* ---- JSON, as libxl_device_nic_gen_json ---- */

yajl_gen_status vif_to_json(yajl_gen g, const struct vif *v)
{
	static const char *const nictypes[] = { "unknown", "vif_ioemu", "vif" };
	yajl_gen_status s = yajl_gen_map_open(g);
#define J(call) do { if (s == yajl_gen_status_ok) s = (call); } while (0)
	J(jf_str(g, "backend_domname", v->backend_domname));
	if (v->devid != -1) {
		J(jf_key(g, "devid"));
		J(yajl_gen_integer(g, v->devid));
	}
	J(jf_int(g, "mtu", v->mtu));
	J(jf_str(g, "model", v->model));
	if (v->mac[0] | v->mac[1] | v->mac[2] | v->mac[3] | v->mac[4] | v->mac[5]) {
		char mac[18];
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
			 v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
		J(jf_str(g, "mac", mac));
	}
	J(jf_str(g, "ip", v->ip));
	J(jf_str(g, "bridge", v->bridge));
	J(jf_str(g, "ifname", v->ifname));
	J(jf_str(g, "script", v->script));
	if (v->nictype)
		J(jf_str(g, "nictype", nictypes[v->nictype]));
	J(jf_int(g, "rate_bytes_per_interval", (long long)v->rate_bytes_per_interval));
	J(jf_int(g, "rate_interval_usecs", v->rate_interval_usecs));
	J(jf_str(g, "gatewaydev", v->gatewaydev));
	for (unsigned i = 0; i < VIF_COLO_COUNT; i++)
		J(jf_str(g, vif_colo_json_key(i), v->colo[i]));
	if (v->trusted != CFG_DEFBOOL_DEFAULT)
		J(jf_str(g, "trusted", v->trusted == CFG_DEFBOOL_TRUE ? "True" : "False"));
	J(yajl_gen_map_close(g));
#undef J
	return s;
}
