/* util: the fixture hosts of nettune-unit and their policies. */
#ifndef XCD_NETTUNE_UNIT_UTIL_H
#define XCD_NETTUNE_UNIT_UTIL_H
#include "../../../lib/tuneplan.h"
#include "../../../netback-tune/nethost.h"
#include "../../../netback-tune/policy.h"

/* NT_FIXTURES/NAME, read; NULL (and a CUnit failure) when it does not read. */
struct nt_host *fixture_host(const char *name);
/* NT_FIXTURES/NAME.conf against H; 0 or the error (printed). */
int fixture_policy(const char *name, const struct nt_host *h, struct nt_policy *p);
/* The first change of AREA and OBJECT, or NULL. */
const struct tune_item *plan_find(const struct tune_plan *p, enum tune_kind kind,
				  const char *area, const char *object);
/* Asserts an item: present, with TO and FIGURE (and a reason holding
 * REASON_PART when not NULL). */
void plan_expect(const struct tune_plan *p, enum tune_kind kind, const char *area,
		 const char *object, const char *from, const char *to, const char *figure,
		 const char *reason_part, const char *file, unsigned line);
#define EXPECT(p, kind, area, object, from, to, figure, reason) \
	plan_expect(p, kind, area, object, from, to, figure, reason, __FILE__, __LINE__)
/* Task PID named NAME, child of PPID (2: a kernel thread) in ROOT's proc:
 * its comm, status (Name:, PPid:) and stat, as the kernel writes them. */
void fixture_task(const char *root, int pid, const char *name, int ppid);
/* Reads a file of the fixtures into a malloc'd string. */
char *fixture_file(const char *rel, size_t *len);
#endif
