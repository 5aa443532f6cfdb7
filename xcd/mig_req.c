/* mig_req: domain.migrate_receive's parameters (mig_req.h). */
#include "mig_req.h"
#include "../lib/jsonw.h"
#include <errno.h>

int mig_receive_params(yajl_gen g, void *arg)
{
	const struct mig_receive_req *r = arg;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "config", r->config) ||
	    jw_kv_int(g, "stream_offset", (long long)r->off) || jw_str(g, "paused") ||
	    yajl_gen_bool(g, r->paused))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}
