/* io_summary: changes between two survey documents, and the summary of one
 * (see io_summary.h). */
#include "io_summary.h"
#include "../lib/jsonw.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Members of a document, each NULL when absent or of another type. */
static yajl_val get(yajl_val v, const char *k1, const char *k2, yajl_type t)
{
	const char *path[] = { k1, k2, NULL };
	return v ? yajl_tree_get(v, path, t) : NULL;
}

static const char *str(yajl_val o, const char *k)
{
	yajl_val v = get(o, k, NULL, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : "";
}

static long long num(yajl_val o, const char *k)
{
	yajl_val v = get(o, k, NULL, yajl_t_number);
	return v && YAJL_IS_INTEGER(v) ? YAJL_GET_INTEGER(v) : 0;
}

static bool up(yajl_val o, const char *k)
{
	yajl_val v = get(o, k, NULL, yajl_t_any);
	return v && YAJL_IS_TRUE(v);
}

static size_t len(yajl_val a)
{
	return a && YAJL_IS_ARRAY(a) ? a->u.array.len : 0;
}

static yajl_val at(yajl_val a, size_t i)
{
	return a->u.array.values[i];
}

/* The object of array A whose KEY is VAL, or NULL. */
static yajl_val find(yajl_val a, const char *key, const char *val)
{
	for (size_t i = 0; i < len(a); i++)
		if (YAJL_IS_OBJECT(at(a, i)) && !strcmp(str(at(a, i), key), val))
			return at(a, i);
	return NULL;
}

static yajl_val bridge_guests(yajl_val doc, const char *bridge)
{
	yajl_val br = *bridge ? find(get(doc, "net", "bridges", yajl_t_array), "name", bridge) : NULL;
	return get(br, "guests", NULL, yajl_t_array);
}

static void diff_bonds(yajl_val old, yajl_val new, io_event_fn *fn, void *arg)
{
	yajl_val ob = get(old, "net", "bonds", yajl_t_array);
	yajl_val nb = get(new, "net", "bonds", yajl_t_array);
	for (size_t i = 0; i < len(nb); i++) {
		yajl_val b = at(nb, i), o = find(ob, "name", str(b, "name"));
		yajl_val nm = get(b, "members", NULL, yajl_t_array);
		yajl_val om = get(o, "members", NULL, yajl_t_array);
		long long n_up = 0;
		for (size_t k = 0; k < len(nm); k++)
			n_up += up(at(nm, k), "up");
		for (size_t k = 0; (o || !old) && k < len(nm); k++) {
			yajl_val m = at(nm, k), was = find(om, "name", str(m, "name"));
			if (!old ? up(m, "up") : !was || up(was, "up") == up(m, "up"))
				continue;
			struct io_event ev = { .kind = IO_EV_LINK, .initial = !old, .up = up(m, "up"),
					       .device = str(m, "name"), .bond = str(b, "name"),
					       .bridge = str(b, "bridge"), .members_up = n_up,
					       .members = (long long)len(nm),
					       .guests = bridge_guests(new, str(b, "bridge")) };
			fn(&ev, arg);
		}
	}
}

static void diff_ports(yajl_val old, yajl_val new, io_event_fn *fn, void *arg)
{
	yajl_val op = get(old, "net", "ports", yajl_t_array);
	yajl_val np = get(new, "net", "ports", yajl_t_array);
	for (size_t i = 0; i < len(np); i++) {
		yajl_val p = at(np, i), o = find(op, "name", str(p, "name"));
		if (!old ? up(p, "up")
			 : !o || up(o, "up") == up(p, "up") || strcmp(str(o, "bridge"), str(p, "bridge")))
			continue;
		struct io_event ev = { .kind = IO_EV_LINK, .initial = !old, .up = up(p, "up"),
				       .device = str(p, "name"),
				       .bond = "", .bridge = str(p, "bridge"), .members_up = -1,
				       .members = -1,
				       .guests = bridge_guests(new, str(p, "bridge")) };
		fn(&ev, arg);
	}
}

static void diff_maps(yajl_val old, yajl_val new, io_event_fn *fn, void *arg)
{
	yajl_val om = get(old, "storage", "maps", yajl_t_array);
	yajl_val nm = get(new, "storage", "maps", yajl_t_array);
	for (size_t i = 0; i < len(nm); i++) {
		yajl_val m = at(nm, i), o = find(om, "wwid", str(m, "wwid"));
		if (!o && old)
			continue;
		yajl_val np = get(m, "paths", NULL, yajl_t_array);
		yajl_val op = get(o, "paths", NULL, yajl_t_array);
		struct io_event ev = { .kind = IO_EV_PATH, .initial = !old, .map = str(m, "name"),
				       .wwid = str(m, "wwid"), .live = num(m, "live"),
				       .total = num(m, "total"),
				       .guests = get(m, "guests", NULL, yajl_t_array) };
		/* Paths up or down here, and those gone from the map. */
		for (size_t k = 0; k < len(np); k++) {
			yajl_val p = at(np, k), was = find(op, "dev", str(p, "dev"));
			if (!old ? up(p, "live") : !was || up(was, "live") == up(p, "live"))
				continue;
			ev.up = up(p, "live");
			ev.path = str(p, "dev");
			ev.dm_st = str(p, "dm_st");
			ev.chk_st = str(p, "chk_st");
			fn(&ev, arg);
		}
		for (size_t k = 0; k < len(op); k++) {
			yajl_val was = at(op, k);
			if (!up(was, "live") || find(np, "dev", str(was, "dev")))
				continue;
			ev.up = false;
			ev.path = str(was, "dev");
			ev.dm_st = ev.chk_st = "removed";
			fn(&ev, arg);
		}
	}
}

void io_summary_diff(yajl_val old, yajl_val new, io_event_fn *fn, void *arg)
{
	diff_bonds(old, new, fn, arg);
	diff_ports(old, new, fn, arg);
	diff_maps(old, new, fn, arg);
}

/* ---- what the kernel said ---- */

int io_summary_path_heard(yajl_val doc, const char *wwid, const char *map, const char *dev,
			  bool live, io_event_fn *fn, void *arg)
{
	yajl_val maps = get(doc, "storage", "maps", yajl_t_array);
	yajl_val m = *wwid ? find(maps, "wwid", wwid) : find(maps, "name", map);
	yajl_val p = find(get(m, "paths", NULL, yajl_t_array), "dev", dev);
	yajl_val pl = get(p, "live", NULL, yajl_t_any), ml = get(m, "live", NULL, yajl_t_number);
	yajl_val st = get(p, "dm_st", NULL, yajl_t_string);
	if (!pl || !ml || !YAJL_IS_INTEGER(ml) || !st || !(YAJL_IS_TRUE(pl) || YAJL_IS_FALSE(pl)))
		return -ENOENT;
	if (YAJL_IS_TRUE(pl) == live)
		return 0;
	char *dm_st = strdup(live ? "active" : "failed");
	if (!dm_st)
		return -ENOMEM;
	free(st->u.string);
	st->u.string = dm_st;
	pl->type = live ? yajl_t_true : yajl_t_false;
	/* The count as a number, not its text: what YAJL_GET_INTEGER reads. */
	ml->u.number.i += live ? 1 : -1;
	ml->u.number.d = (double)ml->u.number.i;
	struct io_event ev = { .kind = IO_EV_PATH, .heard = true, .up = live,
			       .map = str(m, "name"), .wwid = str(m, "wwid"), .path = dev,
			       .dm_st = dm_st, .chk_st = str(p, "chk_st"), .live = num(m, "live"),
			       .total = num(m, "total"), .guests = get(m, "guests", NULL, yajl_t_array) };
	fn(&ev, arg);
	return 1;
}

/* ---- the summary ---- */

static int gen_bonds(yajl_gen g, yajl_val doc)
{
	yajl_val bonds = get(doc, "net", "bonds", yajl_t_array);
	if (jw_str(g, "bonds") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < len(bonds); i++) {
		yajl_val b = at(bonds, i), m = get(b, "members", NULL, yajl_t_array);
		long long n_up = 0;
		for (size_t k = 0; k < len(m); k++)
			n_up += up(at(m, k), "up");
		if (yajl_gen_map_open(g) || jw_kv_str(g, "name", str(b, "name")) ||
		    jw_kv_str(g, "mode", str(b, "mode")) || jw_kv_str(g, "bridge", str(b, "bridge")) ||
		    jw_kv_int(g, "members", (long long)len(m)) || jw_kv_int(g, "members_up", n_up) ||
		    jw_str(g, "down") || yajl_gen_array_open(g))
			return -EINVAL;
		for (size_t k = 0; k < len(m); k++)
			if (!up(at(m, k), "up") && jw_str(g, str(at(m, k), "name")))
				return -EINVAL;
		if (yajl_gen_array_close(g) || yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) ? -EINVAL : 0;
}

static int gen_ports(yajl_gen g, yajl_val doc)
{
	yajl_val ports = get(doc, "net", "ports", yajl_t_array);
	if (jw_str(g, "ports") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < len(ports); i++) {
		yajl_val p = at(ports, i);
		if (yajl_gen_map_open(g) || jw_kv_str(g, "name", str(p, "name")) ||
		    jw_kv_str(g, "bridge", str(p, "bridge")) || jw_kv_bool(g, "up", up(p, "up")) ||
		    yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) ? -EINVAL : 0;
}

static int gen_maps(yajl_gen g, yajl_val doc)
{
	yajl_val maps = get(doc, "storage", "maps", yajl_t_array);
	long long paths = 0, live = 0;
	for (size_t i = 0; i < len(maps); i++) {
		paths += num(at(maps, i), "total");
		live += num(at(maps, i), "live");
	}
	if (jw_kv_int(g, "maps", (long long)len(maps)) || jw_kv_int(g, "paths", paths) ||
	    jw_kv_int(g, "paths_live", live) || jw_str(g, "maps_degraded") ||
	    yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < len(maps); i++) {
		yajl_val m = at(maps, i), p = get(m, "paths", NULL, yajl_t_array);
		if (num(m, "live") >= num(m, "total"))
			continue;
		if (yajl_gen_map_open(g) || jw_kv_str(g, "name", str(m, "name")) ||
		    jw_kv_str(g, "wwid", str(m, "wwid")) || jw_kv_int(g, "live", num(m, "live")) ||
		    jw_kv_int(g, "total", num(m, "total")) || jw_str(g, "down") ||
		    yajl_gen_array_open(g))
			return -EINVAL;
		for (size_t k = 0; k < len(p); k++)
			if (!up(at(p, k), "live") && jw_str(g, str(at(p, k), "dev")))
				return -EINVAL;
		if (yajl_gen_array_close(g) || yajl_gen_map_close(g))
			return -EINVAL;
	}
	return yajl_gen_array_close(g) ? -EINVAL : 0;
}

int io_summary_gen(yajl_gen g, yajl_val doc)
{
	yajl_val notes = get(doc, "notes", NULL, yajl_t_array);
	if (gen_bonds(g, doc) || gen_ports(g, doc) || gen_maps(g, doc) ||
	    jw_kv_int(g, "budget_mbytes", num(get(doc, "storage", NULL, yajl_t_object),
					      "budget_mbytes")) ||
	    jw_kv_int(g, "target_mbytes", num(get(doc, "storage", NULL, yajl_t_object),
					      "target_mbytes")) ||
	    jw_str(g, "notes") || yajl_gen_array_open(g))
		return -EINVAL;
	for (size_t i = 0; i < len(notes); i++)
		if (YAJL_IS_STRING(at(notes, i)) && jw_str(g, YAJL_GET_STRING(at(notes, i))))
			return -EINVAL;
	return yajl_gen_array_close(g) ? -EINVAL : 0;
}
