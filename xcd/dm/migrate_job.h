/* migrate_job: a migration's jobs, as the daemon starts them (migrate.c,
 * migrate_in.c) and as they run in their children (migrate_job.c). */
#ifndef XCD_DM_MIGRATE_JOB_H
#define XCD_DM_MIGRATE_JOB_H
#include "../../hv/hv.h"
#include "../../migrate/precopy.h"
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

/* The pipe's ends in a job's child: the first descriptor devjob_run_with
 * keeps (the stream: written by the sender, read by the receiver) and the
 * one after (the sender reads the receiver's messages there). */
#define DM_JOB_FD_A 4

/* The sender's job: its own connection to the host, the guest, the
 * stream's configuration, the policy and the rings to send last. Its
 * events: "progress" (round, final, done, pages, left, rate, predicted_ms,
 * bytes, throttle), "suspend" (ns) for a PVH guest (below), "pause" (ns)
 * for another that runs (the daemon pauses it; the job waits for the pause),
 * "stopped" (ns, CLOCK_MONOTONIC: the pause or its request, or the suspend's
 * request), "whole" once the
 * stream is whole (its figures: rounds, pages, zero_pages, final_pages,
 * bytes, throttle, forced, stopped_ns, why; compression's z_pages,
 * z_saved, codecs_used, peer_answered, peer_codecs), or "stats" (the
 * same) when it failed. With compression asked (OPTS.compress), the job
 * takes the receiver's XCD reads between its batches (migrate/pipe.h). */
struct dm_send_work {
	enum hv_backend backend;
	const char *sim_sock;
	uint32_t domid;
	const char *config; /* JSON, its NUL counted in CONFIG_LEN */
	uint32_t config_len;
	struct mig_precopy_opts opts;
	uint64_t final_pfns[2];
	/* A PVH guest, stopped by its own suspend: the event "suspend" (ns:
	 * when) asks the daemon to ask it (control/shutdown), and the job
	 * waits for shutdown(suspend) (hv_domain_suspend). Else the event
	 * "pause" asks the daemon to pause it, and the job waits for that. */
	bool suspend;
};
int dm_send_work(int fd, void *arg, char *err, size_t errlen);

/* The receiver's job: the new domain filled from the stream, whose first
 * STREAM_OFF bytes (xl's header and config) were read before. Its event
 * "whole" once the stream is read whole. */
struct dm_recv_work {
	enum hv_backend backend;
	const char *sim_sock;
	uint32_t domid;
	uint64_t stream_off;
};
int dm_recv_work(int fd, void *arg, char *err, size_t errlen);
#endif
