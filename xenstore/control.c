/* control: the CONTROL commands that xenstore-control sends. */
#include "server.h"
#include "../lib/log.h"
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define MAX_ARGS 16

struct ctl {
	struct xs_conn *c;
	const char *arg[MAX_ARGS];
	unsigned nargs;
	char *out;
	uint32_t size, len;
};

static void put(struct ctl *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct ctl *x, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (x->len < x->size) {
		int n = vsnprintf(x->out + x->len, x->size - x->len, fmt, ap);
		if (n > 0)
			x->len += (uint32_t)n < x->size - x->len ? (uint32_t)n : x->size - x->len - 1;
	}
	va_end(ap);
}

static int ctl_check(struct ctl *x)
{
	/* Every node's parent exists and lists it; accounting adds up. */
	struct xs_store *st = &x->c->srv->store;
	struct strmap_iter it;
	unsigned bad = 0;
	for (struct strmap_entry *e = strmap_next(&st->nodes, &it, NULL); e;
	     e = strmap_next(&st->nodes, &it, e)) {
		struct xs_node *n = e->val;
		if (strcmp(n->path, "/") == 0)
			continue;
		const char *slash = strrchr(n->path, '/');
		char parent[XENSTORE_ABS_PATH_MAX + 1];
		size_t pl = slash == n->path ? 1 : (size_t)(slash - n->path);
		memcpy(parent, n->path, pl);
		parent[pl] = '\0';
		struct xs_node *p = store_get(st, parent);
		if (!p || !node_has_child(p, slash + 1)) {
			log_err("check: %s is not linked from its parent", n->path);
			bad++;
		}
	}
	if (bad)
		put(x, "check: %u inconsistencies (see the log)\n", bad);
	else
		put(x, "OK");
	return 0;
}

static int ctl_log(struct ctl *x)
{
	struct xs_server *s = x->c->srv;
	if (x->nargs < 2)
		return -EINVAL;
	if (strcmp(x->arg[1], "on") == 0) {
		if (!s->trace && s->opt.trace_file)
			s->trace = trace_fopen(s->opt.trace_file, true);
		put(x, "OK");
	} else if (strcmp(x->arg[1], "off") == 0) {
		if (s->trace)
			fclose(s->trace);
		s->trace = NULL;
		put(x, "OK");
	} else {
		return -EINVAL;
	}
	return 0;
}

static int ctl_logfile(struct ctl *x)
{
	struct xs_server *s = x->c->srv;
	if (x->nargs < 2 || !x->arg[1][0])
		return -EINVAL;
	FILE *f = trace_fopen(x->arg[1], true);
	if (!f)
		return -errno;
	if (s->trace)
		fclose(s->trace);
	s->trace = f;
	put(x, "OK");
	return 0;
}

static void report_quota(struct ctl *x, const struct xs_quota *q, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		put(x, "%-18s: %" PRIu64 "\n", quota_name(i), q->v[i]);
}

static int ctl_quota(struct ctl *x, bool soft)
{
	struct xs_server *s = x->c->srv;
	struct xs_quota *q = soft ? &s->opt.quota_soft : &s->opt.quota;
	if (x->nargs == 1) {
		report_quota(x, q, XS_Q_COUNT);
		return 0;
	}
	if (strcmp(x->arg[1], "set") == 0) {
		if (x->nargs != 4)
			return -EINVAL;
		char assign[96];
		snprintf(assign, sizeof(assign), "%s=%s", x->arg[2], x->arg[3]);
		if (quota_parse_assign(q, assign) < 0)
			return -EINVAL;
		put(x, "OK");
		return 0;
	}
	if (soft)
		return -EINVAL;
	char *end;
	unsigned long domid = strtoul(x->arg[1], &end, 10);
	if (*end || domid >= XS_NDOMIDS)
		return -EINVAL;
	if (domid != 0 && !domain_get(s, (unsigned)domid)) {
		put(x, "domain %lu is not known to xenstored\n", domid);
		return 0;
	}
	const struct xs_acct *a = &s->store.acct[domid];
	unsigned watches = 0, txns = 0;
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		if (c->domid == domid && c->kind == XS_CONN_DOMAIN) {
			watches += c->nwatches;
			txns += c->ntxns;
		}
	}
	put(x, "domain %lu:\n", domid);
	put(x, "%-18s: %u\n%-18s: %" PRIu64 "\n%-18s: %u\n%-18s: %u\n", "nodes", a->nodes, "memory",
	    a->memory, "watches", watches, "transactions", txns);
	return 0;
}

static int ctl_memreport(struct ctl *x)
{
	struct xs_server *s = x->c->srv;
	uint64_t bytes = 0;
	struct strmap_iter it;
	for (struct strmap_entry *e = strmap_next(&s->store.nodes, &it, NULL); e;
	     e = strmap_next(&s->store.nodes, &it, e))
		bytes += node_memory(e->val);
	unsigned conns = 0;
	uint64_t queued = 0;
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		conns++;
		queued += c->out_bytes;
	}
	FILE *f = NULL;
	if (x->nargs >= 2 && x->arg[1][0]) {
		f = trace_fopen(x->arg[1], false);
		if (!f)
			return -errno;
	}
	char line[256];
	snprintf(line, sizeof(line),
		 "nodes: %zu (%" PRIu64 " bytes), connections: %u (%" PRIu64 " bytes queued), requests: %" PRIu64,
		 s->store.nodes.count, bytes, conns, queued, s->requests);
	if (f) {
		fprintf(f, "%s\n", line);
		fclose(f);
	} else {
		log_info("memreport: %s", line);
	}
	put(x, "%s\n", line);
	return 0;
}

static int ctl_live_update(struct ctl *x, const struct xsd_sockmsg *hdr)
{
	struct xs_server *s = x->c->srv;
	if (x->nargs < 2)
		return -EINVAL;
	const char *op = x->arg[1];
	if (strcmp(op, "-f") == 0) {
		if (x->nargs < 3 || !x->arg[2][0])
			return -EINVAL;
		free(s->lu_binary);
		s->lu_binary = strdup(x->arg[2]);
		put(x, "OK");
		return 0;
	}
	if (strcmp(op, "-c") == 0) {
		if (x->nargs < 3)
			return -EINVAL;
		free(s->lu_cmdline);
		s->lu_cmdline = strdup(x->arg[2]);
		put(x, "OK");
		return 0;
	}
	if (strcmp(op, "-a") == 0) {
		free(s->lu_binary);
		free(s->lu_cmdline);
		s->lu_binary = s->lu_cmdline = NULL;
		put(x, "OK");
		return 0;
	}
	if (strcmp(op, "-b") == 0 || strcmp(op, "-d") == 0) {
		put(x, "live update of a stub domain is not supported: use -f <binary>");
		return 0;
	}
	if (strcmp(op, "-s") == 0) {
		if (!s->lu_binary) {
			put(x, "no binary given: use -f <binary> first");
			return 0;
		}
		/* Transactions in flight travel with the state, so there is no
		 * reason to answer BUSY: -t and -F are accepted and need no wait. */
		s->lu_pending = true;
		s->lu_conn = x->c;
		s->lu_req = *hdr;
		return 1;
	}
	return -EINVAL;
}

/* ring-reset DOMID: the guest is asked to reset its ring connection, for a
 * guest that spoke to an earlier xenstored whose watches it lost (xcdd asks
 * after it introduced the guest to a fresh xenstored). */
static int ctl_ring_reset(struct ctl *x)
{
	if (x->nargs != 2)
		return -EINVAL;
	char *end;
	unsigned long domid = strtoul(x->arg[1], &end, 10);
	if (*end || end == x->arg[1] || domid == 0 || domid >= XS_NDOMIDS)
		return -EINVAL;
	int rc = domain_ask_reconnect(x->c->srv, (unsigned)domid);
	if (rc < 0)
		return rc;
	put(x, "OK");
	return 0;
}

int control_handle(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload,
		   char *out, uint32_t out_size, uint32_t *out_len)
{
	struct ctl x = { .c = c, .out = out, .size = out_size };
	uint32_t off = 0;
	while (off < hdr->len && x.nargs < MAX_ARGS) {
		const char *nul = memchr(payload + off, '\0', hdr->len - off);
		if (!nul)
			return -EINVAL;
		x.arg[x.nargs++] = payload + off;
		off = (uint32_t)(nul - payload) + 1;
	}
	if (x.nargs == 0)
		return -EINVAL;
	const char *cmd = x.arg[0];
	int rc;
	if (strcmp(cmd, "check") == 0)
		rc = ctl_check(&x);
	else if (strcmp(cmd, "log") == 0)
		rc = ctl_log(&x);
	else if (strcmp(cmd, "logfile") == 0)
		rc = ctl_logfile(&x);
	else if (strcmp(cmd, "memreport") == 0)
		rc = ctl_memreport(&x);
	else if (strcmp(cmd, "print") == 0) {
		if (x.nargs < 2)
			return -EINVAL;
		log_info("%s", x.arg[1]);
		syslog(LOG_INFO, "%s", x.arg[1]);
		put(&x, "OK");
		rc = 0;
	} else if (strcmp(cmd, "quota") == 0)
		rc = ctl_quota(&x, false);
	else if (strcmp(cmd, "quota-soft") == 0)
		rc = ctl_quota(&x, true);
	else if (strcmp(cmd, "live-update") == 0)
		rc = ctl_live_update(&x, hdr);
	else if (strcmp(cmd, "ring-reset") == 0)
		rc = ctl_ring_reset(&x);
	else if (strcmp(cmd, "help") == 0) {
		put(&x, "check\nlog on|off\nlogfile <file>\nmemreport [<file>]\nprint <string>\n"
			"quota [set <name> <val>|<domid>]\nquota-soft [set <name> <val>]\n"
			"live-update -f <file>|-c <cmdline>|-s [-t <sec>] [-F]|-a\n"
			"ring-reset <domid>\nhelp\n");
		rc = 0;
	} else
		return -EINVAL;
	if (rc != 0)
		return rc;
	/* Replies are strings: always NUL-terminated. */
	if (x.len >= out_size)
		x.len = out_size - 1;
	out[x.len++] = '\0';
	*out_len = x.len;
	return 0;
}
