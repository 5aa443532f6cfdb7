/*
 * tuneplan: what an I/O tuner (netback-tune/, blkback/) proposes for a host:
 * a list of changes, each with the object it touches, the value it has and
 * the value it should have, the reason in words and the figure the reason
 * rests on; and warnings for what software cannot fix (too little bandwidth,
 * a single HBA), each with the number that shows it. Both tuners fill one;
 * xcd prints it as text or JSON, xcdd carries it out and undoes it.
 */
#ifndef XCD_TUNEPLAN_H
#define XCD_TUNEPLAN_H
#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>

enum tune_kind {
	TUNE_CHANGE,  /* something apply will do */
	TUNE_WARNING, /* something apply cannot do: the host lacks it */
};

struct tune_item {
	enum tune_kind kind;
	char *area;   /* "bond", "netback", "vif-queue", "blkback", "multipath", "fc", ... */
	char *object; /* what it touches: "bond0", "vif7.0-q2", "/sys/module/xen_blkback/parameters/max_ring_page_order", a map's WWID */
	char *from;   /* the value now ("" when it does not exist yet) */
	char *to;     /* the value wanted ("" for a warning) */
	char *reason; /* a sentence: why, with the figure */
	char *figure; /* the number the reason rests on, with its unit: "83 Mbit/s" */
	/* Changes that could cut the host off (a bond over the management NIC)
	 * need apply --confirm and revert themselves when not confirmed. */
	bool risky;
	/* Takes effect only at the module's next load or the next boot. */
	bool on_reload;
	/* Set by verify's caller on a change that was applied but whose effect
	 * comes later (the next load, multipathd reading its configuration),
	 * once it has checked the file holds it: what was written and when it
	 * takes effect. NULL otherwise. */
	char *deferred;
};

struct tune_plan {
	struct tune_item *items;
	size_t n, cap;
};

void tune_plan_init(struct tune_plan *p);
void tune_plan_free(struct tune_plan *p);
/*
 * Adds an item; strings are copied (NULL taken as ""); REASON is printf-
 * style. Returns 0 or -ENOMEM. The item just added is p->items[p->n - 1],
 * for setting risky and on_reload.
 */
int tune_plan_add(struct tune_plan *p, enum tune_kind kind, const char *area,
		  const char *object, const char *from, const char *to, const char *figure,
		  const char *reason_fmt, ...) __attribute__((format(printf, 8, 9)));
size_t tune_plan_count(const struct tune_plan *p, enum tune_kind kind);
/* Copies FROM's items into TO (initialised by the caller). 0 or -ENOMEM. */
int tune_plan_copy(struct tune_plan *to, const struct tune_plan *from);
/* Sets item I's `deferred` (copied). 0 or -ENOMEM. */
int tune_plan_set_deferred(struct tune_plan *p, size_t i, const char *text);
/* Drops item I (the ones after it move up). */
void tune_plan_drop(struct tune_plan *p, size_t i);
/* Drops the items from index N on. */
void tune_plan_truncate(struct tune_plan *p, size_t n);
/* As a JSON array of objects {kind, area, object, from, to, reason, figure,
 * risky, on_reload}. */
int tune_plan_gen_json(yajl_gen g, const struct tune_plan *p);
/* As text a person reads at a glance, one block per item, into *OUT
 * (malloc'd). 0 or -ENOMEM. */
int tune_plan_text(const struct tune_plan *p, char **out);
#endif
