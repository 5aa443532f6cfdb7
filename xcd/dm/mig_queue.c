/* mig_queue: at most m->mig_max outgoing migrations at once (xcdd
 * --max-migrations, 2 by default): many at once share the link and the
 * host's CPUs, so each takes longer and each guest's last round (its
 * pause) grows. The rest wait in order, untouched (no record, no job: the
 * guest runs as before), each told where it stands ("queued", with the
 * number before it); an abort or a destroy takes one out. A migration
 * holds its place from its start until it ends or its sender falls into
 * doubt (mig_resolve.c: asking the receiver moves no memory). Migrations
 * this host receives are not counted: their sender already streams, and a
 * receiver that held it back would stall its rounds, not spare its guest. */
#include "dm_internal.h"
#include "mig_state.h"
#include "../../lib/log.h"
#include <errno.h>

static unsigned max_of(const struct dm *m)
{
	return m->mig_max ? m->mig_max : DM_MIGRATIONS_DEFAULT;
}

/* Every queued one told where it stands. */
static void tell_queue(struct dm *m)
{
	uint32_t ahead = 0;
	for (struct dm_mig *q = m->mig_queue; q; q = q->next)
		dm_mig_notify(q->op, "queued", ahead++);
}

/* From the loop: the queue's first ones started while there is room. */
static void kick(struct loop *l, struct loop_timer *t, void *arg)
{
	struct dm *m = arg;
	bool moved = false;
	(void)l;
	(void)t;
	while (m->mig_queue && m->mig_running < max_of(m)) {
		struct dm_mig *mig = m->mig_queue;
		struct dm_op *op = mig->op;
		m->mig_queue = mig->next;
		mig->next = NULL;
		mig->queued = false;
		moved = true;
		int rc = dm_mig_begin(op, &op->e);
		if (rc < 0)
			dm_op_end(op, rc, NULL); /* its caller told; the guest as it was */
	}
	if (moved)
		tell_queue(m);
}

int dm_mig_start_or_queue(struct dm_op *op, struct dm_error *e)
{
	struct dm *m = op->m;
	if (m->mig_running < max_of(m) && !m->mig_queue)
		return dm_mig_begin(op, e);
	if (!m->mig_kick && !(m->mig_kick = loop_timer_new(m->jobs.loop, kick, m))) {
		dm_error_set(e, DM_ERR_NOMEM, NULL, "out of memory");
		return -ENOMEM;
	}
	struct dm_mig **tail = &m->mig_queue;
	unsigned ahead = 0;
	for (; *tail; tail = &(*tail)->next)
		ahead++;
	*tail = op->mig;
	op->mig->queued = true;
	log_info("domain %s: its migration is queued: %u run (at most %u at once), %u wait "
		 "before it", op->d->name, m->mig_running, max_of(m), ahead);
	dm_notify(m, op->d, op->d->state);
	tell_queue(m);
	return 0;
}

void dm_mig_slot_release(struct dm_mig *mig)
{
	struct dm *m = mig->m;
	if (!mig->running)
		return;
	mig->running = false;
	m->mig_running--;
	if (m->mig_queue && m->mig_kick)
		loop_timer_arm(m->mig_kick, 0, 0);
}

void dm_mig_dequeue(struct dm_mig *mig)
{
	struct dm *m = mig->m;
	for (struct dm_mig **q = &m->mig_queue; *q; q = &(*q)->next)
		if (*q == mig) {
			*q = mig->next;
			break;
		}
	mig->next = NULL;
	mig->queued = false;
	tell_queue(m);
}

void dm_set_max_migrations(struct dm *m, unsigned n)
{
	m->mig_max = n;
}
