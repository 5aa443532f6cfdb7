/* job: what the child of a save or a restore needs: a hypervisor handle of
 * its own (the daemon's is not shared across fork) and progress lines at
 * most ten a second (see dm_internal.h). */
#include "dm_internal.h"
#include "../../lib/errmsg.h"
#include "../devjob.h"
#include <stdio.h>
#include <time.h>

void dm_job_progress(void *arg, uint64_t done, uint64_t total)
{
	struct dm_job_progress *p = arg;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long ms = (now.tv_sec - p->last.tv_sec) * 1000LL +
		       (now.tv_nsec - p->last.tv_nsec) / 1000000;
	if (done < total && ms < 100)
		return;
	p->last = now;
	devjob_report_progress(p->fd, done, total);
}

/* A job's own handle on the host (the daemon's is not shared across fork). */
int dm_job_hv(enum hv_backend backend, const char *sock, struct hv **hv, char *err,
		  size_t errlen)
{
	char why[XCD_ERR_MAX];
	int rc = hv_open(backend, backend == HV_SIM ? sock : NULL, hv, why, sizeof(why));
	if (rc < 0)
		snprintf(err, errlen, "the job cannot reach the hypervisor: %s", why);
	return rc;
}
