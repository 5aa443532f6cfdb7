/* mig_req: the requests a migration's receiving side makes of its xcdd,
 * as both of its callers send them: `xcd migrate-receive` (cli_migrate.c)
 * and xcdd's migration gateway (mig_listen.c): domain.migrate_receive's
 * parameters, and domain.migrate_outcome's and its answer. */
#ifndef XCD_MIG_REQ_H
#define XCD_MIG_REQ_H
#include "../migrate/outcome.h"
#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

struct mig_receive_req {
	const char *config; /* xl's configuration, as the stream carried it */
	uint64_t off;	    /* the bytes of the stream read before */
	bool paused;
	/* The caller (the migration gateway) is told when the copy's devices
	 * are up (notification domain.migrate_devices). */
	bool tell_devices;
};
/* {config, stream_offset, paused, tell_devices (only when true)} of the
 * struct mig_receive_req ARG: 0 or -EINVAL (a jsonrpc_value_fn). */
int mig_receive_params(yajl_gen g, void *arg);
/* {id} of the migration id ARG (16 bytes), for domain.migrate_outcome. */
int mig_outcome_params(yajl_gen g, void *arg);
/* domain.migrate_outcome's RESULT ({outcome}) as an outcome: anything but
 * "committed" or "aborted" is MIG_OUTCOME_UNAVAILABLE (ask again). */
enum mig_outcome mig_outcome_result(yajl_val result);
#endif
