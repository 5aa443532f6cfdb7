/* mpath: multipathd's JSON document of maps (see mpath.h). */
#include "mpath.h"
#include "../lib/errmsg.h"
#include "sysread.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include "../lib/jsondepth.h"

/* The nesting is measured before yajl builds a tree (lib/jsondepth.h): the
 * document proper is 6 deep (root, maps, map, groups, group, paths, path). */

struct ctx {
	char *err;
	size_t errlen;
	char where[160];
};

static const char *type_name(yajl_val v)
{
	if (!v)
		return "nothing";
	if (YAJL_IS_STRING(v))
		return "a string";
	if (YAJL_IS_INTEGER(v))
		return "an integer";
	if (YAJL_IS_NUMBER(v))
		return "a number";
	if (YAJL_IS_OBJECT(v))
		return "an object";
	if (YAJL_IS_ARRAY(v))
		return "an array";
	if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v))
		return "a boolean";
	return "null";
}

static yajl_val field(yajl_val obj, const char *key)
{
	for (size_t i = 0; i < obj->u.object.len; i++)
		if (strcmp(obj->u.object.keys[i], key) == 0)
			return obj->u.object.values[i];
	return NULL;
}

static int fail(struct ctx *c, const char *key, const char *fmt, const char *arg)
{
	char what[160];
	snprintf(what, sizeof(what), fmt, arg);
	snprintf(c->err, c->errlen, "multipathd JSON: %s%s%s: %s", c->where, *c->where ? "." : "",
		 key, what);
	return -EINVAL;
}

static int get_str(struct ctx *c, yajl_val obj, const char *key, char *out, size_t size,
		   bool required)
{
	yajl_val v = field(obj, key);
	if (!v) {
		out[0] = '\0';
		return required ? fail(c, key, "missing (%s)", "a string is needed") : 0;
	}
	if (!YAJL_IS_STRING(v))
		return fail(c, key, "a string was expected, found %s", type_name(v));
	const char *s = YAJL_GET_STRING(v);
	size_t l = strlen(s);
	if (l >= size) {
		char lim[48];
		snprintf(lim, sizeof(lim), "%zu bytes, more than %zu", l, size - 1);
		return fail(c, key, "%s", lim);
	}
	memcpy(out, s, l + 1);
	return 0;
}

static int get_int(struct ctx *c, yajl_val obj, const char *key, int *out, bool required)
{
	yajl_val v = field(obj, key);
	if (!v) {
		*out = 0;
		return required ? fail(c, key, "missing (%s)", "an integer is needed") : 0;
	}
	if (!YAJL_IS_INTEGER(v))
		return fail(c, key, "an integer was expected, found %s", type_name(v));
	long long n = YAJL_GET_INTEGER(v);
	if (n < INT_MIN || n > INT_MAX)
		return fail(c, key, "%s", "out of range");
	*out = (int)n;
	return 0;
}

static int get_array(struct ctx *c, yajl_val obj, const char *key, size_t max, yajl_val *out)
{
	yajl_val v = field(obj, key);
	if (!v)
		return fail(c, key, "missing (%s)", "an array is needed");
	if (!YAJL_IS_ARRAY(v))
		return fail(c, key, "an array was expected, found %s", type_name(v));
	if (v->u.array.len > max) {
		char lim[64];
		snprintf(lim, sizeof(lim), "%zu entries, more than %zu", v->u.array.len, max);
		return fail(c, key, "%s", lim);
	}
	*out = v;
	return 0;
}

static int push(struct ctx *c, const char *key, size_t i, size_t *saved)
{
	*saved = strlen(c->where);
	int n = snprintf(c->where + *saved, sizeof(c->where) - *saved, "%s%s[%zu]",
			 *saved ? "." : "", key, i);
	return n < 0 || (size_t)n >= sizeof(c->where) - *saved ? -EINVAL : 0;
}

static int need_object(struct ctx *c, yajl_val v)
{
	if (YAJL_IS_OBJECT(v))
		return 0;
	snprintf(c->err, c->errlen, "multipathd JSON: %s: an object was expected, found %s",
		 c->where, type_name(v));
	return -EINVAL;
}

static int parse_path(struct ctx *c, yajl_val v, struct mp_path *p)
{
	int r;
	if ((r = need_object(c, v)) < 0 ||
	    (r = get_str(c, v, "dev", p->dev, sizeof(p->dev), true)) < 0 ||
	    (r = get_str(c, v, "dev_t", p->dev_t, sizeof(p->dev_t), false)) < 0 ||
	    (r = get_str(c, v, "dm_st", p->dm_st, sizeof(p->dm_st), true)) < 0 ||
	    (r = get_str(c, v, "dev_st", p->dev_st, sizeof(p->dev_st), false)) < 0 ||
	    (r = get_str(c, v, "chk_st", p->chk_st, sizeof(p->chk_st), true)) < 0 ||
	    (r = get_str(c, v, "checker", p->checker, sizeof(p->checker), false)) < 0 ||
	    (r = get_int(c, v, "pri", &p->pri, false)) < 0 ||
	    (r = get_str(c, v, "host_wwnn", p->host_wwnn, sizeof(p->host_wwnn), false)) < 0 ||
	    (r = get_str(c, v, "target_wwnn", p->target_wwnn, sizeof(p->target_wwnn), false)) < 0 ||
	    (r = get_str(c, v, "host_wwpn", p->host_wwpn, sizeof(p->host_wwpn), true)) < 0 ||
	    (r = get_str(c, v, "target_wwpn", p->target_wwpn, sizeof(p->target_wwpn), true)) < 0 ||
	    (r = get_str(c, v, "host_adapter", p->host_adapter, sizeof(p->host_adapter), false)) < 0)
		return r;
	return 0;
}

static int parse_group(struct ctx *c, yajl_val v, struct mp_group *g)
{
	int r;
	yajl_val paths;
	if ((r = need_object(c, v)) < 0 ||
	    (r = get_str(c, v, "selector", g->selector, sizeof(g->selector), true)) < 0 ||
	    (r = get_int(c, v, "pri", &g->pri, true)) < 0 ||
	    (r = get_str(c, v, "dm_st", g->dm_st, sizeof(g->dm_st), true)) < 0 ||
	    (r = get_int(c, v, "group", &g->group, false)) < 0 ||
	    (r = get_array(c, v, "paths", MPATH_MAX_PATHS, &paths)) < 0)
		return r;
	if (paths->u.array.len && !(g->paths = calloc(paths->u.array.len, sizeof(*g->paths))))
		return -ENOMEM;
	for (size_t i = 0; i < paths->u.array.len; i++) {
		size_t saved;
		if (push(c, "paths", i, &saved) < 0)
			return -EINVAL;
		r = parse_path(c, paths->u.array.values[i], &g->paths[i]);
		c->where[saved] = '\0';
		if (r < 0)
			return r;
		g->n_paths++;
	}
	return 0;
}

static int parse_map(struct ctx *c, yajl_val v, struct mp_map *m)
{
	int r;
	yajl_val groups;
	if ((r = need_object(c, v)) < 0 ||
	    (r = get_str(c, v, "name", m->name, sizeof(m->name), true)) < 0 ||
	    (r = get_str(c, v, "uuid", m->uuid, sizeof(m->uuid), true)) < 0 ||
	    (r = get_str(c, v, "sysfs", m->sysfs, sizeof(m->sysfs), true)) < 0 ||
	    (r = get_str(c, v, "failback", m->failback, sizeof(m->failback), true)) < 0 ||
	    (r = get_str(c, v, "queueing", m->queueing, sizeof(m->queueing), true)) < 0 ||
	    (r = get_int(c, v, "paths", &m->paths, true)) < 0 ||
	    (r = get_str(c, v, "dm_st", m->dm_st, sizeof(m->dm_st), false)) < 0 ||
	    (r = get_str(c, v, "features", m->features, sizeof(m->features), true)) < 0 ||
	    (r = get_str(c, v, "hwhandler", m->hwhandler, sizeof(m->hwhandler), true)) < 0 ||
	    (r = get_str(c, v, "vend", m->vend, sizeof(m->vend), true)) < 0 ||
	    (r = get_str(c, v, "prod", m->prod, sizeof(m->prod), true)) < 0 ||
	    (r = get_str(c, v, "rev", m->rev, sizeof(m->rev), false)) < 0 ||
	    (r = get_array(c, v, "path_groups", MPATH_MAX_GROUPS, &groups)) < 0)
		return r;
	if (!m->uuid[0])
		return fail(c, "uuid", "%s", "empty: a map has a WWID");
	if (groups->u.array.len && !(m->groups = calloc(groups->u.array.len, sizeof(*m->groups))))
		return -ENOMEM;
	for (size_t i = 0; i < groups->u.array.len; i++) {
		size_t saved;
		if (push(c, "path_groups", i, &saved) < 0)
			return -EINVAL;
		/* Counted before it is filled, so that mpath_free frees
		 * the paths of a group that fails half-way. */
		m->n_groups = i + 1;
		r = parse_group(c, groups->u.array.values[i], &m->groups[i]);
		c->where[saved] = '\0';
		if (r < 0)
			return r;
	}
	return 0;
}

void mpath_free(struct mp_doc *doc)
{
	for (size_t i = 0; i < doc->n_maps; i++) {
		struct mp_map *m = &doc->maps[i];
		for (size_t g = 0; g < m->n_groups; g++)
			free(m->groups[g].paths);
		free(m->groups);
	}
	free(doc->maps);
	memset(doc, 0, sizeof(*doc));
}

int mpath_parse(const char *data, size_t len, struct mp_doc *doc, char *err, size_t errlen)
{
	memset(doc, 0, sizeof(*doc));
	if (len > MPATH_MAX_SIZE) {
		snprintf(err, errlen, "multipathd JSON: %zu bytes, more than %u", len, MPATH_MAX_SIZE);
		return -EFBIG;
	}
	if (memchr(data, '\0', len)) {
		snprintf(err, errlen, "multipathd JSON: a NUL byte in the document");
		return -EINVAL;
	}
	if (!json_depth_ok(data, len, MPATH_MAX_DEPTH)) {
		snprintf(err, errlen, "multipathd JSON: nested deeper than %d", MPATH_MAX_DEPTH);
		return -EINVAL;
	}
	char *s = malloc(len + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, data, len);
	s[len] = '\0';
	char yerr[XCD_ERR_MAX] = "";
	yajl_val root = yajl_tree_parse(s, yerr, sizeof(yerr));
	free(s);
	if (!root) {
		/* yajl's message runs over lines; the first says what. */
		yerr[strcspn(yerr, "\n")] = '\0';
		snprintf(err, errlen, "multipathd JSON: not JSON: %s", *yerr ? yerr : "parse error");
		return -EINVAL;
	}
	struct ctx c = { err, errlen, "" };
	struct mp_doc d = { 0 };
	yajl_val maps;
	int r;
	if ((r = need_object(&c, root)) < 0 ||
	    (r = get_int(&c, root, "major_version", &d.major, true)) < 0 ||
	    (r = get_int(&c, root, "minor_version", &d.minor, true)) < 0 ||
	    (r = get_array(&c, root, "maps", MPATH_MAX_MAPS, &maps)) < 0)
		goto out;
	/* 0.1 since 0.6 (2016); a new major would mean fields changed meaning. */
	if (d.major != 0) {
		snprintf(err, errlen, "multipathd JSON: major_version %d, this reader knows 0", d.major);
		r = -EPROTO;
		goto out;
	}
	if (maps->u.array.len && !(d.maps = calloc(maps->u.array.len, sizeof(*d.maps)))) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < maps->u.array.len; i++) {
		size_t saved;
		push(&c, "maps", i, &saved);
		r = parse_map(&c, maps->u.array.values[i], &d.maps[i]);
		c.where[saved] = '\0';
		if (r < 0) {
			/* The map being parsed holds what it got so far. */
			d.n_maps = i + 1;
			goto out;
		}
		d.n_maps = i + 1;
	}
	r = 0;
out:
	yajl_tree_free(root);
	if (r < 0)
		mpath_free(&d);
	else
		*doc = d;
	return r;
}

int mpath_read(const char *root, const char *rel, struct mp_doc *doc, char *err, size_t errlen)
{
	memset(doc, 0, sizeof(*doc));
	char *data;
	size_t len;
	int r = sysread_whole(root, rel, MPATH_MAX_SIZE, &data, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		snprintf(err, errlen, "%s/%s: %s", root, rel,
			 r == -EFBIG ? "larger than 16 MiB" : strerror(-r));
		return r;
	}
	char perr[XCD_ERR_MAX];
	r = mpath_parse(data, len, doc, perr, sizeof(perr));
	free(data);
	if (r < 0)
		snprintf(err, errlen, "%s/%s: %s", root, rel, perr);
	return r;
}

const struct mp_map *mpath_by_wwid(const struct mp_doc *doc, const char *wwid)
{
	for (size_t i = 0; i < doc->n_maps; i++)
		if (strcmp(doc->maps[i].uuid, wwid) == 0)
			return &doc->maps[i];
	return NULL;
}

const struct mp_map *mpath_by_device(const struct mp_doc *doc, const char *dev)
{
	if (strncmp(dev, "/dev/mapper/", 12) == 0)
		dev += 12;
	else if (strncmp(dev, "/dev/", 5) == 0)
		dev += 5;
	for (size_t i = 0; i < doc->n_maps; i++)
		if (strcmp(doc->maps[i].name, dev) == 0 || strcmp(doc->maps[i].sysfs, dev) == 0)
			return &doc->maps[i];
	return NULL;
}

enum mp_queueing mpath_queueing(const struct mp_map *m, int *checks)
{
	*checks = 0;
	if (strcmp(m->queueing, "off") == 0)
		return MP_QUEUE_FAIL;
	if (strcmp(m->queueing, "on") == 0)
		return MP_QUEUE_FOREVER;
	int n;
	char unit[8];
	if (sscanf(m->queueing, "%d %7s", &n, unit) == 2 && n >= 0 &&
	    (strcmp(unit, "chk") == 0 || strcmp(unit, "sec") == 0)) {
		if (strcmp(unit, "chk") == 0)
			*checks = n;
		return MP_QUEUE_BOUNDED;
	}
	/* "-": no_path_retry unset; then the kernel's queue_if_no_path
	 * feature, when present, queues without end. */
	return strstr(m->features, "queue_if_no_path") ? MP_QUEUE_FOREVER : MP_QUEUE_UNSET;
}

bool mpath_path_live(const struct mp_path *p)
{
	return strcmp(p->dm_st, "active") == 0 &&
	       (strcmp(p->chk_st, "ready") == 0 || strcmp(p->chk_st, "ghost") == 0);
}
