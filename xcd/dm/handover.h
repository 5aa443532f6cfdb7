/* handover: one of xl's migration pipe messages (migrate/pipe.h) awaited on
 * a descriptor from xcdd's loop, never blocking it: read as it comes, at
 * most to the message's end, within a time limit. Both sides of a
 * migration use it for the exchange that ends one (ready, go, report). */
#ifndef XCD_DM_HANDOVER_H
#define XCD_DM_HANDOVER_H
#include "../../lib/loop.h"
#include "../../migrate/pipe.h"

struct dm_wait;
/* The message came (RC 0; a REPORT's status in STATUS), or not: RC
 * -EPROTO (other bytes), -ECONNRESET (the stream ended), -ETIMEDOUT, or
 * a read errno, with ERR saying so. The wait is over either way (freed
 * after the call). */
typedef void dm_wait_fn(int rc, uint8_t status, const char *err, void *arg);
/* Waits for M on FD (not taken: the caller closes it after) for at most
 * TIMEOUT_MS. 0 with *OUT, or a negative errno (nothing waits). */
int dm_wait_start(struct loop *l, int fd, enum mig_pipe_msg m, uint64_t timeout_ms,
		  dm_wait_fn *fn, void *arg, struct dm_wait **out);
/* The wait takes an XCD reads message before its own (once): a sender
 * that asked, whose job did not see the answer come (pipe.h). */
void dm_wait_allow_reads(struct dm_wait *w);
/* Stops a wait (its FN is not called). */
void dm_wait_stop(struct dm_wait *w);
#endif
