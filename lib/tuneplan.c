/* tuneplan: the tuners' plans (see tuneplan.h). */
#include "tuneplan.h"
#include "jsonw.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void tune_plan_init(struct tune_plan *p) { memset(p, 0, sizeof(*p)); }

static void item_free(struct tune_item *it)
{
	free(it->area);
	free(it->object);
	free(it->from);
	free(it->to);
	free(it->reason);
	free(it->figure);
	free(it->deferred);
}

void tune_plan_free(struct tune_plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		item_free(&p->items[i]);
	free(p->items);
	tune_plan_init(p);
}

int tune_plan_add(struct tune_plan *p, enum tune_kind kind, const char *area,
		  const char *object, const char *from, const char *to, const char *figure,
		  const char *reason_fmt, ...)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 16;
		struct tune_item *ni = realloc(p->items, cap * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		p->items = ni;
		p->cap = cap;
	}
	struct tune_item it = { .kind = kind };
	va_list ap;
	va_start(ap, reason_fmt);
	int r = vasprintf(&it.reason, reason_fmt, ap);
	va_end(ap);
	if (r < 0)
		it.reason = NULL;
	it.area = strdup(area ? area : "");
	it.object = strdup(object ? object : "");
	it.from = strdup(from ? from : "");
	it.to = strdup(to ? to : "");
	it.figure = strdup(figure ? figure : "");
	if (!it.reason || !it.area || !it.object || !it.from || !it.to || !it.figure) {
		item_free(&it);
		return -ENOMEM;
	}
	p->items[p->n++] = it;
	return 0;
}

void tune_plan_truncate(struct tune_plan *p, size_t n)
{
	while (p->n > n)
		item_free(&p->items[--p->n]);
}

void tune_plan_drop(struct tune_plan *p, size_t i)
{
	item_free(&p->items[i]);
	memmove(&p->items[i], &p->items[i + 1], (p->n - i - 1) * sizeof(p->items[0]));
	p->n--;
}

int tune_plan_copy(struct tune_plan *to, const struct tune_plan *from)
{
	for (size_t i = 0; i < from->n; i++) {
		const struct tune_item *it = &from->items[i];
		if (tune_plan_add(to, it->kind, it->area, it->object, it->from, it->to, it->figure,
				  "%s", it->reason) < 0 ||
		    (it->deferred && tune_plan_set_deferred(to, to->n - 1, it->deferred) < 0))
			return -ENOMEM;
		to->items[to->n - 1].risky = it->risky;
		to->items[to->n - 1].on_reload = it->on_reload;
	}
	return 0;
}

int tune_plan_set_deferred(struct tune_plan *p, size_t i, const char *text)
{
	char *d = strdup(text);
	if (!d)
		return -ENOMEM;
	free(p->items[i].deferred);
	p->items[i].deferred = d;
	return 0;
}

size_t tune_plan_count(const struct tune_plan *p, enum tune_kind kind)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += p->items[i].kind == kind;
	return n;
}

int tune_plan_gen_json(yajl_gen g, const struct tune_plan *p)
{
	if (yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	for (size_t i = 0; i < p->n; i++) {
		const struct tune_item *it = &p->items[i];
		if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
		    jw_kv_str(g, "kind", it->kind == TUNE_CHANGE ? "change" : "warning") ||
		    jw_kv_str(g, "area", it->area) || jw_kv_str(g, "object", it->object) ||
		    jw_kv_str(g, "from", it->from) || jw_kv_str(g, "to", it->to) ||
		    jw_kv_str(g, "reason", it->reason) || jw_kv_str(g, "figure", it->figure) ||
		    jw_kv_bool(g, "risky", it->risky) || jw_kv_bool(g, "on_reload", it->on_reload) ||
		    yajl_gen_map_close(g) != yajl_gen_status_ok)
			return -EINVAL;
	}
	return yajl_gen_array_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

int tune_plan_text(const struct tune_plan *p, char **out)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -ENOMEM;
	size_t nc = tune_plan_count(p, TUNE_CHANGE), nw = tune_plan_count(p, TUNE_WARNING);
	if (nc == 0 && nw == 0)
		fprintf(f, "Nothing to change.\n");
	for (int pass = 0; pass < 2; pass++) {
		enum tune_kind want = pass == 0 ? TUNE_CHANGE : TUNE_WARNING;
		size_t k = 0;
		for (size_t i = 0; i < p->n; i++) {
			const struct tune_item *it = &p->items[i];
			if (it->kind != want)
				continue;
			if (want == TUNE_CHANGE)
				fprintf(f, "%zu. %s %s: %s -> %s%s%s\n   %s\n", ++k, it->area,
					it->object, *it->from ? it->from : "(none)", it->to,
					it->risky ? " [needs --confirm]" : "",
					it->on_reload ? " [at the next module load or boot]" : "",
					it->reason);
			else
				fprintf(f, "warning: %s %s: %s\n", it->area, it->object, it->reason);
		}
	}
	if (fclose(f) != 0) {
		free(buf);
		return -ENOMEM;
	}
	*out = buf;
	return 0;
}
