/* relay: what the TCP transport's two relays (relay_send.c, relay_recv.c)
 * do alike when one of their threads fails: the first failure is the one
 * said, every thread waiting on the relay's condition is woken, and its
 * eventfd turns readable for those waiting in poll (the caller then shuts
 * its data connections, for those in a send or a receive). */
#ifndef XCD_MIGRATE_RELAY_H
#define XCD_MIGRATE_RELAY_H
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>

struct mig_relay_fail {
	bool failed;
	long long at_ms; /* when (mono_ms) */
	char why[512];
	int stop; /* an eventfd, readable once it failed */
};
/* Under MU: the failure FMT (AP) kept unless one came before, CV broadcast,
 * STOP made readable. Whether it was the first. */
bool mig_relay_fail(struct mig_relay_fail *f, pthread_mutex_t *mu, pthread_cond_t *cv,
		    const char *fmt, va_list ap) __attribute__((format(printf, 4, 0)));
#endif
