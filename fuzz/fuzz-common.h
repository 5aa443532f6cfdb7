/* fuzz-common: what both xenstored fuzz targets share: quiet logging and the
 * store invariants checked after every step (a broken invariant is a bug even
 * when nothing crashes, so it is turned into an abort that libFuzzer records). */
#ifndef XS_FUZZ_COMMON_H
#define XS_FUZZ_COMMON_H
#include "../tests/lib/xs_harness.h"
#include "../lib/errmsg.h"
#include "../lib/log.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The invariants of the committed store:
 *  - every node but "/" has a parent that lists it (what CONTROL check tests);
 *  - every child a node lists exists;
 *  - each node has an owner (at least one permission entry);
 *  - the per-domain accounting (nodes, memory) equals the sum over the nodes
 *    each domain owns (the node and memory quotas are decided on it).
 * The accounting is checked only with with_accounting (a scan of every domid).
 * Returns NULL, or a description of the first broken one (static buffer). */
/* The checks are the fuzzer's, not the daemon's: no coverage feedback. */
#if defined(__clang__)
#define FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))
#else
#define FUZZ_NO_COVERAGE __attribute__((noinline))
#endif

static FUZZ_NO_COVERAGE bool acct_equal(const struct xs_acct *a, const struct xs_acct *b)
{
	for (unsigned d = 0; d < XS_NDOMIDS; d++)
		if (a[d].nodes != b[d].nodes || a[d].memory != b[d].memory)
			return false;
	return true;
}

static FUZZ_NO_COVERAGE const char *fuzz_store_broken(const struct xs_store *st,
						      bool with_accounting)
{
	static char why[XCD_ERR_MAX];
	struct strmap_iter it;
	static struct xs_acct table[XS_NDOMIDS]; /* static: no page faults per run */
	struct xs_acct *acct = NULL;
	const char *ret = NULL;
	if (with_accounting) {
		acct = table;
		memset(acct, 0, sizeof(table));
	}
	for (struct strmap_entry *e = strmap_next(&st->nodes, &it, NULL); e && !ret;
	     e = strmap_next(&st->nodes, &it, e)) {
		const struct xs_node *n = e->val;
		if (strcmp(n->path, e->key) != 0) {
			snprintf(why, sizeof(why), "node %.200s stored under %.200s", n->path, e->key);
			ret = why;
			break;
		}
		if (n->perms.num == 0) {
			snprintf(why, sizeof(why), "node %.200s has no owner", n->path);
			ret = why;
			break;
		}
		if (acct) {
			acct[node_owner(n)].nodes++;
			acct[node_owner(n)].memory += node_memory(n);
		}
		if (strcmp(n->path, "/") != 0) {
			const char *slash = strrchr(n->path, '/');
			char parent[XENSTORE_ABS_PATH_MAX + 2];
			size_t pl = slash == n->path ? 1 : (size_t)(slash - n->path);
			if (pl >= sizeof(parent))
				pl = sizeof(parent) - 1;
			memcpy(parent, n->path, pl);
			parent[pl] = '\0';
			const struct xs_node *p = store_get(st, parent);
			if (!p || !node_has_child(p, slash + 1)) {
				snprintf(why, sizeof(why), "node %.200s is not linked from its parent %s",
					 n->path, p ? "(which lacks it)" : "(missing)");
				ret = why;
				break;
			}
		}
		size_t plen = strlen(n->path);
		for (const char *c = n->children; c && c < n->children + n->clen;
		     c += strlen(c) + 1) {
			char child[XENSTORE_ABS_PATH_MAX * 2 + 4];
			snprintf(child, sizeof(child), "%s%s%s", n->path, plen > 1 ? "/" : "", c);
			if (!store_get(st, child)) {
				snprintf(why, sizeof(why), "node %.200s lists a missing child %.200s",
					 n->path, c);
				ret = why;
				break;
			}
		}
	}
	if (acct && !ret && !acct_equal(acct, st->acct)) {
		for (unsigned d = 0; d < XS_NDOMIDS; d++) {
			if (acct[d].nodes != st->acct[d].nodes || acct[d].memory != st->acct[d].memory) {
				snprintf(why, sizeof(why),
					 "domain %u accounting: %u nodes / %llu bytes recorded, "
					 "%u nodes / %llu bytes owned",
					 d, st->acct[d].nodes, (unsigned long long)st->acct[d].memory,
					 acct[d].nodes, (unsigned long long)acct[d].memory);
				ret = why;
				break;
			}
		}
	}
	return ret;
}

static void fuzz_quiet_logs(void)
{
	/* Connection kills and the like are expected by the thousand. */
	log_init("xcd-xenstored-fuzz", 0, getenv("XS_FUZZ_VERBOSE") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
}
#endif
