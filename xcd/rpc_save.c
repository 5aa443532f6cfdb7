/* rpc_save: the methods domain.save and domain.restore, from parameters to
 * the domain manager's dm_save and dm_restore, whose answers wait for jobs. */
#include "../lib/jsonw.h"
#include "../lib/log.h"
#include "../lib/uuid.h"
#include "rpc_internal.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* params.file: a string, an absolute path (xcdd, as root, does not share
 * the caller's working directory), short enough for the journal. */
static int param_file(const struct jsonrpc_message *m, const char **file,
		      struct jsonrpc_error *e)
{
	if (jsonrpc_param_string(m, "file", true, file, e) < 0)
		return -EINVAL;
	if ((*file)[0] != '/') {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.file",
				  "params.file: %s is not an absolute path (xcdd does not "
				  "share the caller's working directory)", *file);
		return -EINVAL;
	}
	if (strlen(*file) + 8 >= DM_SAVE_PATH_MAX) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.file",
				  "params.file: longer than %d bytes", DM_SAVE_PATH_MAX - 8);
		return -EINVAL;
	}
	return 0;
}

int rpc_param_kept_config(const struct jsonrpc_message *m, struct dm_source *src,
			  const char **text, struct jsonrpc_error *e)
{
	const char *cfile = "config";
	*text = NULL;
	if (jsonrpc_param_string(m, "config", false, text, e) < 0 ||
	    jsonrpc_param_string(m, "config_file", false, &cfile, e) < 0)
		return -EINVAL;
	*src = (struct dm_source){ (char *)cfile, (char *)*text, NULL, 0 };
	if (!*text)
		return 0;
	/* Checked now: nothing is made that could not be made again from it. */
	struct domcfg *cfg = NULL;
	if (rpc_parse_config(m, "config_file", &cfg, e) < 0)
		return -EINVAL;
	domcfg_free(cfg);
	return 0;
}

struct save_wait {
	struct rpc_pending *p;
	char *name, *file;
	long long domid;
	bool keep;
};

static int gen_saved(yajl_gen g, void *arg)
{
	struct save_wait *w = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_int(g, "domid", w->domid) ||
	    jw_kv_str(g, "name", w->name) || jw_kv_str(g, "file", w->file) ||
	    jw_kv_str(g, "state", w->keep ? "kept" : "gone"))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static void save_wait_free(struct save_wait *w)
{
	free(w->name);
	free(w->file);
	free(w);
}

static void save_done(struct dm *dm, int rc, struct dm_domain *d, const struct dm_error *de,
		      void *arg)
{
	struct save_wait *w = arg;
	(void)dm;
	(void)d;
	rpc_pending_dm(w->p, rc, de, gen_saved, w);
	save_wait_free(w);
}

int rpc_param_compress(const struct jsonrpc_message *m, const char *absent,
		       enum mig_compress *c, struct jsonrpc_error *e)
{
	const char *s = absent;
	if (jsonrpc_param_string(m, "compress", false, &s, e) < 0)
		return -EINVAL;
	if (mig_compress_parse(s, c) < 0) {
		jsonrpc_error_set(e, JSONRPC_INVALID_PARAMS, "params.compress",
				  "params.compress: %s: expected auto, zstd, lz4 or off", s);
		return -EINVAL;
	}
	return 0;
}

/* {domid|name, file, keep?, paused?, compress?}: xl save [-c] [-p]; xcd's
 * --compress. */
int rpc_m_save(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
	       size_t *outlen, struct jsonrpc_error *e)
{
	static const char *const extra[] = { "file", "keep", "paused", "config", "config_file",
					     "compress", NULL };
	const char *file = NULL, *text = NULL;
	bool keep = false, paused = false;
	enum mig_compress compress;
	struct dm_domain *d = rpc_param_domain(x, m, extra, e);
	if (!d || param_file(m, &file, e) < 0 ||
	    jsonrpc_param_bool(m, "keep", false, &keep, e) < 0 ||
	    jsonrpc_param_bool(m, "paused", false, &paused, e) < 0 ||
	    rpc_param_compress(m, "off", &compress, e) < 0)
		return -EINVAL;
	/* xl save DOM FILE CFG: CFG is what the file keeps to restore from. */
	struct dm_source src;
	if (rpc_param_kept_config(m, &src, &text, e) < 0)
		return -EINVAL;
	struct save_wait *w = calloc(1, sizeof(*w));
	struct rpc_pending *p = w ? rpc_pending_new(x, c, m) : NULL;
	if (!p || !(w->name = strdup(d->name)) || !(w->file = strdup(file))) {
		if (p)
			rpc_pending_free(p);
		if (w)
			save_wait_free(w);
		return -ENOMEM;
	}
	w->p = p;
	w->domid = d->domid;
	w->keep = keep || paused;
	struct dm_error de = { 0 };
	int rc = rpc_dm_error(&de, dm_save(&x->dm, d, file, keep, paused, compress,
					   text ? &src : NULL, save_done, w, &de), e);
	if (rc == 0)
		return rpc_pending_take(p, out, outlen);
	rpc_pending_free(p);
	save_wait_free(w);
	return rc;
}

struct restore_wait {
	struct rpc_pending *p;
};

int rpc_gen_domain_ids(yajl_gen g, void *arg)
{
	const struct dm_domain *d = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_int(g, "domid", d->domid) ||
	    jw_kv_str(g, "name", d->name) || jw_kv_str(g, "uuid", UUID_STR(d->uuid)))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

static void restore_done(struct dm *dm, int rc, struct dm_domain *d, const struct dm_error *de,
			 void *arg)
{
	struct restore_wait *w = arg;
	(void)dm;
	rpc_pending_dm(w->p, rc, de, rpc_gen_domain_ids, d);
	free(w);
}

static const char *const restore_params[] = { "file", "config", "config_file", "overrides",
					      "paused", NULL };

/* {file, config?, config_file?, overrides?, paused?}: xl restore [-p] FILE
 * [CFG]; without config, the one xcdd keeps in the file. */
int rpc_m_restore(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		  char **out, size_t *outlen, struct jsonrpc_error *e)
{
	const char *file = NULL, *text = NULL;
	bool paused = false;
	if (jsonrpc_params_only(m, restore_params, e) < 0 || param_file(m, &file, e) < 0 ||
	    jsonrpc_param_bool(m, "paused", false, &paused, e) < 0 ||
	    jsonrpc_param_string(m, "config", false, &text, e) < 0)
		return -EINVAL;
	struct domcfg *cfg = NULL;
	struct dm_source src = { NULL, NULL, NULL, 0 };
	if (text) {
		int rc = rpc_parse_config(m, "config_file", &cfg, e);
		if (rc < 0)
			return rc;
		const char *p_ov[] = { "overrides", NULL };
		yajl_val ov = yajl_tree_get(m->params, p_ov, yajl_t_array);
		src.text = (char *)text;
		src.file = "config";
		jsonrpc_param_string(m, "config_file", false, (const char **)&src.file, e);
		/* rpc_parse_config took them: every one is a string. */
		src.overrides = calloc(ov ? ov->u.array.len + 1 : 1, sizeof(char *));
		for (size_t i = 0; src.overrides && ov && i < ov->u.array.len; i++)
			src.overrides[src.n_overrides++] = YAJL_GET_STRING(ov->u.array.values[i]);
		if (!src.overrides) {
			domcfg_free(cfg);
			return -ENOMEM;
		}
	}
	struct restore_wait *w = calloc(1, sizeof(*w));
	struct rpc_pending *p = w ? rpc_pending_new(x, c, m) : NULL;
	if (!p) {
		free(w);
		free(src.overrides);
		domcfg_free(cfg);
		return -ENOMEM;
	}
	w->p = p;
	struct dm_error de = { 0 };
	/* dm_restore takes cfg, whatever happens. */
	int rc = rpc_dm_error(&de, dm_restore(&x->dm, file, cfg, text ? &src : NULL, paused,
					      restore_done, w, &de), e);
	free(src.overrides);
	if (rc == 0)
		return rpc_pending_take(p, out, outlen);
	rpc_pending_free(p);
	free(w);
	return rc;
}
