/*
 * rpc_internal: what xcdd's method files share (rpc_domain.c holds the
 * dispatch table and most methods; rpc_save.c domain.save and
 * domain.restore): answers owed to a caller while a job runs, parameters
 * read, the domain manager's errors mapped.
 */
#ifndef XCD_RPC_INTERNAL_H
#define XCD_RPC_INTERNAL_H
#include "xcdd.h"

/* Each handler answers with a result (filling *out) or fills E; a handler
 * that waits for a job returns 0 with *out NULL (rpc_pending). */
typedef int rpc_fn(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		   char **out, size_t *outlen, struct jsonrpc_error *e);

/*
 * An answer owed to a caller: its request's handler returned, the work goes
 * on (a job). Made before the work starts; if the work ends at once (no
 * loop: the fuzzer; or no devices) the answer is taken back by
 * rpc_pending_take, else it is sent when ready.
 */
struct rpc_pending {
	struct xcdd *x;
	struct client *client; /* NULL: gone away */
	struct jsonrpc_id id;
	char method[32];
	bool owed;  /* the handler returned without the answer */
	char *line; /* the answer, while the handler has not returned */
	size_t len;
	struct rpc_pending *next; /* x->pending, while owed */
};

struct rpc_pending *rpc_pending_new(struct xcdd *x, struct client *c,
				    const struct jsonrpc_message *m);
void rpc_pending_free(struct rpc_pending *p);
void rpc_pending_result(struct rpc_pending *p, jsonrpc_value_fn *fn, void *arg);
void rpc_pending_error(struct rpc_pending *p, const struct jsonrpc_error *e);
/* The end of a domain manager's call that answers P: its result through FN
 * (RC 0) or DE as an error. */
void rpc_pending_dm(struct rpc_pending *p, int rc, const struct dm_error *de,
		    jsonrpc_value_fn *fn, void *arg);
/* params.config (xl.cfg text, which must parse) and .config_file: the
 * configuration a save file or a migration keeps, in *SRC (pointing into M)
 * and *TEXT (NULL: none given). 0, or -EINVAL with E. */
int rpc_param_kept_config(const struct jsonrpc_message *m, struct dm_source *src,
			  const char **text, struct jsonrpc_error *e);
/* params.compress: "auto", "zstd", "lz4" or "off" (ABSENT when absent)
 * into *C. 0, or -EINVAL with E. */
int rpc_param_compress(const struct jsonrpc_message *m, const char *absent,
		       enum mig_compress *c, struct jsonrpc_error *e);
/* {domid, name, uuid} of the struct dm_domain ARG. */
int rpc_gen_domain_ids(yajl_gen g, void *arg);
/* After the work started: the answer if it is ready (*OUT), else owed. */
int rpc_pending_take(struct rpc_pending *p, char **out, size_t *outlen);

/* The domain manager's error DE (of a call that returned RC) in E; RC. */
int rpc_dm_error(const struct dm_error *de, int rc, struct jsonrpc_error *e);
/* {domid} or {name}: exactly one, beside the members EXTRA (NULL-terminated,
 * at most 12; NULL: none). NULL with E filled when there is no such domain. */
struct dm_domain *rpc_param_domain(struct xcdd *x, const struct jsonrpc_message *m,
				   const char *const *extra, struct jsonrpc_error *e);
/* params.config (xl.cfg text), .overrides and the member FILE_KEY (the
 * file's name, for messages) parsed into *OUT. */
int rpc_parse_config(const struct jsonrpc_message *m, const char *file_key, struct domcfg **out,
		     struct jsonrpc_error *e);

/* rpc_save.c */
rpc_fn rpc_m_save, rpc_m_restore;
/* rpc_migrate.c */
rpc_fn rpc_m_migrate, rpc_m_migrate_receive, rpc_m_migrate_abort, rpc_m_migrate_outcome;
/* C went away: the migrations it waits for are aborted (before their commit). */
void rpc_migrate_client_gone(struct xcdd *x, struct client *c);
/* {name, rounds, pages, ..., downtime_ms, stop} of the struct
 * dm_migrate_result ARG: a migration's answer. */
int rpc_gen_migrated(yajl_gen g, void *arg);
/* rpc_migrate_tcp.c: domain.migrate of D with params.transport, O and SRC
 * (NULL: none) read from M already; answered once it ends. */
int rpc_migrate_tcp(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		    struct dm_domain *d, const struct dm_migrate_opts *o,
		    const struct dm_source *src, char **out, size_t *outlen,
		    struct jsonrpc_error *e);
/* C went away: its migrations over TCP stopped or aborted. */
void rpc_migrate_tcp_client_gone(struct xcdd *x, struct client *c);
#endif
