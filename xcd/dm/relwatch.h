/* relwatch: xenstore's @releaseDomain watched on a connection of its own, for
 * a job that blocks until a domain shuts down (hv_domain_suspend_wait): xenstored
 * fires it the moment Xen tells it a domain shut down or died, so the job
 * looks at the domain then rather than at its next poll. */
#ifndef XCD_DM_RELWATCH_H
#define XCD_DM_RELWATCH_H

struct relwatch;

/* The watch on the xenstored this process reaches (libxenstore's choice,
 * XENSTORED_PATH as xcdd set it), or NULL (none reachable: errno set; the
 * caller then polls). Open it before asking a guest to shut down. */
struct relwatch *relwatch_open(void);
/* An hv_wait_fn over ARG, a struct relwatch: returns once the watch fired
 * (its events consumed) or after MS milliseconds. */
void relwatch_wait(void *arg, int ms);
void relwatch_close(struct relwatch *w);

#endif
