/* scan: which domains have a console to serve, from xenstore (the toolstack
 * writes console/ring-ref, console/port, console/type, console/limit; we
 * write console/tty) and from the hypervisor (a dying or vanished domain's
 * console is closed). */
#include "consoled.h"
#include "../hv/hv.h"
#include "../lib/errmsg.h"
#include "../lib/log.h"
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

/* libxl's default for console/limit. */
#define DEFAULT_LIMIT (1024 * 1024)
#define TOKEN "xcd-consoled"

int scan_watch(struct consoled *cd, char *err, size_t errlen)
{
	static const char *const paths[] = { "@introduceDomain", "@releaseDomain",
					     "/local/domain" };
	for (unsigned i = 0; i < 3; i++) {
		if (!xs_watch(cd->xs, paths[i], TOKEN)) {
			snprintf(err, errlen, "xenstore watch of %s: %s", paths[i], strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* An unsigned decimal node value, or -1 when absent or not a number. */
static int read_u64(struct consoled *cd, uint32_t domid, const char *rel, uint64_t max,
		    uint64_t *out)
{
	char path[96];
	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
	unsigned len;
	char *v = xs_read(cd->xs, XBT_NULL, path, &len);
	if (!v)
		return -1;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	int ok = v[0] >= '0' && v[0] <= '9' && !*end && !errno && n <= max;
	if (!ok)
		log_debug("domain %u: %s = \"%.40s\" is not a number up to %" PRIu64, domid, rel, v,
			  max);
	free(v);
	if (!ok)
		return -1;
	*out = n;
	return 0;
}

/* console/type names the daemon that serves the console (console.txt);
 * xenconsoled's consoles are ours, qemu's (ioemu) are not. Absent: ours. */
static bool type_is_ours(struct consoled *cd, uint32_t domid)
{
	char path[96];
	snprintf(path, sizeof(path), "/local/domain/%u/console/type", domid);
	unsigned len;
	char *v = xs_read(cd->xs, XBT_NULL, path, &len);
	bool ours = !v || strcmp(v, "xenconsoled") == 0;
	free(v);
	return ours;
}

/* guest-NAME.log as xenconsoled --log=guest names it; a name unsafe in a
 * file name (or none) gives guest-domDOMID.log. */
static void log_name(struct consoled *cd, uint32_t domid, char *out, size_t outlen)
{
	char path[96];
	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	unsigned len;
	char *v = xs_read(cd->xs, XBT_NULL, path, &len);
	bool safe = v && v[0] && v[0] != '.' && len < 128;
	for (unsigned i = 0; safe && i < len; i++)
		safe = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
		       (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_' || v[i] == '.';
	if (safe)
		snprintf(out, outlen, "guest-%s.log", v);
	else
		snprintf(out, outlen, "guest-dom%u.log", domid);
	free(v);
}

/* How often a conflicting transaction on console/tty is tried again. */
#define TTY_TRIES 8

/*
 * console/tty names the file `xcd console` opens as root: it is written
 * dom0's, the guest only reading it (as libxl makes it), whoever made the
 * node before (a toolstack that let the guest own it, or the guest itself
 * when its console directory was its own). Value and permissions change in
 * one transaction, so that no one sees our path on a node the guest may
 * still write.
 */
static void write_tty(struct consoled *cd, struct cons *c)
{
	char path[96];
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", c->domid);
	struct xs_permissions ro[2] = { { .id = 0, .perms = XS_PERM_NONE },
					{ .id = c->domid, .perms = XS_PERM_READ } };
	int e = EAGAIN;
	for (int tries = 0; tries < TTY_TRIES && e == EAGAIN; tries++) {
		xs_transaction_t t = xs_transaction_start(cd->xs);
		if (t == XBT_NULL) {
			e = errno;
			break;
		}
		if (!xs_write(cd->xs, t, path, c->tty, strlen(c->tty)) ||
		    !xs_set_permissions(cd->xs, t, path, ro, 2)) {
			e = errno;
			xs_transaction_end(cd->xs, t, true);
			break;
		}
		e = xs_transaction_end(cd->xs, t, false) ? 0 : errno;
	}
	if (e)
		log_warn("domain %u: cannot write %s (and make it dom0's): %s", c->domid, path,
			 strerror(e));
}

static void remove_tty(struct consoled *cd, struct cons *c)
{
	char path[96];
	snprintf(path, sizeof(path), "/local/domain/%u/console/tty", c->domid);
	/* The toolstack may have removed the whole home already. */
	if (!xs_rm(cd->xs, XBT_NULL, path) && errno != ENOENT)
		log_warn("domain %u: cannot remove %s: %s", c->domid, path, strerror(errno));
}

static bool alive(struct consoled *cd, uint32_t domid)
{
	struct hv_dominfo di;
	int rc = hv_domain_getinfo(cd->hv, domid, &di);
	if (rc < 0) {
		if (rc != -ESRCH)
			log_warn("domain %u: %s", domid, hv_error(cd->hv));
		return false;
	}
	/* A domain shut down but not destroyed keeps its console (a crashed
	 * guest's last words stay readable); a dying one does not. */
	return !(di.flags & HV_DOMF_DYING);
}

static void stop(struct consoled *cd, struct cons *c, const char *why)
{
	log_info("domain %u: console %s closed (%s)", c->domid, c->tty, why);
	remove_tty(cd, c);
	cons_close(cd, c);
}

static struct cons_failed *failed(struct consoled *cd, uint32_t domid)
{
	for (struct cons_failed *f = cd->failed; f; f = f->next)
		if (f->domid == domid)
			return f;
	return NULL;
}

void scan_forget_failed(struct consoled *cd, uint32_t domid)
{
	for (struct cons_failed **p = &cd->failed; *p; p = &(*p)->next) {
		if ((*p)->domid == domid) {
			struct cons_failed *f = *p;
			*p = f->next;
			free(f);
			return;
		}
	}
}

/* Serves DOMID's console if it should be served and is not; closes it if it
 * is served and should not be (or changed ring or port). */
static void scan_one(struct consoled *cd, uint32_t domid, struct cons *have)
{
	uint64_t ref, port, limit;
	bool want = domid != 0 && read_u64(cd, domid, "console/ring-ref", UINT64_MAX >> 12, &ref) == 0 &&
		    read_u64(cd, domid, "console/port", UINT32_MAX, &port) == 0 &&
		    type_is_ours(cd, domid) && alive(cd, domid);
	if (have && want && have->ring_ref == ref && have->remote_port == port)
		return;
	if (have)
		stop(cd, have, want ? "ring-ref or port changed" : "domain or console gone");
	struct cons_failed *f = failed(cd, domid);
	if (f && (!want || f->ring_ref != ref || f->remote_port != port)) {
		scan_forget_failed(cd, domid);
		f = NULL;
	}
	if (!want || f)
		return;
	if (read_u64(cd, domid, "console/limit", SIZE_MAX, &limit) < 0 || limit < 4096)
		limit = DEFAULT_LIMIT;
	char name[160];
	log_name(cd, domid, name, sizeof(name));
	char err[XCD_ERR_MAX];
	struct cons *c;
	if (cons_open(cd, domid, ref, (uint32_t)port, (size_t)limit, name, &c, err,
		      sizeof(err)) < 0) {
		log_err("domain %u: cannot serve its console: %s (not tried again until its "
			"console/ring-ref or console/port changes)", domid, err);
		if ((f = calloc(1, sizeof(*f)))) {
			f->domid = domid;
			f->ring_ref = ref;
			f->remote_port = (uint32_t)port;
			f->next = cd->failed;
			cd->failed = f;
		}
		return;
	}
	write_tty(cd, c);
	log_info("domain %u: console on %s (ring-ref %" PRIu64 ", port %u, local port %u)", domid,
		 c->tty, ref, c->remote_port, c->local_port);
}

static struct cons *find(struct consoled *cd, uint32_t domid)
{
	for (struct cons *c = cd->consoles; c; c = c->next)
		if (c->domid == domid)
			return c;
	return NULL;
}

void scan_all(struct consoled *cd)
{
	cd->rescan = 0;
	unsigned n = 0;
	char **ents = xs_directory(cd->xs, XBT_NULL, "/local/domain", &n);
	if (!ents && errno != ENOENT) {
		log_warn("xenstore: cannot list /local/domain: %s", strerror(errno));
		return;
	}
	/* Served consoles whose domain left /local/domain. */
	for (struct cons *c = cd->consoles, *next; c; c = next) {
		next = c->next;
		bool listed = false;
		char id[16];
		snprintf(id, sizeof(id), "%u", c->domid);
		for (unsigned i = 0; i < n && !listed; i++)
			listed = strcmp(ents[i], id) == 0;
		if (!listed)
			stop(cd, c, "its xenstore home is gone");
	}
	for (struct cons_failed *f = cd->failed, *next; f; f = next) {
		next = f->next;
		bool listed = false;
		char id[16];
		snprintf(id, sizeof(id), "%u", f->domid);
		for (unsigned i = 0; i < n && !listed; i++)
			listed = strcmp(ents[i], id) == 0;
		if (!listed)
			scan_forget_failed(cd, f->domid);
	}
	for (unsigned i = 0; i < n; i++) {
		char *end;
		errno = 0;
		unsigned long d = strtoul(ents[i], &end, 10);
		if (ents[i][0] < '0' || ents[i][0] > '9' || *end || errno || d > UINT16_MAX)
			continue;
		scan_one(cd, (uint32_t)d, find(cd, (uint32_t)d));
	}
	free(ents);
}

/* /local/domain/N/console/... concerns domain N only; anything else
 * (@introduceDomain, @releaseDomain, a whole home) asks for a full scan. */
void scan_watch_events(struct consoled *cd)
{
	char **w;
	while ((w = xs_check_watch(cd->xs))) {
		const char *p = w[XS_WATCH_PATH];
		unsigned d;
		int used = 0;
		if (sscanf(p, "/local/domain/%u/%n", &d, &used) == 1 && used &&
		    strncmp(p + used, "console", 7) != 0) {
			/* Other nodes of a home: not ours to act on. */
		} else if (sscanf(p, "/local/domain/%u/console%n", &d, &used) == 1 && used &&
			   (p[used] == '\0' || p[used] == '/')) {
			/* Our own console/tty writes come back here: harmless, scan_one
			 * finds nothing changed. */
			if (!cd->rescan)
				scan_one(cd, d, find(cd, d));
		} else {
			cd->rescan = 1;
		}
		free(w);
	}
	if (errno != EAGAIN)
		log_debug("xenstore watch: %s", strerror(errno));
}

int scan_alive(struct consoled *cd)
{
	unsigned len;
	char *v = xs_read(cd->xs, XBT_NULL, "/", &len);
	if (v) {
		free(v);
		return 0;
	}
	if (errno == ENOENT || errno == EACCES || errno == EINVAL)
		return 0;
	return -(errno ? errno : EIO);
}
