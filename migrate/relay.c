/* relay: a relay's failure (relay.h). */
#include "relay.h"
#include "../lib/fdio.h"
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

bool mig_relay_fail(struct mig_relay_fail *f, pthread_mutex_t *mu, pthread_cond_t *cv,
		    const char *fmt, va_list ap)
{
	pthread_mutex_lock(mu);
	bool first = !f->failed;
	if (first) {
		vsnprintf(f->why, sizeof(f->why), fmt, ap);
		f->failed = true;
		f->at_ms = (long long)mono_ms();
	}
	pthread_cond_broadcast(cv);
	pthread_mutex_unlock(mu);
	uint64_t one = 1;
	if (first && write(f->stop, &one, sizeof(one)) < 0) {
		/* an eventfd write fails only on overflow: it is readable already */
	}
	return first;
}
