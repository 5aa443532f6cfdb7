/* rpc_migrate: the methods domain.migrate, domain.migrate_receive,
 * domain.migrate_abort and domain.migrate_outcome: parameters and the
 * pipe's descriptors (passed with the request by xcd, SCM_RIGHTS) in, the
 * domain manager's dm_migrate, dm_migrate_receive, dm_migrate_abort and
 * dm_migrate_outcome called, answers out once the migration ends. A caller
 * that leaves aborts its migration (before the commit: after it, an abort
 * is refused and the migration goes on). */
#include "../lib/jsonw.h"
#include "../lib/log.h"
#include "../lib/uuid.h"
#include "../migrate/precopy.h"
#include "clients.h"
#include "rpc_internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A migration whose answer waits: its caller, and the domain by uuid. */
struct mig_wait {
	struct xcdd *x;
	struct rpc_pending *p; /* freed once answered */
	uint8_t uuid[16];
	bool has_uuid; /* the domain is made (or being made) */
	bool tell_devices; /* a receive whose caller is told when its devices are up */
	struct mig_wait *next; /* waits, for the callers that leave */
};

static void wait_forget(struct xcdd *x, struct mig_wait *w)
{
	for (struct mig_wait **q = &x->mig_waits; *q; q = &(*q)->next)
		if (*q == w) {
			*q = w->next;
			break;
		}
	free(w);
}

/* The pipe's two ends, passed with the request: exactly two, or E. */
static int take_pipe(struct xcdd *x, struct client *c, const char *method, int fds[2],
		     struct jsonrpc_error *e)
{
	int got[CLIENT_MAX_FDS];
	unsigned n = c && x->take_fds ? x->take_fds(c, got, CLIENT_MAX_FDS) : 0;
	if (n == 2) {
		fds[0] = got[0];
		fds[1] = got[1];
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		close(got[i]);
	jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, NULL,
			  "%s: expected the migration pipe's two descriptors with the request "
			  "(SCM_RIGHTS, as xcd passes them), got %u", method, n);
	return -EINVAL;
}

/* params.downtime_ms, .max_rounds, .on_no_converge, .bandwidth_mbs,
 * .compress, .command (O->command points into M). */
static int param_opts(const struct jsonrpc_message *m, struct dm_migrate_opts *o,
		      struct jsonrpc_error *e)
{
	long long downtime = 0, rounds = 0, bw = 0;
	const char *nc = "auto-converge";
	memset(o, 0, sizeof(*o));
	if (jsonrpc_param_int(m, "downtime_ms", false, 1, 3600000, &downtime, e) < 0 ||
	    jsonrpc_param_int(m, "max_rounds", false, 1, 1000, &rounds, e) < 0 ||
	    jsonrpc_param_int(m, "bandwidth_mbs", false, 1, 1000000, &bw, e) < 0 ||
	    jsonrpc_param_string(m, "on_no_converge", false, &nc, e) < 0 ||
	    rpc_param_compress(m, "auto", &o->compress, e) < 0 ||
	    jsonrpc_param_string(m, "command", false, &o->command, e) < 0)
		return -EINVAL;
	if (mig_no_converge_parse(nc, &o->policy.on_no_converge) < 0) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.on_no_converge",
				  "params.on_no_converge: %s: expected abort, auto-converge or force",
				  nc);
		return -EINVAL;
	}
	o->policy.downtime_ms = (uint32_t)downtime;
	o->policy.max_rounds = (uint32_t)rounds;
	o->bandwidth = (uint64_t)bw * 1000000u;
	return 0;
}

/* "zstd", "lz4", "zstd+lz4" or "none": the codecs of BITS. */
static const char *codecs_text(uint32_t bits, char *buf, size_t len)
{
	char b[24];
	buf[0] = '\0';
	for (uint32_t c = 1; c <= MIG_CODEC_MAX; c++)
		if (bits & MIG_CODEC_BIT(c))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? "+" : "",
				 mig_codec_name(c, b));
	return buf[0] ? buf : "none";
}

/* The figures of compression and zero pages. */
static int gen_saved(yajl_gen g, const struct dm_migrate_result *r)
{
	char used[32], peer[32];
	return jw_kv_int(g, "zero_saved_bytes", (long long)r->zero_saved) ||
	       jw_kv_int(g, "compressed_pages", (long long)r->z_pages) ||
	       jw_kv_int(g, "compress_saved_bytes", (long long)r->z_saved) ||
	       jw_kv_str(g, "compressed_with", codecs_text(r->codecs_used, used, sizeof(used))) ||
	       jw_kv_str(g, "receiver_reads",
			 r->peer_answered ? codecs_text(r->peer_codecs, peer, sizeof(peer))
					  : "unknown");
}

int rpc_gen_migrated(yajl_gen g, void *arg)
{
	const struct dm_migrate_result *r = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "name", r->name) ||
	    gen_saved(g, r) ||
	    jw_kv_int(g, "rounds", r->rounds) || jw_kv_int(g, "pages", (long long)r->pages) ||
	    jw_kv_int(g, "zero_pages", (long long)r->zero_pages) ||
	    jw_kv_int(g, "final_pages", (long long)r->final_pages) ||
	    jw_kv_int(g, "bytes", (long long)r->bytes) || jw_kv_int(g, "throttle", r->throttle) ||
	    jw_str(g, "forced") || yajl_gen_bool(g, r->forced) != yajl_gen_status_ok ||
	    jw_str(g, "total_ms") || yajl_gen_double(g, r->total_ms) != yajl_gen_status_ok ||
	    jw_str(g, "downtime_ms") || yajl_gen_double(g, r->downtime_ms) != yajl_gen_status_ok ||
	    jw_kv_str(g, "stop", r->why))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static void migrated(struct dm *dm, int rc, const struct dm_migrate_result *r,
		     const struct dm_error *de, void *arg)
{
	struct mig_wait *w = arg;
	(void)dm;
	rpc_pending_dm(w->p, rc, de, rpc_gen_migrated, (void *)r);
	wait_forget(w->x, w);
}

/* A wait, in X's list until its migration ends. */
static struct mig_wait *wait_new(struct xcdd *x, struct client *c,
				 const struct jsonrpc_message *m)
{
	struct mig_wait *w = calloc(1, sizeof(*w));
	if (w && !(w->p = rpc_pending_new(x, c, m))) {
		free(w);
		return NULL;
	}
	if (w) {
		w->x = x;
		w->next = x->mig_waits;
		x->mig_waits = w;
	}
	return w;
}

/* No descriptor with the request: a migration over TCP takes none. */
static int no_fds(struct xcdd *x, struct client *c, struct jsonrpc_error *e)
{
	int got[CLIENT_MAX_FDS];
	unsigned n = c && x->take_fds ? x->take_fds(c, got, CLIENT_MAX_FDS) : 0;
	for (unsigned i = 0; i < n; i++)
		close(got[i]);
	if (!n)
		return 0;
	jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.transport",
			  "params.transport: a migration over TCP takes no descriptors, %u came", n);
	return -EINVAL;
}

/* {domid|name, downtime_ms?, max_rounds?, on_no_converge?, bandwidth_mbs?,
 * compress?, config?, config_file?, command?} with the pipe (to the
 * receiver, from it); or, with {transport, peer, streams?, paused?}, over
 * TCP (rpc_migrate_tcp.c). */
int rpc_m_migrate(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		  char **out, size_t *outlen, struct jsonrpc_error *e)
{
	static const char *const extra[] = { "downtime_ms", "max_rounds", "on_no_converge",
					     "bandwidth_mbs", "config", "config_file", "compress",
					     "command", "transport", "streams", "peer", "paused",
					     NULL };
	const char *text, *transport = NULL;
	struct dm_migrate_opts o;
	struct dm_source src;
	int fds[2];
	struct dm_domain *d = rpc_param_domain(x, m, extra, e);
	/* xl migrate -C CFG: the configuration the receiver makes it from. */
	if (!d || param_opts(m, &o, e) < 0 || rpc_param_kept_config(m, &src, &text, e) < 0 ||
	    jsonrpc_param_string(m, "transport", false, &transport, e) < 0)
		return -EINVAL;
	if (transport && o.command) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.command", "params.command: "
				  "not with params.transport (xcdd reaches the receiver itself)");
		return -EINVAL;
	}
	if (transport)
		return no_fds(x, c, e) < 0 ? -EINVAL
					    : rpc_migrate_tcp(x, c, m, d, &o, text ? &src : NULL, out,
							      outlen, e);
	static const char *const tcp_only[] = { "streams", "peer", "paused", NULL };
	for (const char *const *k = tcp_only; *k; k++) {
		const char *p[] = { *k, NULL };
		if (m->params && yajl_tree_get(m->params, p, yajl_t_any)) {
			jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, NULL, "params.%s: only with "
					  "params.transport (a pipe's receiver is told by its command)",
					  *k);
			return -EINVAL;
		}
	}
	if (take_pipe(x, c, m->method, fds, e) < 0)
		return -EINVAL;
	struct mig_wait *w = wait_new(x, c, m);
	if (!w) {
		close(fds[0]);
		close(fds[1]);
		return -ENOMEM;
	}
	memcpy(w->uuid, d->uuid, sizeof(w->uuid));
	w->has_uuid = true;
	struct dm_error de = { 0 };
	int rc = rpc_dm_error(&de, dm_migrate(&x->dm, d, fds[0], fds[1], text ? &src : NULL, &o,
					      migrated, w, &de), e);
	if (rc == 0)
		return rpc_pending_take(w->p, out, outlen);
	rpc_pending_free(w->p);
	wait_forget(x, w);
	return rc;
}

static void received(struct dm *dm, int rc, struct dm_domain *d, const struct dm_error *de,
		     void *arg)
{
	struct mig_wait *w = arg;
	(void)dm;
	rpc_pending_dm(w->p, rc, de, rpc_gen_domain_ids, d);
	wait_forget(w->x, w);
}

static const char *const receive_params[] = { "config", "stream_offset", "paused",
					      "tell_devices", NULL };

static int gen_devices_up(yajl_gen g, void *arg)
{
	const struct dm_domain *d = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "name", d->name) ||
	    jw_kv_str(g, "devices", "up"))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

void rpc_mig_devices_up(struct dm *m, const struct dm_domain *d, void *arg)
{
	struct xcdd *x = arg;
	(void)m;
	for (struct mig_wait *w = x->mig_waits; w; w = w->next) {
		if (!w->tell_devices || !w->has_uuid || memcmp(w->uuid, d->uuid, 16) != 0)
			continue;
		w->tell_devices = false; /* once */
		char *line = NULL;
		size_t len = 0;
		if (w->p && w->p->client && x->send_to &&
		    jsonrpc_gen_notification("domain.migrate_devices", gen_devices_up, (void *)d,
					     &line, &len) == 0)
			x->send_to(x, w->p->client, line, len);
		free(line);
		return;
	}
}

/* {config, stream_offset, paused?} with the pipe (the stream, the way back):
 * what xcd migrate-receive read of xl's header, and the rest to come. */
int rpc_m_migrate_receive(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
			  char **out, size_t *outlen, struct jsonrpc_error *e)
{
	const char *config = NULL;
	long long off = 0;
	bool paused = false, tell = false;
	int fds[2];
	if (jsonrpc_params_only(m, receive_params, e) < 0 ||
	    jsonrpc_param_string(m, "config", true, &config, e) < 0 ||
	    jsonrpc_param_int(m, "stream_offset", true, 48, 1LL << 32, &off, e) < 0 ||
	    jsonrpc_param_bool(m, "paused", false, &paused, e) < 0 ||
	    jsonrpc_param_bool(m, "tell_devices", false, &tell, e) < 0 ||
	    take_pipe(x, c, m->method, fds, e) < 0)
		return -EINVAL;
	struct mig_wait *w = wait_new(x, c, m);
	if (!w) {
		close(fds[0]);
		close(fds[1]);
		return -ENOMEM;
	}
	struct dm_error de = { 0 };
	/* Its uuid, by which its caller's leaving finds it. */
	int rc = rpc_dm_error(&de, dm_migrate_receive(&x->dm, config, (uint64_t)off, fds[0],
						      fds[1], paused, received, w, w->uuid, &de),
			      e);
	if (rc < 0) {
		rpc_pending_free(w->p);
		wait_forget(x, w);
		return rc;
	}
	w->has_uuid = true;
	w->tell_devices = tell;
	return rpc_pending_take(w->p, out, outlen);
}

static int gen_aborted(yajl_gen g, void *arg)
{
	const char *name = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "name", name) ||
	    jw_kv_str(g, "state", "aborted"))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* {domid|name}: xcd migrate-abort. */
int rpc_m_migrate_abort(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
			char **out, size_t *outlen, struct jsonrpc_error *e)
{
	(void)c;
	struct dm_domain *d = rpc_param_domain(x, m, NULL, e);
	if (!d)
		return -EINVAL;
	char *name = strdup(d->name);
	if (!name)
		return -ENOMEM;
	struct dm_error de = { 0 };
	int rc = rpc_dm_error(&de, dm_migrate_abort(&x->dm, d, &de), e);
	if (rc == 0)
		rc = jsonrpc_gen_result(&m->id, gen_aborted, name, out, outlen);
	free(name);
	return rc;
}

static int gen_outcome(yajl_gen g, void *arg)
{
	const bool *committed = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok ||
	    jw_kv_str(g, "outcome", *committed ? "committed" : "aborted"))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* {id}: the outcome query of a sender in doubt (xcd migrate-receive
 * passes it on) -> {outcome: "committed"|"aborted"}. */
int rpc_m_migrate_outcome(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
			  char **out, size_t *outlen, struct jsonrpc_error *e)
{
	static const char *const params[] = { "id", NULL };
	const char *text = NULL;
	uint8_t id[16];
	bool committed = false;
	(void)c;
	if (jsonrpc_params_only(m, params, e) < 0 ||
	    jsonrpc_param_string(m, "id", true, &text, e) < 0)
		return -EINVAL;
	if (uuid_parse(text, id) < 0) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.id",
				  "params.id: expected a migration's id (a uuid)");
		return -EINVAL;
	}
	struct dm_error de = { 0 };
	int rc = rpc_dm_error(&de, dm_migrate_outcome(&x->dm, id, &committed, &de), e);
	return rc < 0 ? rc : jsonrpc_gen_result(&m->id, gen_outcome, &committed, out, outlen);
}

void rpc_migrate_client_gone(struct xcdd *x, struct client *c)
{
	rpc_migrate_tcp_client_gone(x, c);
	for (struct mig_wait *w = x->mig_waits, *next; w; w = next) {
		next = w->next;
		if (w->p->client != c)
			continue;
		w->p->client = NULL; /* its answer, when it comes, is logged */
		struct dm_domain *d = w->has_uuid ? dm_find_uuid(&x->dm, w->uuid) : NULL;
		struct dm_error e = { 0 };
		if (d && dm_migrate_abort(&x->dm, d, &e) < 0)
			log_info("the caller of the migration of %s left: %s", d->name, e.message);
	}
}
