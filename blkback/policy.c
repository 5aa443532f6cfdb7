/* policy: io.conf's storage keys (see policy.h). */
#include "policy.h"
#include "host.h"
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void storage_policy_default(struct storage_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->target_mbytes = 400;
	p->paths = 2;
	p->no_path_retry = 12;
	p->fast_io_fail_tmo = 5;
}

void storage_policy_free(struct storage_policy *p)
{
	free(p->luns);
	p->luns = NULL;
	p->n_luns = 0;
}

static int at(char *err, size_t errlen, const struct cfg_pos *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int at(char *err, size_t errlen, const struct cfg_pos *pos, const char *fmt, ...)
{
	int n = snprintf(err, errlen, "%s:%u:%u: ", pos->file, pos->line, pos->column);
	if (n < 0 || (size_t)n >= errlen)
		return -EINVAL;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int number(const struct cfg_setting *s, unsigned min, unsigned max, const char *what,
		  unsigned *out, char *err, size_t errlen)
{
	const struct cfg_value *v = &s->value;
	if (v->type != CFG_NUMBER)
		return at(err, errlen, &v->pos, "%s must be a number (%s), not a %s", s->key, what,
			  cfg_type_name(v->type));
	if (v->num < (long long)min || v->num > (long long)max)
		return at(err, errlen, &v->pos, "%s = %lld: must be from %u to %u (%s)", s->key,
			  v->num, min, max, what);
	*out = (unsigned)v->num;
	return 0;
}

/* "123" -> 123 within [MIN, MAX]. */
static int small_uint(const char *s, size_t len, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v = 0;
	if (!len || len > 6)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < min || v > max)
		return -EINVAL;
	*out = (unsigned)v;
	return 0;
}

static bool wwid_ok(const char *s, size_t len)
{
	if (!len || len >= 128)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_' &&
		    s[i] != ':')
			return false;
	return true;
}

static int lun_entry(const struct cfg_value *v, size_t idx, struct lun_policy *l, char *err,
		     size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->pos = v->pos;
	snprintf(l->file, sizeof(l->file), "%s", v->pos.file);
	l->pos.file = NULL; /* set by the caller to l->file once the array is still */
	if (v->type != CFG_STRING)
		return at(err, errlen, &v->pos, "lun entry %zu must be a string (\"wwid=...,paths=N\"), not a %s",
			  idx + 1, cfg_type_name(v->type));
	const char *s = v->text;
	while (*s) {
		size_t len = strcspn(s, ",");
		const char *eq = memchr(s, '=', len);
		if (!eq)
			return at(err, errlen, &v->pos, "lun entry %zu: '%.*s' is not KEY=VALUE",
				  idx + 1, (int)(len > 40 ? 40 : len), s);
		size_t klen = (size_t)(eq - s), vlen = len - klen - 1;
		const char *val = eq + 1;
		if (klen == 4 && strncmp(s, "wwid", 4) == 0) {
			if (!wwid_ok(val, vlen))
				return at(err, errlen, &v->pos,
					  "lun entry %zu: the wwid must be 1 to 127 letters, digits or .-_:",
					  idx + 1);
			memcpy(l->wwid, val, vlen);
			l->wwid[vlen] = '\0';
		} else if (klen == 5 && strncmp(s, "paths", 5) == 0) {
			if (small_uint(val, vlen, 1, 64, &l->paths) < 0)
				return at(err, errlen, &v->pos, "lun entry %zu: paths must be from 1 to 64",
					  idx + 1);
		} else if (klen == 4 && strncmp(s, "hbas", 4) == 0) {
			if (small_uint(val, vlen, 1, 16, &l->hbas) < 0)
				return at(err, errlen, &v->pos, "lun entry %zu: hbas must be from 1 to 16",
					  idx + 1);
		} else {
			return at(err, errlen, &v->pos,
				  "lun entry %zu: unknown key '%.*s' (wwid, paths, hbas)", idx + 1,
				  (int)(klen > 32 ? 32 : klen), s);
		}
		s += len;
		if (*s == ',' && *++s == '\0')
			return at(err, errlen, &v->pos, "lun entry %zu ends with a comma", idx + 1);
	}
	if (!l->wwid[0])
		return at(err, errlen, &v->pos, "lun entry %zu has no wwid=", idx + 1);
	if (l->paths && l->hbas && l->hbas > l->paths)
		return at(err, errlen, &v->pos, "lun entry %zu: hbas=%u, more than its paths=%u",
			  idx + 1, l->hbas, l->paths);
	return 0;
}

static int luns(const struct cfg_setting *s, struct storage_policy *p, char *err, size_t errlen)
{
	const struct cfg_value *v = &s->value;
	if (v->type != CFG_LIST)
		return at(err, errlen, &v->pos, "lun must be a list of strings ([ \"wwid=...\" ]), not a %s",
			  cfg_type_name(v->type));
	if (v->n_items > STORAGE_MAX_LUNS)
		return at(err, errlen, &v->pos, "lun: %zu entries, more than %d", v->n_items,
			  STORAGE_MAX_LUNS);
	if (v->n_items && !(p->luns = calloc(v->n_items, sizeof(*p->luns))))
		return -ENOMEM;
	for (size_t i = 0; i < v->n_items; i++) {
		int r = lun_entry(&v->items[i], i, &p->luns[i], err, errlen);
		if (r < 0)
			return r;
		p->luns[i].pos.file = p->luns[i].file;
		for (size_t j = 0; j < i; j++)
			if (strcmp(p->luns[j].wwid, p->luns[i].wwid) == 0)
				return at(err, errlen, &v->items[i].pos,
					  "lun entry %zu: wwid %s is already set by entry %zu", i + 1,
					  p->luns[i].wwid, j + 1);
		p->n_luns = i + 1;
	}
	return 0;
}

int storage_policy_from_cfg(const struct cfgfile *cf, struct storage_policy *out, char *err,
			    size_t errlen)
{
	struct storage_policy p;
	storage_policy_default(&p);
	bool hbas_set = false;
	int r = 0;
	for (size_t i = 0; i < cf->n_settings && r == 0; i++) {
		const struct cfg_setting *s = &cf->settings[i];
		if (strcmp(s->key, "lun") == 0) {
			r = luns(s, &p, err, errlen);
			continue;
		}
		if (strncmp(s->key, "storage_", 8) != 0)
			continue; /* another tuner's, or shared */
		const char *k = s->key + 8;
		if (strcmp(k, "target_mbytes") == 0)
			r = number(s, 1, 1000000, "MB/s", &p.target_mbytes, err, errlen);
		else if (strcmp(k, "paths") == 0)
			r = number(s, 1, 64, "live paths per LUN", &p.paths, err, errlen);
		else if (strcmp(k, "hbas") == 0)
			r = number(s, 1, 16, "distinct HBAs per LUN", &p.hbas, err, errlen), hbas_set = true;
		else if (strcmp(k, "no_path_retry") == 0) {
			if (s->value.type == CFG_STRING && (strcmp(s->value.text, "queue") == 0 ||
							    strcmp(s->value.text, "fail") == 0))
				r = at(err, errlen, &s->value.pos,
				       "storage_no_path_retry = \"%s\": must be a number of checks from 1 to %d: "
				       "\"queue\" hangs dom0 and the guests when the last path goes, \"fail\" "
				       "fails I/O at the first blip",
				       s->value.text, STORAGE_MAX_NO_PATH_RETRY);
			else
				r = number(s, 1, STORAGE_MAX_NO_PATH_RETRY, "checks of 5 s; never queue forever",
					   &p.no_path_retry, err, errlen);
		} else if (strcmp(k, "fast_io_fail_tmo") == 0)
			r = number(s, 1, 120, "seconds", &p.fast_io_fail_tmo, err, errlen);
		else if (strcmp(k, "target_port_gbit") == 0)
			r = number(s, 1, 256, "Gbit", &p.target_port_gbit, err, errlen);
		else if (strcmp(k, "queues") == 0) {
			if (s->value.type == CFG_STRING && strcmp(s->value.text, "auto") == 0)
				p.queues = 0;
			else if (s->value.type == CFG_STRING)
				r = at(err, errlen, &s->value.pos,
				       "storage_queues must be \"auto\" or a number from 1 to 256");
			else
				r = number(s, 1, 256, "blkback rings per disk, or \"auto\"", &p.queues, err,
					   errlen);
		} else
			r = at(err, errlen, &s->pos,
			       "unknown key %s (storage_target_mbytes, storage_paths, storage_hbas, "
			       "storage_no_path_retry, storage_fast_io_fail_tmo, storage_target_port_gbit, "
			       "storage_queues, lun)",
			       s->key);
	}
	if (r == 0 && !hbas_set)
		p.hbas = p.paths < 2 ? p.paths : 2;
	if (r == 0 && p.hbas > p.paths) {
		const struct cfg_setting *s = cfgfile_get(cf, "storage_hbas");
		r = at(err, errlen, &s->value.pos, "storage_hbas = %u, more than storage_paths = %u",
		       p.hbas, p.paths);
	}
	if (r < 0) {
		storage_policy_free(&p);
		return r;
	}
	*out = p;
	return 0;
}

int storage_policy_parse(const char *name, const char *data, size_t len, struct storage_policy *p,
			 char *err, size_t errlen)
{
	struct cfgfile *cf;
	int r = cfgfile_parse(name, data, len, &cf, err, errlen);
	if (r < 0)
		return r;
	r = storage_policy_from_cfg(cf, p, err, errlen);
	cfgfile_free(cf);
	return r;
}

int storage_policy_load(const char *path, struct storage_policy *p, char *err, size_t errlen)
{
	struct cfgfile *cf;
	int r = cfgfile_load(path, &cf, err, errlen);
	if (r < 0)
		return r;
	r = storage_policy_from_cfg(cf, p, err, errlen);
	cfgfile_free(cf);
	return r;
}

void storage_policy_for(const struct storage_policy *p, const char *wwid, unsigned *paths,
			unsigned *hbas)
{
	*paths = p->paths;
	*hbas = p->hbas;
	for (size_t i = 0; i < p->n_luns; i++) {
		const struct lun_policy *l = &p->luns[i];
		if (strcmp(l->wwid, wwid) != 0)
			continue;
		if (l->paths)
			*paths = l->paths;
		if (l->hbas)
			*hbas = l->hbas;
		else if (l->paths)
			*hbas = l->paths < 2 ? l->paths : 2;
		if (*hbas > *paths)
			*hbas = *paths;
		return;
	}
}

int storage_policy_check(const struct storage_policy *p, const struct blk_host *h, char *err,
			 size_t errlen)
{
	/* FC's cards, or those the paths run through (off FC: SAS, iSCSI,
	 * virtio-scsi, which have no fc_host), whichever knows more. */
	size_t hbas = blk_host_hbas(h, NULL, NULL, 0), path_hbas = blk_host_path_hbas(h);
	if (path_hbas > hbas)
		hbas = path_hbas;
	for (size_t i = 0; i < p->n_luns; i++) {
		const struct lun_policy *l = &p->luns[i];
		const struct mp_map *m = mpath_by_wwid(&h->mp, l->wwid);
		if (!m)
			return at(err, errlen, &l->pos, "lun wwid=%s: no multipath map has this WWID (%zu maps)",
				  l->wwid, h->mp.n_maps);
		unsigned paths, want_hbas;
		storage_policy_for(p, l->wwid, &paths, &want_hbas);
		const struct blk_map *bm = &h->maps[m - h->mp.maps];
		if (paths > bm->n_paths)
			return at(err, errlen, &l->pos,
				  "lun wwid=%s: paths=%u, but map %s has %zu paths in all", l->wwid, paths,
				  m->name, bm->n_paths);
		if (want_hbas > hbas)
			return at(err, errlen, &l->pos, "lun wwid=%s: hbas=%u, but the host has %zu HBA%s",
				  l->wwid, want_hbas, hbas, hbas == 1 ? "" : "s");
	}
	return 0;
}
