/* mig_req: a migration's receiving side's requests (mig_req.h). */
#include "mig_req.h"
#include "../lib/jsonw.h"
#include "../lib/uuid.h"
#include "json_tree.h"
#include <errno.h>
#include <string.h>

int mig_receive_params(yajl_gen g, void *arg)
{
	const struct mig_receive_req *r = arg;
	if (yajl_gen_map_open(g) || jw_kv_str(g, "config", r->config) ||
	    jw_kv_int(g, "stream_offset", (long long)r->off) || jw_str(g, "paused") ||
	    yajl_gen_bool(g, r->paused))
		return -EINVAL;
	if (r->tell_devices && (jw_str(g, "tell_devices") || yajl_gen_bool(g, 1)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

int mig_outcome_params(yajl_gen g, void *arg)
{
	if (yajl_gen_map_open(g) || jw_kv_str(g, "id", UUID_STR((const uint8_t *)arg)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

enum mig_outcome mig_outcome_result(yajl_val result)
{
	const char *s = result ? jt_str(result, "outcome") : "";
	return !strcmp(s, "committed") ? MIG_OUTCOME_COMMITTED
	       : !strcmp(s, "aborted") ? MIG_OUTCOME_ABORTED
				       : MIG_OUTCOME_UNAVAILABLE;
}
