/* disk: xl-disk-configuration(5) (see disk.h). */
#include "disk.h"
#include "json_fields.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The scanner mirrors libxlutil's flex rules so that every spec xl accepts
 * means the same here: at each point all rules are tried, the longest match
 * wins and ties go to the earlier rule. Rules with flex trailing context
 * ("raw:/.*") count the context in their length but consume only the prefix,
 * which is how a deprecated prefix beats a positional parameter.
 */
enum rule {
	R_SPACE,
	R_FORMAT,
	R_CDROM,
	R_DEVTYPE_CDROM,
	R_DEVTYPE_DISK,
	R_DEVTYPE_OTHER,
	R_ACCESS,
	R_BACKEND,
	R_BACKENDTYPE,
	R_SPECIFICATION,
	R_VDEV,
	R_SCRIPT,
	R_DIRECT_IO_SAFE,
	R_DISCARD,
	R_NO_DISCARD,
	R_COLO,
	R_NO_COLO,
	R_COLO_HOST,
	R_COLO_PORT,
	R_COLO_EXPORT,
	R_ACTIVE_DISK,
	R_HIDDEN_DISK,
	R_TRUSTED,
	R_UNTRUSTED,
	R_TARGET,
	R_UNKNOWN_PARAM,
	R_PREFIX_FORMAT,
	R_PREFIX_SCRIPT,
	R_PREFIX_IGNORED,
	R_PREFIX_UNKNOWN,
	R_POSITIONAL,
	R_BAD,
	R_COUNT
};

/* "KEY=" rules, whose value runs to the next comma. */
static const struct {
	enum rule rule;
	const char *prefix;
} kv_rules[] = {
	{ R_FORMAT, "format=" },
	{ R_ACCESS, "access=" },
	{ R_BACKEND, "backend=" },
	{ R_BACKENDTYPE, "backendtype=" },
	{ R_SPECIFICATION, "specification=" },
	{ R_VDEV, "vdev=" },
	{ R_SCRIPT, "script=" },
	{ R_COLO_HOST, "colo-host=" },
	{ R_COLO_PORT, "colo-port=" },
	{ R_COLO_EXPORT, "colo-export=" },
	{ R_ACTIVE_DISK, "active-disk=" },
	{ R_HIDDEN_DISK, "hidden-disk=" },
	{ R_DEVTYPE_OTHER, "devtype=" },
};

/* Whole-word rules: the word and an optional comma. */
static const struct {
	enum rule rule;
	const char *word;
} word_rules[] = {
	{ R_CDROM, "cdrom" },
	{ R_DEVTYPE_CDROM, "devtype=cdrom" },
	{ R_DEVTYPE_DISK, "devtype=disk" },
	{ R_DIRECT_IO_SAFE, "direct-io-safe" },
	{ R_DISCARD, "discard" },
	{ R_NO_DISCARD, "no-discard" },
	{ R_COLO, "colo" },
	{ R_NO_COLO, "no-colo" },
	{ R_TRUSTED, "trusted" },
	{ R_UNTRUSTED, "untrusted" },
};

static const char *const prefix_formats[] = { "raw", "qcow", "qcow2", "vhd" };
static const char *const prefix_scripts[] = { "iscsi", "nbd", "enbd", "drbd" };
static const char *const prefix_ignored[] = { "tapdisk", "tap", "tap2", "aio", "ioemu",
					      "file", "phy" };

struct scan {
	const char *spec;
	struct disk *d;
	bool had_depr_prefix;
	bool access_set;
	const char *at; /* where the current token starts, for messages */
	char *err;
	size_t errlen;
	int failed;
};

static int fail(struct scan *sc, const char *near, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct scan *sc, const char *near, const char *fmt, ...)
{
	if (sc->errlen) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(sc->err, sc->errlen, fmt, ap);
		va_end(ap);
		if (near && n >= 0 && (size_t)n < sc->errlen)
			snprintf(sc->err + n, sc->errlen - n, ": '%s'", near);
	}
	sc->failed = -EINVAL;
	return -EINVAL;
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_lower_digit(char c)
{
	return is_lower(c) || (c >= '0' && c <= '9');
}

/*
 * flex's '.' stops at a newline, so ".*" runs to the next one. Scanning for
 * it afresh at each token would make a long spec quadratic: the scanner
 * keeps the next newline's position and moves it only once passed.
 */
struct line_end {
	const char *from; /* where the last search started */
	const char *nl;   /* the first '\n' (or the final NUL) from there */
};

static size_t dot_star(struct line_end *le, const char *s)
{
	if (!le->nl || s > le->nl || s < le->from) {
		le->from = s;
		le->nl = s + strcspn(s, "\n");
	}
	return (size_t)(le->nl - s);
}

static bool starts(const char *s, const char *prefix, size_t *len)
{
	*len = strlen(prefix);
	return strncmp(s, prefix, *len) == 0;
}

/* Matches "WORD:" against a list; *len gets the prefix length with its colon. */
static bool match_prefix(const char *s, const char *const *words, size_t n, size_t *len)
{
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(words[i]);
		if (strncmp(s, words[i], l) == 0 && s[l] == ':') {
			*len = l + 1;
			return true;
		}
	}
	return false;
}

/*
 * Length of the match of rule R at S for longest-match comparison (*cmp),
 * and how much it consumes (*eat); false if R does not match.
 */
static bool rule_match(enum rule r, const char *s, struct line_end *le, size_t *cmp,
		       size_t *eat)
{
	size_t l;
	switch (r) {
	case R_SPACE:
		l = strspn(s, " \t\n");
		if (!l)
			return false;
		*eat = l;
		*cmp = l + (s[l] ? dot_star(le, s + l) : 0);
		return true;
	case R_TARGET:
		if (!starts(s, "target=", &l))
			return false;
		*eat = *cmp = dot_star(le, s);
		return true;
	case R_UNKNOWN_PARAM:
		/* [a-z][-a-z0-9]*=[^,],? : libxlutil's catch-all for KEY=VALUE */
		if (!is_lower(s[0]))
			return false;
		for (l = 1; is_lower_digit(s[l]) || s[l] == '-'; l++)
			;
		if (s[l] != '=' || !s[l + 1] || s[l + 1] == ',' || s[l + 1] == '\n')
			return false;
		l += 2;
		*eat = *cmp = l + (s[l] == ',');
		return true;
	case R_PREFIX_FORMAT:
	case R_PREFIX_SCRIPT:
	case R_PREFIX_IGNORED:
		if (!(r == R_PREFIX_FORMAT ? match_prefix(s, prefix_formats, 4, &l)
		      : r == R_PREFIX_SCRIPT ? match_prefix(s, prefix_scripts, 4, &l)
		      : match_prefix(s, prefix_ignored, 7, &l)))
			return false;
		*eat = l;
		*cmp = l + dot_star(le, s + l);
		return true;
	case R_PREFIX_UNKNOWN:
		/* [a-z][a-z0-9]*:/([^a-z0-9].*)? */
		if (!is_lower(s[0]))
			return false;
		for (l = 1; is_lower_digit(s[l]); l++)
			;
		if (s[l] != ':')
			return false;
		l++;
		*eat = l;
		*cmp = l;
		if (s[l] && s[l] != '\n' && !is_lower_digit(s[l]))
			*cmp += dot_star(le, s + l);
		return true;
	case R_POSITIONAL:
		/* [^=,]*,|[^=,]+,? */
		l = strcspn(s, "=,");
		if (s[l] == ',')
			l++;
		else if (!l)
			return false;
		*eat = *cmp = l;
		return true;
	case R_BAD:
		if (!s[0] || s[0] == '\n')
			return false;
		*eat = *cmp = 1;
		return true;
	default:
		break;
	}
	for (size_t i = 0; i < sizeof(kv_rules) / sizeof(kv_rules[0]); i++) {
		if (kv_rules[i].rule != r)
			continue;
		if (!starts(s, kv_rules[i].prefix, &l))
			return false;
		l += strcspn(s + l, ",");
		*eat = *cmp = l + (s[l] == ',');
		return true;
	}
	for (size_t i = 0; i < sizeof(word_rules) / sizeof(word_rules[0]); i++) {
		if (word_rules[i].rule != r)
			continue;
		if (!starts(s, word_rules[i].word, &l))
			return false;
		*eat = *cmp = l + (s[l] == ',');
		return true;
	}
	return false;
}

/* A string parameter; setting it twice is an error unless it was empty. */
static int save_string(struct scan *sc, const char *what, char **field, const char *val)
{
	if (*field && **field)
		return fail(sc, val, "%s specified twice", what);
	char *s = strdup(val);
	if (!s)
		return fail(sc, NULL, "out of memory");
	free(*field);
	*field = s;
	return 0;
}

static int set_access(struct scan *sc, const char *v)
{
	if (!strcmp(v, "r") || !strcmp(v, "ro"))
		sc->d->readwrite = 0;
	else if (!strcmp(v, "rw") || !strcmp(v, "w") || !*v)
		sc->d->readwrite = 1;
	else
		return fail(sc, v, "unknown value for access (expected ro, r, rw or w)");
	return 0;
}

static const char *const format_names[] = {
	[DISK_FORMAT_UNKNOWN] = "unknown", [DISK_FORMAT_QCOW] = "qcow",
	[DISK_FORMAT_QCOW2] = "qcow2",     [DISK_FORMAT_VHD] = "vhd",
	[DISK_FORMAT_RAW] = "raw",         [DISK_FORMAT_EMPTY] = "empty",
	[DISK_FORMAT_QED] = "qed",
};

static const char *const backend_names[] = {
	[DISK_BACKEND_UNKNOWN] = "unknown", [DISK_BACKEND_PHY] = "phy",
	[DISK_BACKEND_TAP] = "tap",         [DISK_BACKEND_QDISK] = "qdisk",
	[DISK_BACKEND_STANDALONE] = "standalone",
};

static const char *const specification_names[] = {
	[DISK_SPECIFICATION_UNKNOWN] = "unknown",
	[DISK_SPECIFICATION_XEN] = "xen",
	[DISK_SPECIFICATION_VIRTIO] = "virtio",
};

const char *disk_format_name(enum disk_format f)
{
	return (unsigned)f < sizeof(format_names) / sizeof(format_names[0]) ? format_names[f]
									  : "unknown";
}

const char *disk_specification_name(enum disk_specification sp)
{
	return (unsigned)sp < sizeof(specification_names) / sizeof(specification_names[0])
		       ? specification_names[sp]
		       : "unknown";
}

const char *disk_backend_name(enum disk_backend b)
{
	return (unsigned)b < sizeof(backend_names) / sizeof(backend_names[0]) ? backend_names[b]
									     : "unknown";
}

/* An enum parameter: giving it twice with different values is an error. */
static int set_enum(struct scan *sc, const char *what, int *field, const char *const *names,
		    size_t n, const char *v, const char *expect)
{
	int val = -1;
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v, names[i]))
			val = (int)i;
	if (val < 0)
		return fail(sc, v, "unknown value for %s (expected %s)", what, expect);
	if (*field && *field != val)
		return fail(sc, v, "%s specified twice", what);
	*field = val;
	return 0;
}

static int set_format(struct scan *sc, const char *v)
{
	int f = (int)sc->d->format;
	/* An empty format is the default, raw. */
	int r = set_enum(sc, "format", &f, format_names, 7, *v ? v : "raw",
			 "raw, qcow, qcow2, vhd, qed or empty");
	sc->d->format = (enum disk_format)f;
	return r;
}

/* A positional vdev written as "<vdev>:<devtype>" (deprecated); 1 if it was. */
static int vdev_and_devtype(struct scan *sc, char *tok)
{
	char *colon = strrchr(tok, ':');
	if (!colon)
		return 0;
	*colon++ = '\0';
	if (save_string(sc, "vdev", &sc->d->vdev, tok))
		return -EINVAL;
	if (!strcmp(colon, "cdrom"))
		sc->d->is_cdrom = 1;
	else if (!strcmp(colon, "disk"))
		sc->d->is_cdrom = 0;
	else
		return fail(sc, colon, "unknown device type after ':' (expected cdrom or disk)");
	return 1;
}

static int positional(struct scan *sc, char *tok)
{
	struct disk *d = sc->d;
	if (!d->pdev_path)
		return save_string(sc, "target", &d->pdev_path, tok);
	if (!sc->had_depr_prefix && d->format == DISK_FORMAT_UNKNOWN) {
		/* xend's empty cdrom: ",hdc:cdrom,r" */
		if (!*d->pdev_path) {
			int r = vdev_and_devtype(sc, tok);
			if (r < 0)
				return r;
			if (r) {
				d->format = DISK_FORMAT_EMPTY;
				return 0;
			}
		}
		return set_format(sc, tok);
	}
	if (!d->vdev) {
		int r = vdev_and_devtype(sc, tok);
		if (r < 0)
			return r;
		return r ? 0 : save_string(sc, "vdev", &d->vdev, tok);
	}
	if (!sc->access_set) {
		sc->access_set = true;
		return set_access(sc, tok);
	}
	return fail(sc, tok, "too many positional parameters (expected at most target, "
		    "format, vdev, access)");
}

static int colo_port(struct scan *sc, const char *v)
{
	char *end;
	long port = strtol(v, &end, 10);
	if (end == v || *end || port < 1 || port > 65535)
		return fail(sc, v, "invalid colo-port (expected a port number)");
	sc->d->colo_port = (int)port;
	return 0;
}

/* Runs the action of rule R on TOK, the consumed text with its comma stripped. */
static int action(struct scan *sc, enum rule r, char *tok)
{
	struct disk *d = sc->d;
	char *val = strchr(tok, '=');
	val = val ? val + 1 : tok;
	switch (r) {
	case R_SPACE:
		return 0;
	case R_FORMAT:
		return set_format(sc, val);
	case R_CDROM:
	case R_DEVTYPE_CDROM:
		d->is_cdrom = 1;
		return 0;
	case R_DEVTYPE_DISK:
		d->is_cdrom = 0;
		return 0;
	case R_DEVTYPE_OTHER:
		return fail(sc, val, "unknown value for devtype (expected cdrom or disk)");
	case R_ACCESS:
		return set_access(sc, val);
	case R_BACKEND:
		return save_string(sc, "backend", &d->backend_domname, val);
	case R_BACKENDTYPE: {
		int b = (int)d->backend;
		int e = set_enum(sc, "backendtype", &b, backend_names, 5, val,
				 "phy, tap, qdisk or standalone");
		d->backend = (enum disk_backend)b;
		return e;
	}
	case R_SPECIFICATION: {
		int s = (int)d->specification;
		int e = set_enum(sc, "specification", &s, specification_names, 3, val,
				 "xen or virtio");
		d->specification = (enum disk_specification)s;
		return e;
	}
	case R_VDEV:
		return save_string(sc, "vdev", &d->vdev, val);
	case R_SCRIPT:
		return save_string(sc, "script", &d->script, val);
	case R_DIRECT_IO_SAFE:
		d->direct_io_safe = true;
		return 0;
	case R_DISCARD:
	case R_NO_DISCARD:
		d->discard_enable = r == R_DISCARD ? CFG_DEFBOOL_TRUE : CFG_DEFBOOL_FALSE;
		return 0;
	case R_COLO:
	case R_NO_COLO:
		d->colo_enable = r == R_COLO ? CFG_DEFBOOL_TRUE : CFG_DEFBOOL_FALSE;
		return 0;
	case R_COLO_HOST:
		return save_string(sc, "colo-host", &d->colo_host, val);
	case R_COLO_PORT:
		return colo_port(sc, val);
	case R_COLO_EXPORT:
		return save_string(sc, "colo-export", &d->colo_export, val);
	case R_ACTIVE_DISK:
		return save_string(sc, "active-disk", &d->active_disk, val);
	case R_HIDDEN_DISK:
		return save_string(sc, "hidden-disk", &d->hidden_disk, val);
	case R_TRUSTED:
	case R_UNTRUSTED:
		d->trusted = r == R_TRUSTED ? CFG_DEFBOOL_TRUE : CFG_DEFBOOL_FALSE;
		return 0;
	case R_TARGET:
		return save_string(sc, "target", &d->pdev_path, val);
	case R_UNKNOWN_PARAM: {
		/* The token stops after one value byte (libxlutil's rule): quote it all. */
		char *whole = strndup(sc->at, strcspn(sc->at, ","));
		fail(sc, whole ? whole : tok, "unknown parameter");
		free(whole);
		return -EINVAL;
	}
	case R_PREFIX_FORMAT:
		sc->had_depr_prefix = true;
		tok[strlen(tok) - 1] = '\0'; /* the colon */
		return set_format(sc, tok);
	case R_PREFIX_SCRIPT: {
		sc->had_depr_prefix = true;
		tok[strlen(tok) - 1] = '\0';
		char script[32];
		snprintf(script, sizeof(script), "block-%s", tok);
		return save_string(sc, "script", &d->script, script);
	}
	case R_PREFIX_IGNORED:
		sc->had_depr_prefix = true;
		return 0;
	case R_PREFIX_UNKNOWN:
		return fail(sc, tok, "unknown deprecated disk prefix (known: raw: qcow: qcow2: "
			    "vhd: iscsi: nbd: enbd: drbd: tapdisk: tap: tap2: aio: ioemu: file: "
			    "phy:)");
	case R_POSITIONAL:
		return positional(sc, tok);
	case R_BAD:
	case R_COUNT:
		break;
	}
	return fail(sc, tok, "bad disk syntax");
}

/* The trailing comma that KEY=VALUE, flags and positionals may carry. */
static void strip_comma(char *tok)
{
	size_t n = strlen(tok);
	if (n && tok[n - 1] == ',')
		tok[n - 1] = '\0';
}

static bool rule_strips_comma(enum rule r)
{
	return r != R_SPACE && r != R_PREFIX_FORMAT && r != R_PREFIX_SCRIPT &&
	       r != R_PREFIX_IGNORED && r != R_PREFIX_UNKNOWN && r != R_BAD;
}

static int scan(struct scan *sc)
{
	const char *s = sc->spec;
	struct line_end le = { NULL, NULL };
	while (*s) {
		enum rule best = R_COUNT;
		size_t best_cmp = 0, best_eat = 0;
		for (int r = 0; r < R_COUNT; r++) {
			size_t cmp, eat;
			if (rule_match((enum rule)r, s, &le, &cmp, &eat) && cmp > best_cmp) {
				best = (enum rule)r;
				best_cmp = cmp;
				best_eat = eat;
			}
		}
		if (best == R_BAD || best == R_COUNT) {
			/* libxlutil reports the rest of the spec (to a newline). */
			char *near = strndup(s, dot_star(&le, s));
			fail(sc, near ? near : s, "bad disk syntax");
			free(near);
			return -EINVAL;
		}
		char *tok = strndup(s, best_eat);
		if (!tok)
			return fail(sc, NULL, "out of memory");
		if (rule_strips_comma(best))
			strip_comma(tok);
		sc->at = s;
		int e = action(sc, best, tok);
		free(tok);
		if (e)
			return e;
		s += best_eat;
	}
	return 0;
}

void disk_free(struct disk *d)
{
	free(d->backend_domname);
	free(d->pdev_path);
	free(d->vdev);
	free(d->script);
	free(d->colo_host);
	free(d->colo_export);
	free(d->active_disk);
	free(d->hidden_disk);
	memset(d, 0, sizeof(*d));
}

int disk_parse(const char *spec, struct disk *out, char *err, size_t errlen)
{
	struct disk d = { .readwrite = 1 };
	struct scan sc = { .spec = spec, .d = &d, .err = err, .errlen = errlen };
	if (errlen)
		err[0] = '\0';
	if (scan(&sc))
		goto fail;
	/* The defaults xlu_disk_parse applies. */
	if (d.format == DISK_FORMAT_UNKNOWN)
		d.format = DISK_FORMAT_RAW;
	if (d.is_cdrom) {
		d.removable = 1;
		d.readwrite = 0;
		if (!d.pdev_path || !*d.pdev_path)
			d.format = DISK_FORMAT_EMPTY;
	}
	if (!d.vdev || !*d.vdev) {
		fail(&sc, NULL, "no vdev specified (the guest's device name, e.g. xvda)");
		goto fail;
	}
	/* libxlutil lets an empty target through for libxl to refuse later. */
	if ((!d.pdev_path || !*d.pdev_path) && !d.removable) {
		fail(&sc, NULL, "no target specified (and the device is not a removable cdrom)");
		goto fail;
	}
	*out = d;
	return 0;
fail:
	disk_free(&d);
	return -EINVAL;
}

/* ---- JSON, as libxl_device_disk_gen_json ---- */

yajl_gen_status disk_to_json(yajl_gen g, const struct disk *d)
{
	yajl_gen_status s = yajl_gen_map_open(g);
#define J(call) do { if (s == yajl_gen_status_ok) s = (call); } while (0)
	J(jf_str(g, "backend_domname", d->backend_domname));
	J(jf_str(g, "pdev_path", d->pdev_path));
	J(jf_str(g, "vdev", d->vdev));
	if (d->backend)
		J(jf_str(g, "backend", disk_backend_name(d->backend)));
	if (d->format)
		J(jf_str(g, "format", disk_format_name(d->format)));
	J(jf_str(g, "script", d->script));
	J(jf_int(g, "removable", d->removable));
	J(jf_int(g, "readwrite", d->readwrite));
	J(jf_int(g, "is_cdrom", d->is_cdrom));
	if (d->direct_io_safe) {
		J(jf_key(g, "direct_io_safe"));
		J(yajl_gen_bool(g, 1));
	}
	J(jf_defbool(g, "discard_enable", d->discard_enable));
	if (d->specification)
		J(jf_str(g, "specification", disk_specification_name(d->specification)));
	J(jf_defbool(g, "colo_enable", d->colo_enable));
	J(jf_str(g, "colo_host", d->colo_host));
	J(jf_int(g, "colo_port", d->colo_port));
	J(jf_str(g, "colo_export", d->colo_export));
	J(jf_str(g, "active_disk", d->active_disk));
	J(jf_str(g, "hidden_disk", d->hidden_disk));
	J(jf_defbool(g, "trusted", d->trusted));
	J(yajl_gen_map_close(g));
#undef J
	return s;
}
