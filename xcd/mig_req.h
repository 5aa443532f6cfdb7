/* mig_req: the parameters of domain.migrate_receive as both of its callers
 * send them: `xcd migrate-receive` (cli_migrate.c) and xcdd's migration
 * gateway (mig_listen.c). */
#ifndef XCD_MIG_REQ_H
#define XCD_MIG_REQ_H
#include <stdbool.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

struct mig_receive_req {
	const char *config; /* xl's configuration, as the stream carried it */
	uint64_t off;	    /* the bytes of the stream read before */
	bool paused;
};
/* {config, stream_offset, paused} of the struct mig_receive_req ARG: 0 or
 * -EINVAL (a jsonrpc_value_fn). */
int mig_receive_params(yajl_gen g, void *arg);
#endif
