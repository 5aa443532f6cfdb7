/* mig_ledger: the receiver's decisions (mig_state.h). When a sender's "go"
 * comes, the receiver records that it commits migration ID before it
 * renames and unpauses its copy: that record is the decision. A sender
 * whose pipe broke after its go asks by ID (mig_resolve.c); the receiver
 * answers "committed" while the record exists, "aborted" otherwise, so the
 * record is kept a day (DM_LEDGER_KEEP_S), long after a sender gives up
 * asking (DM_DOUBT_MAX_S). One file per decision under STATEDIR/migrations,
 * written as the domains' journal is (journal.c). */
#include "dm_internal.h"
#include "mig_state.h"
#include "../../lib/fdio.h"
#include "../../lib/jsonw.h"
#include "../../lib/log.h"
#include "../../lib/uuid.h"
#include "../journal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int dm_ledger_open(struct dm *m, const char *statedir, char *err, size_t errlen)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s/migrations", statedir);
	return journal_open(dir, &m->ledger, err, errlen);
}

int dm_ledger_commit(struct dm *m, const uint8_t id[16], const struct dm_domain *d, char *err,
		     size_t errlen)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	int rc = -ENOMEM;
	snprintf(err, errlen, "out of memory");
	if (!g)
		return rc;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "id", UUID_STR(id)) ||
	    jw_kv_str(g, "uuid", UUID_STR(d->uuid)) || jw_kv_str(g, "name", d->pending.mig_name) ||
	    jw_kv_str(g, "outcome", "committed") ||
	    jw_kv_int(g, "committed_at", (long long)time(NULL)) ||
	    yajl_gen_map_close(g) != yajl_gen_status_ok)
		goto out;
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	rc = journal_write(m->ledger, UUID_STR(id), (const char *)buf, len, err, errlen);
out:
	yajl_gen_free(g);
	return rc;
}

int dm_ledger_committed(struct dm *m, const uint8_t id[16])
{
	char *text = NULL, err[XCD_ERR_MAX];
	size_t len;
	int rc = journal_read(m->ledger, UUID_STR(id), &text, &len, err, sizeof(err));
	free(text);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		log_err("the migration ledger: %s", err);
		return rc;
	}
	return 1;
}

int dm_ledger_forget(struct dm *m, const uint8_t id[16], char *err, size_t errlen)
{
	int rc = journal_remove(m->ledger, UUID_STR(id), err, errlen);
	return rc == -ENOENT ? 0 : rc;
}

/* What a prune gathers: the keys of decisions over their time. */
struct prune {
	long long now;
	char (*keys)[JOURNAL_MAX_KEY + 1];
	size_t n, max;
};

static int prune_record(const char *key, yajl_val tree, void *arg)
{
	struct prune *p = arg;
	const char *path[] = { "committed_at", NULL };
	yajl_val at = yajl_tree_get(tree, path, yajl_t_number);
	/* One without its time is over too: nothing asks by a key it lacks. */
	bool over = !at || !YAJL_IS_INTEGER(at) || p->now - YAJL_GET_INTEGER(at) > DM_LEDGER_KEEP_S;
	if (over && p->n < p->max)
		snprintf(p->keys[p->n++], sizeof(p->keys[0]), "%s", key);
	return 0;
}

static void prune_problem(const char *name, const char *what, void *arg)
{
	(void)arg;
	log_warn("the migration ledger: %s: %s", name, what);
}

void dm_ledger_prune(struct dm *m)
{
	long long mono = (long long)(mono_ms() / 1000);
	if (!m->ledger || (m->ledger_pruned && mono - m->ledger_pruned < 60))
		return;
	m->ledger_pruned = mono ? mono : 1;
	/* At most 256 a minute: the ledger never holds more than a day's. */
	struct prune p = { (long long)time(NULL), calloc(256, JOURNAL_MAX_KEY + 1), 0, 256 };
	if (!p.keys)
		return;
	char err[XCD_ERR_MAX];
	struct journal_load_ops ops = { prune_record, prune_problem, &p };
	if (journal_load_all(m->ledger, &ops, err, sizeof(err)) < 0)
		log_warn("the migration ledger: %s", err);
	for (size_t i = 0; i < p.n; i++)
		if (journal_remove(m->ledger, p.keys[i], err, sizeof(err)) < 0)
			log_warn("the migration ledger: %s", err);
		else
			log_debug("the migration ledger: the decision on %s is over a day old: "
				  "removed", p.keys[i]);
	free(p.keys);
}
