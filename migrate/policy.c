/* policy: when pre-copy stops (precopy.h), from what is left, the link rate
 * measured in this migration and the rounds so far. A pure function: the
 * engine and the unit tests with synthetic dirty rates see the same
 * decisions. */
#include "precopy.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *const nc_names[] = {
	[MIG_NC_AUTO_CONVERGE] = "auto-converge",
	[MIG_NC_ABORT] = "abort",
	[MIG_NC_FORCE] = "force",
};

int mig_no_converge_parse(const char *s, enum mig_no_converge *nc)
{
	for (size_t i = 0; i < sizeof(nc_names) / sizeof(nc_names[0]); i++)
		if (s && strcmp(s, nc_names[i]) == 0) {
			*nc = (enum mig_no_converge)i;
			return 0;
		}
	return -EINVAL;
}

const char *mig_no_converge_name(enum mig_no_converge nc)
{
	return (unsigned)nc < sizeof(nc_names) / sizeof(nc_names[0]) ? nc_names[nc] : "?";
}

/* The stop's memory time: LEFT pages at RATE bytes a second, in ms (a link
 * not measured yet is taken as infinitely slow). */
static double predicted_ms(uint64_t left, double rate)
{
	if (!left)
		return 0;
	if (rate <= 0)
		return 1e300;
	return (double)left * MIG_PAGE_WIRE_BYTES / rate * 1000.0;
}

/* Where no convergence leads, by P's choice: D filled, S updated. */
static void no_converge(const struct mig_policy *p, struct mig_policy_state *s, uint64_t left,
			double rate, uint32_t max_rounds, struct mig_decision *d)
{
	char what[120];
	snprintf(what, sizeof(what), "%s after %u round(s): %llu pages left, %.0f ms at %.1f MB/s",
		 s->rounds >= max_rounds ? "out of rounds" : "not converging", s->rounds,
		 (unsigned long long)left, d->predicted_ms, rate / 1e6);
	bool out_of_rounds = s->rounds >= max_rounds;
	switch (p->on_no_converge) {
	case MIG_NC_ABORT:
		d->action = MIG_ABORT;
		snprintf(d->why, sizeof(d->why), "%s: given up (--on-no-converge abort)", what);
		return;
	case MIG_NC_FORCE:
		d->action = MIG_STOP;
		d->forced = 1;
		snprintf(d->why, sizeof(d->why), "%s: stopped anyway (--on-no-converge force)", what);
		return;
	case MIG_NC_AUTO_CONVERGE:
		break;
	}
	if (out_of_rounds || s->throttle >= MIG_THROTTLE_MAX) {
		d->action = MIG_STOP;
		d->forced = 1;
		snprintf(d->why, sizeof(d->why), "%s, the guest slowed by %u%%: stopped anyway",
			 what, s->throttle);
		return;
	}
	s->throttle = s->throttle ? s->throttle + MIG_THROTTLE_STEP : MIG_THROTTLE_FIRST;
	if (s->throttle > MIG_THROTTLE_MAX)
		s->throttle = MIG_THROTTLE_MAX;
	/* The next rounds are measured against the slowed guest. */
	s->stalls = 0;
	s->best_left = left;
	d->action = MIG_THROTTLE;
	d->throttle = s->throttle;
	snprintf(d->why, sizeof(d->why), "%s: the guest slowed by %u%%", what, s->throttle);
}

void mig_policy_decide(const struct mig_policy *p, const struct mig_policy_state *in,
		       uint64_t left, double rate, struct mig_policy_state *out,
		       struct mig_decision *d)
{
	struct mig_policy_state s = *in;
	uint32_t target = p->downtime_ms ? p->downtime_ms : MIG_DOWNTIME_MS_DEFAULT;
	uint32_t max_rounds = p->max_rounds ? p->max_rounds : MIG_MAX_ROUNDS_DEFAULT;
	/* What memory is given of the target: the reserve is the rest. */
	uint32_t budget = p->reserve_ms < target ? target - p->reserve_ms : 0;
	memset(d, 0, sizeof(*d));
	s.rounds++;
	d->predicted_ms = predicted_ms(left, rate);
	bool fits = d->predicted_ms <= budget;
	if (!fits) {
		/* Shrinking: at least a tenth fewer than the best round so far. */
		if (!s.best_left || left * 10 < s.best_left * 9) {
			s.best_left = left;
			s.stalls = 0;
		} else {
			s.stalls++;
		}
		bool stalled = s.stalls >= (s.throttle ? 1u : 2u);
		if (!stalled && s.rounds < max_rounds) {
			d->action = MIG_ROUND;
			snprintf(d->why, sizeof(d->why), "round %u: %llu pages left, %.0f ms at %.1f MB/s",
				 s.rounds, (unsigned long long)left, d->predicted_ms, rate / 1e6);
			*out = s;
			return;
		}
	}
	/* Within what memory is given; or no longer shrinking, but within the
	 * target itself: the guest is not slowed for what the reserve holds. */
	if (fits || d->predicted_ms <= target) {
		d->action = MIG_STOP;
		snprintf(d->why, sizeof(d->why),
			 "%s after %u round(s): %llu pages left, %.0f ms at %.1f MB/s, within the "
			 "%u ms target (%s%u ms%s for memory)",
			 fits ? "converged" : "no longer shrinking", s.rounds,
			 (unsigned long long)left, d->predicted_ms, rate / 1e6, target,
			 fits ? "" : "not its ", budget, fits ? " of it" : "");
		*out = s;
		return;
	}
	no_converge(p, &s, left, rate, max_rounds, d);
	*out = s;
}
