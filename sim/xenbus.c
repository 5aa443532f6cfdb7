/* xenbus: the guest programs' xenstore client, as a Linux PV guest's xenbus
 * and its control drivers behave (drivers/xen/manage.c, the balloon):
 * advertise control/feature-{poweroff,reboot,suspend}, watch
 * control/shutdown and memory/target, and act on them; for sim:kv, also
 * serve data/kv/request (kv.c holds the store). It talks through the
 * ring page in its own memory and its store event channel, one step per
 * vCPU 0 tick or event; every byte of its state is in guest memory (the
 * ring, struct sim_xenbus), so a copy of the guest carries the
 * conversation. It also writes a line per boot and control event to its
 * console ring (xen/io/console.h). */
#include "sim.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xen/io/console.h>
#include <xen/io/xs_wire.h>

enum xb_phase { XB_BOOT = 0, XB_RUNNING = 1, XB_RECONNECT = 2 };
/* What the answer awaited (wait_req_id) is for. */
enum xb_action {
	XA_NONE = 0,
	XA_READ_SHUTDOWN,
	XA_CLEAR_SHUTDOWN,
	XA_READ_TARGET,
	XA_DIR,          /* DIRECTORY device/TYPE (x->scan_type) */
	XA_DEV_BACKEND,  /* READ device/TYPE/N/backend (x->action_dev) */
	XA_DEV_BESTATE,  /* READ BACKEND/state (x->action_dev) */
	XA_KV_READ,      /* READ data/kv/request */
};
/* A frontend's phase. */
enum xb_dev_phase { D_NEW = 0, D_WATCHING = 1 };
/* Xen's xenbus states (xen/io/xenbus.h). */
enum { XBS_INITIALISING = 1, XBS_INITWAIT = 2, XBS_INITIALISED = 3, XBS_CONNECTED = 4,
       XBS_CLOSING = 5, XBS_CLOSED = 6 };
static const char *const dev_types[2] = { "vbd", "vif" };
/* action's high half while clearing control/shutdown: the reason to apply. */
#define XA_REASON_SHIFT 16

#define TOKEN_SHUTDOWN "xcd-sim:shutdown"
#define TOKEN_TARGET "xcd-sim:balloon"
#define TOKEN_DEVICE "xcd-sim:device"
#define TOKEN_BACKEND "xcd-sim:be:" /* then the device's slot */
#define TOKEN_KV "xcd-sim:kv"
#define KV_REQUEST "data/kv/request"
#define KV_REPLY "data/kv/reply"
#define KV_APPLIED "data/kv/applied"

struct xb {
	struct sim_domain *d;
	struct sim_guest_header *g;
	struct xenstore_domain_interface *ring;
	struct xencons_interface *cons;
	struct sim_xenbus *x;
	int kick_store, kick_console;
};

static void *page(struct sim_domain *d, uint64_t pfn)
{
	return d->mem.base + pfn * SIM_PAGE_SIZE;
}

static void xb_get(struct sim_domain *d, struct xb *b)
{
	memset(b, 0, sizeof(*b));
	b->d = d;
	b->g = page(d, 0);
	b->ring = page(d, b->g->store_pfn);
	b->cons = page(d, b->g->console_pfn);
	b->x = page(d, b->g->xenbus_pfn);
}

static void console_line(struct xb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void console_line(struct xb *b, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	struct xencons_interface *c = b->cons;
	XENCONS_RING_IDX cons = __atomic_load_n(&c->out_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = c->out_prod;
	/* A full console drops the line, as a guest's early printk would. */
	if (sizeof(c->out) - (prod - cons) < (size_t)n)
		return;
	for (int i = 0; i < n; i++)
		c->out[MASK_XENCONS_IDX(prod++, c->out)] = line[i];
	__atomic_store_n(&c->out_prod, prod, __ATOMIC_RELEASE);
	sim_guest_touch(b->d, b->g->console_pfn);
	b->kick_console = 1;
}

/* Queues one request; -EAGAIN when the ring has no room for it now. */
static int xb_send(struct xb *b, uint32_t type, uint32_t *req_id, const char *a, size_t alen,
		   const char *bb, size_t blen)
{
	struct xenstore_domain_interface *r = b->ring;
	struct xsd_sockmsg h = { type, ++b->x->next_req_id, 0, (uint32_t)(alen + blen) };
	XENSTORE_RING_IDX cons = __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE);
	XENSTORE_RING_IDX prod = r->req_prod;
	size_t need = sizeof(h) + alen + blen;
	if (XENSTORE_RING_SIZE - (prod - cons) < need) {
		b->x->next_req_id--;
		return -EAGAIN;
	}
	const char *parts[3] = { (const char *)&h, a, bb };
	size_t lens[3] = { sizeof(h), alen, blen };
	for (int p = 0; p < 3; p++)
		for (size_t i = 0; i < lens[p]; i++)
			r->req[MASK_XENSTORE_IDX(prod++)] = parts[p][i];
	__atomic_store_n(&r->req_prod, prod, __ATOMIC_RELEASE);
	sim_guest_touch(b->d, b->g->store_pfn);
	sim_guest_touch(b->d, b->g->xenbus_pfn);
	if (req_id)
		*req_id = h.req_id;
	b->kick_store = 1;
	return 0;
}

static int xb_write(struct xb *b, const char *path, const char *val)
{
	return xb_send(b, XS_WRITE, NULL, path, strlen(path) + 1, val, strlen(val));
}

static int xb_watch(struct xb *b, const char *path, const char *token)
{
	return xb_send(b, XS_WATCH, NULL, path, strlen(path) + 1, token, strlen(token) + 1);
}

void sim_xenbus_boot(struct sim_domain *d)
{
	struct xb b;
	xb_get(d, &b);
	memset(b.ring, 0, sizeof(*b.ring));
	memset(b.cons, 0, sizeof(*b.cons));
	memset(b.x, 0, sizeof(*b.x));
	b.x->balloon_kb = d->populated_kb;
	if (b.g->program == SIM_PROG_KV)
		sim_kv_boot(d);
	sim_guest_touch(d, b.g->store_pfn);
	sim_guest_touch(d, b.g->console_pfn);
	sim_guest_touch(d, b.g->xenbus_pfn);
}

/* Linux's manage.c: the features it answers, then the two watches. All
 * fit an empty ring; a ring not yet empty is tried again next step. */
static void boot_requests(struct xb *b)
{
	struct xenstore_domain_interface *r = b->ring;
	if (r->req_prod != __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE))
		return;
	static const char *const features[] = { "control/feature-poweroff",
						"control/feature-reboot",
						"control/feature-suspend" };
	/* Linux writes them once, at boot: not when it resumes in a new
	 * domain after a save it suspended itself for (the toolstack's job
	 * then: xcd/xs_domain.h, xsd_resumed_features). */
	for (unsigned i = 0; i < 3 && !b->x->suspended; i++)
		xb_write(b, features[i], "1");
	b->x->suspended = 0;
	xb_watch(b, "control/shutdown", TOKEN_SHUTDOWN);
	xb_watch(b, "memory/target", TOKEN_TARGET);
	xb_watch(b, "device", TOKEN_DEVICE);
	if (b->g->program == SIM_PROG_KV) {
		char num[24];
		snprintf(num, sizeof(num), "%llu",
			 (unsigned long long)sim_kv_state(b->d)->capacity);
		xb_write(b, "data/kv/capacity", num);
		xb_watch(b, KV_REQUEST, TOKEN_KV);
	}
	b->x->phase = XB_RUNNING;
	console_line(b, "xcd-sim guest %s: xenbus up (store port %u)",
		     b->g->program == SIM_PROG_DIRTY ? "sim:dirty" :
		     b->g->program == SIM_PROG_KV ? "sim:kv" : "sim:idle",
		     b->g->store_port);
}

static void balloon(struct xb *b, const char *val)
{
	char *end;
	errno = 0;
	unsigned long long kb = strtoull(val, &end, 10);
	if (errno || end == val || (*end && *end != '\n')) {
		console_line(b, "balloon: memory/target \"%.40s\" is not a number of KiB", val);
		return;
	}
	struct sim_domain *d = b->d;
	uint64_t max = d->mem.nr_pages * 4;
	/* It cannot grow past the memory it was built with, nor below its own
	 * pages (header, bitmap, rings, sim:kv's store). */
	uint64_t floor = b->g->program == SIM_PROG_KV ? sim_kv_end_pfn(d) * 4 :
							 b->g->data_pfn * 4 + 4;
	uint64_t want = kb > max ? max : kb < floor ? floor : kb;
	b->x->balloon_kb = want;
	b->x->targets_seen++;
	sim_guest_touch(d, b->g->xenbus_pfn);
	pthread_mutex_lock(&d->mu);
	d->populated_kb = want;
	d->target_kb = want;
	pthread_mutex_unlock(&d->mu);
	console_line(b, "balloon: target %llu KiB, now %llu KiB", kb, (unsigned long long)want);
}

/* The reason a control/shutdown value asks for, or -1 (manage.c ignores
 * values it does not know). */
static int shutdown_reason(const char *v)
{
	if (strcmp(v, "poweroff") == 0 || strcmp(v, "halt") == 0)
		return SIM_SHUTDOWN_POWEROFF;
	if (strcmp(v, "reboot") == 0)
		return SIM_SHUTDOWN_REBOOT;
	if (strcmp(v, "suspend") == 0)
		return SIM_SHUTDOWN_SUSPEND;
	return -1;
}

/* A device/ event worth a new scan: a device appearing or going (its
 * directory, or its backend node the toolstack writes), not the frontend's
 * own nodes. */
static int device_event_matters(const char *path)
{
	const char *p = strstr(path, "device");
	if (!p)
		return 0;
	unsigned depth = 1;
	for (const char *c = p; *c; c++)
		depth += *c == '/';
	size_t n = strlen(p);
	return depth <= 3 || (n > 8 && strcmp(p + n - 8, "/backend") == 0);
}

static int dev_path(char *buf, size_t len, const struct sim_xb_dev *v, const char *node)
{
	int n = snprintf(buf, len, "device/%s/%u/%s", dev_types[v->type], v->id, node);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

static void dev_write(struct xb *b, const struct sim_xb_dev *v, const char *node,
		      const char *val)
{
	char path[128];
	if (dev_path(path, sizeof(path), v, node) == 0)
		xb_write(b, path, val);
}

static void dev_token(char *buf, size_t len, const struct xb *b, const struct sim_xb_dev *v)
{
	snprintf(buf, len, TOKEN_BACKEND "%u", (unsigned)(v - b->x->dev));
}

static void dev_drop(struct xb *b, struct sim_xb_dev *v)
{
	/* A device whose backend was not written yet was never taken on. */
	if (v->phase == D_WATCHING) {
		console_line(b, "xenbus: device/%s/%u removed", dev_types[v->type], v->id);
		char path[128], token[32];
		snprintf(path, sizeof(path), "%s/state", v->backend);
		dev_token(token, sizeof(token), b, v);
		xb_send(b, XS_UNWATCH, NULL, path, strlen(path) + 1, token, strlen(token) + 1);
	}
	if (v->port) {
		pthread_mutex_lock(&b->d->mu);
		if (v->port < SIM_MAX_PORTS)
			memset(&b->d->ports[v->port], 0, sizeof(b->d->ports[v->port]));
		pthread_mutex_unlock(&b->d->mu);
	}
	memset(v, 0, sizeof(*v));
}

/* The answer to DIRECTORY device/TYPE: new devices are taken on, missing
 * ones dropped; then the next type. names: NUL-separated, NULL: none. */
static void scan_reply(struct xb *b, const char *names, uint32_t len)
{
	struct sim_xenbus *x = b->x;
	uint32_t type = x->scan_type;
	for (unsigned i = 0; i < SIM_XB_DEVS; i++)
		if (x->dev[i].used && x->dev[i].type == type)
			x->dev[i].seen = 0;
	for (uint32_t off = 0; names && off < len;) {
		const char *name = names + off;
		size_t n = strnlen(name, len - off);
		off += (uint32_t)n + 1;
		char *end;
		unsigned long id = strtoul(name, &end, 10);
		if (!n || *end || id > 0xffffff)
			continue;
		struct sim_xb_dev *freev = NULL, *found = NULL;
		for (unsigned i = 0; i < SIM_XB_DEVS; i++) {
			struct sim_xb_dev *v = &x->dev[i];
			if (v->used && v->type == type && v->id == id)
				found = v;
			else if (!v->used && !freev)
				freev = v;
		}
		if (!found && freev) {
			found = freev;
			memset(found, 0, sizeof(*found));
			found->used = 1;
			found->type = type;
			found->id = (uint32_t)id;
			found->phase = D_NEW;
		}
		if (found)
			found->seen = 1;
	}
	for (unsigned i = 0; i < SIM_XB_DEVS; i++)
		if (x->dev[i].used && x->dev[i].type == type && !x->dev[i].seen)
			dev_drop(b, &x->dev[i]);
	if (++x->scan_type < 2) {
		char path[32];
		snprintf(path, sizeof(path), "device/%s", dev_types[x->scan_type]);
		if (xb_send(b, XS_DIRECTORY, &x->wait_req_id, path, strlen(path) + 1, NULL, 0) == 0)
			x->action = XA_DIR;
		else
			x->scan_pending = 1;
	}
}

/* blkfront/netfront once the backend waits for them: an event channel for
 * the backend's domain, the rings (grant references are numbers only:
 * xcd-sim has no grant tables), the features, then Initialised (vbd) or
 * Connected (vif, as netfront). -EAGAIN: not now (the ring is too full). */
static int dev_talk(struct xb *b, struct sim_xb_dev *v)
{
	struct xenstore_domain_interface *r = b->ring;
	if (XENSTORE_RING_SIZE - (r->req_prod - __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE)) <
	    700)
		return -EAGAIN;
	if (!v->port) {
		uint32_t port = 0;
		pthread_mutex_lock(&b->d->mu);
		int rc = sim_domain_alloc_port(b->d, v->backend_id, &port);
		pthread_mutex_unlock(&b->d->mu);
		if (rc < 0) {
			console_line(b, "xenbus: device/%s/%u: no free event channel",
				     dev_types[v->type], v->id);
			return rc;
		}
		v->port = port;
	}
	char num[16];
	unsigned slot = (unsigned)(v - b->x->dev);
	snprintf(num, sizeof(num), "%u", v->port);
	dev_write(b, v, "event-channel", num);
	if (v->type == 0) {
		snprintf(num, sizeof(num), "%u", 8 + slot * 2);
		dev_write(b, v, "ring-ref", num);
		dev_write(b, v, "protocol", "x86_64-abi");
		dev_write(b, v, "state", "3");
		v->state = XBS_INITIALISED;
	} else {
		snprintf(num, sizeof(num), "%u", 8 + slot * 2);
		dev_write(b, v, "tx-ring-ref", num);
		snprintf(num, sizeof(num), "%u", 9 + slot * 2);
		dev_write(b, v, "rx-ring-ref", num);
		dev_write(b, v, "request-rx-copy", "1");
		dev_write(b, v, "feature-rx-notify", "1");
		dev_write(b, v, "feature-sg", "1");
		dev_write(b, v, "state", "4");
		v->state = XBS_CONNECTED;
	}
	console_line(b, "xenbus: device/%s/%u %s (port %u)", dev_types[v->type], v->id,
		     v->type == 0 ? "initialised" : "connected", v->port);
	return 0;
}

/* The frontend's answer to its backend's state (xenbus.h's handshake). */
static void dev_backend_state(struct xb *b, struct sim_xb_dev *v, unsigned be)
{
	v->be_state = be;
	switch (be) {
	case XBS_INITWAIT:
	case XBS_CONNECTED:
		if (v->state < XBS_INITIALISED && dev_talk(b, v) == -EAGAIN) {
			v->be_changed = 1; /* try again next step */
			return;
		}
		if (be == XBS_CONNECTED && v->type == 0 && v->state == XBS_INITIALISED) {
			dev_write(b, v, "state", "4");
			v->state = XBS_CONNECTED;
			console_line(b, "xenbus: device/vbd/%u connected", v->id);
		}
		return;
	case XBS_CLOSING:
		if (v->state != XBS_CLOSED) {
			dev_write(b, v, "state", "5");
			dev_write(b, v, "state", "6");
			v->state = XBS_CLOSED;
			console_line(b, "xenbus: device/%s/%u closed", dev_types[v->type], v->id);
		}
		return;
	}
}

static void dev_reply(struct xb *b, struct sim_xb_dev *v, uint32_t action, const char *val,
		      uint32_t len)
{
	char s[128];
	size_t n = val ? (len < sizeof(s) - 1 ? len : sizeof(s) - 1) : 0;
	memcpy(s, val ? val : "", n);
	s[n] = '\0';
	if (action == XA_DEV_BACKEND) {
		if (!val || !s[0] || n >= sizeof(v->backend) - 7) {
			dev_drop(b, v); /* no usable backend path: not a device yet */
			return;
		}
		memcpy(v->backend, s, n + 1);
		/* "/local/domain/ID/backend/...": the backend's domain. */
		v->backend_id = strncmp(s, "/local/domain/", 14) == 0 ?
					(uint32_t)strtoul(s + 14, NULL, 10) : 0;
		char path[128], token[32];
		snprintf(path, sizeof(path), "%s/state", v->backend);
		dev_token(token, sizeof(token), b, v);
		if (xb_send(b, XS_WATCH, NULL, path, strlen(path) + 1, token, strlen(token) + 1) == 0)
			v->phase = D_WATCHING;
		return;
	}
	/* XA_DEV_BESTATE */
	if (val)
		dev_backend_state(b, v, (unsigned)strtoul(s, NULL, 10));
}

/* The next device that needs a read, if any: -EAGAIN when the ring is full. */
static int dev_work(struct xb *b)
{
	struct sim_xenbus *x = b->x;
	for (unsigned i = 0; i < SIM_XB_DEVS; i++) {
		struct sim_xb_dev *v = &x->dev[i];
		if (!v->used)
			continue;
		char path[128];
		if (v->phase == D_NEW) {
			if (dev_path(path, sizeof(path), v, "backend") < 0)
				continue;
			if (xb_send(b, XS_READ, &x->wait_req_id, path, strlen(path) + 1, NULL, 0) < 0)
				return -EAGAIN;
			x->action = XA_DEV_BACKEND;
			x->action_dev = i;
			return 0;
		}
		if (v->be_changed) {
			snprintf(path, sizeof(path), "%s/state", v->backend);
			if (xb_send(b, XS_READ, &x->wait_req_id, path, strlen(path) + 1, NULL, 0) < 0)
				return -EAGAIN;
			v->be_changed = 0;
			x->action = XA_DEV_BESTATE;
			x->action_dev = i;
			return 0;
		}
	}
	return 0;
}

/* sim:kv's answer: data/kv/applied, then data/kv/reply (xenstored applies
 * them in order, so a client that sees the reply sees the count). Both go
 * on the ring together or wait for the next step. */
static void kv_flush(struct xb *b)
{
	struct sim_kv *kv = sim_kv_state(b->d);
	char num[24];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)kv->applied);
	size_t olen = strnlen(kv->out, sizeof(kv->out));
	size_t need = 2 * sizeof(struct xsd_sockmsg) + sizeof(KV_APPLIED) + strlen(num) +
		      sizeof(KV_REPLY) + olen;
	struct xenstore_domain_interface *r = b->ring;
	if (XENSTORE_RING_SIZE - (r->req_prod - __atomic_load_n(&r->req_cons, __ATOMIC_ACQUIRE)) <
	    need)
		return;
	xb_write(b, KV_APPLIED, num);
	xb_send(b, XS_WRITE, NULL, KV_REPLY, sizeof(KV_REPLY), kv->out, olen);
	kv->out_pending = 0;
	sim_guest_touch(b->d, b->g->data_pfn);
}

static void kv_request(struct xb *b, const char *text, uint32_t len)
{
	char line[160];
	if (sim_kv_request(b->d, text, len, line, sizeof(line)) < 0)
		return; /* no request (the node is absent or empty) */
	console_line(b, "%s", line);
	sim_kv_state(b->d)->out_pending = 1;
	kv_flush(b);
}

static void on_reply(struct xb *b, const struct xsd_sockmsg *h, const char *pl)
{
	struct sim_xenbus *x = b->x;
	if (h->type == XS_WATCH_EVENT) {
		size_t plen = strnlen(pl, h->len);
		const char *token = plen < h->len ? pl + plen + 1 : "";
		if (strcmp(token, TOKEN_SHUTDOWN) == 0)
			x->shutdown_pending = 1;
		else if (strcmp(token, TOKEN_TARGET) == 0)
			x->target_pending = 1;
		else if (strcmp(token, TOKEN_DEVICE) == 0 && device_event_matters(pl))
			x->scan_pending = 1;
		else if (strcmp(token, TOKEN_KV) == 0 && b->g->program == SIM_PROG_KV) {
			sim_kv_state(b->d)->request_pending = 1;
			sim_guest_touch(b->d, b->g->data_pfn);
		}
		else if (strncmp(token, TOKEN_BACKEND, strlen(TOKEN_BACKEND)) == 0) {
			unsigned long i = strtoul(token + strlen(TOKEN_BACKEND), NULL, 10);
			if (i < SIM_XB_DEVS && x->dev[i].used)
				x->dev[i].be_changed = 1;
		}
		return;
	}
	/* A READ or DIRECTORY may meet ENOENT; other failures are counted. */
	if (h->type == XS_ERROR && !(h->req_id == x->wait_req_id && x->action &&
				     (x->action & 0xffff) != XA_CLEAR_SHUTDOWN))
		x->errors++;
	if (!x->action || h->req_id != x->wait_req_id)
		return;
	uint32_t action = x->action;
	x->action = XA_NONE;
	char val[64];
	size_t n = h->len < sizeof(val) - 1 ? h->len : sizeof(val) - 1;
	memcpy(val, pl, n);
	val[n] = '\0';
	switch (action & 0xffff) {
	case XA_READ_SHUTDOWN: {
		if (h->type != XS_READ || !val[0])
			return; /* no request (the node is absent or empty) */
		int reason = shutdown_reason(val);
		if (reason < 0) {
			console_line(b, "control/shutdown: ignoring \"%s\"", val);
			return;
		}
		/* Acknowledge by clearing the node, then act (manage.c). */
		if (xb_send(b, XS_WRITE, &x->wait_req_id, "control/shutdown", 17, "", 0) == 0)
			x->action = XA_CLEAR_SHUTDOWN | (uint32_t)reason << XA_REASON_SHIFT;
		else
			x->shutdown_pending = 1; /* ring full: read it again later */
		return;
	}
	case XA_CLEAR_SHUTDOWN: {
		uint32_t reason = action >> XA_REASON_SHIFT;
		x->shutdowns_seen++;
		x->suspended = reason == SIM_SHUTDOWN_SUSPEND;
		console_line(b, "control/shutdown: %s",
			     reason == SIM_SHUTDOWN_POWEROFF ? "powering off" :
			     reason == SIM_SHUTDOWN_REBOOT ? "rebooting" : "suspending");
		pthread_mutex_lock(&b->d->mu);
		sim_domain_shutdown_self(b->d, reason);
		pthread_mutex_unlock(&b->d->mu);
		return;
	}
	case XA_READ_TARGET:
		if (h->type == XS_READ)
			balloon(b, val);
		return;
	case XA_DIR:
		scan_reply(b, h->type == XS_DIRECTORY ? pl : NULL, h->len);
		return;
	case XA_DEV_BACKEND:
	case XA_DEV_BESTATE:
		if (x->action_dev < SIM_XB_DEVS && x->dev[x->action_dev].used)
			dev_reply(b, &x->dev[x->action_dev], action & 0xffff,
				  h->type == XS_READ ? pl : NULL, h->len);
		return;
	case XA_KV_READ:
		if (h->type == XS_READ && b->g->program == SIM_PROG_KV)
			kv_request(b, pl, h->len);
		return;
	}
}

/* Takes every complete message off the response ring. */
static void read_replies(struct xb *b)
{
	struct xenstore_domain_interface *r = b->ring;
	struct sim_xenbus *x = b->x;
	for (;;) {
		XENSTORE_RING_IDX prod = __atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX cons = r->rsp_cons;
		if (prod == cons || prod - cons > XENSTORE_RING_SIZE)
			return;
		while (cons != prod) {
			char ch = r->rsp[MASK_XENSTORE_IDX(cons++)];
			if (x->skip) {
				x->skip--;
				continue;
			}
			x->in[x->in_used++] = ch;
			if (x->in_used < sizeof(struct xsd_sockmsg))
				continue;
			struct xsd_sockmsg h;
			memcpy(&h, x->in, sizeof(h));
			if (h.len > SIM_XB_INBUF - sizeof(h) - 1) {
				int awaited = x->action && h.req_id == x->wait_req_id &&
					      h.type != XS_WATCH_EVENT;
				if (awaited && (x->action & 0xffff) == XA_KV_READ) {
					/* A request too long for sim:kv is still answered
					 * (its SEQ is at the start): read what fits. */
					x->truncated = h.len - (uint32_t)(SIM_XB_INBUF - sizeof(h) - 1);
					h.len -= x->truncated;
					memcpy(x->in, &h, sizeof(h));
				} else {
					/* Nothing else this guest asks for is that large:
					 * drop it (and stop waiting for it). */
					if (awaited)
						x->action = XA_NONE;
					x->skip = h.len;
					x->in_used = 0;
					x->errors++;
					continue;
				}
			}
			if (x->in_used < sizeof(h) + h.len)
				continue;
			x->in[x->in_used] = '\0';
			x->in_used = 0;
			x->skip = x->truncated;
			x->truncated = 0;
			on_reply(b, &h, x->in + sizeof(h));
		}
		__atomic_store_n(&r->rsp_cons, cons, __ATOMIC_RELEASE);
		sim_guest_touch(b->d, b->g->store_pfn);
		sim_guest_touch(b->d, b->g->xenbus_pfn);
		b->kick_store = 1;
		/* A shutdown may have been decided: stop here. */
		if (b->d->shutdown)
			return;
	}
}

/* sim:kv: an answer still to write, else a changed request to read. */
static void kv_step(struct xb *b)
{
	struct sim_kv *kv = sim_kv_state(b->d);
	struct sim_xenbus *x = b->x;
	if (kv->out_pending)
		kv_flush(b);
	if (x->action || kv->out_pending || !kv->request_pending)
		return;
	if (xb_send(b, XS_READ, &x->wait_req_id, KV_REQUEST, sizeof(KV_REQUEST), NULL, 0) == 0) {
		kv->request_pending = 0;
		x->action = XA_KV_READ;
		sim_guest_touch(b->d, b->g->data_pfn);
	}
}

/* The conversation from its start: what xenstored knew of this guest is
 * gone (a ring reset, a restore into a new domain). */
static void start_again(struct xb *b)
{
	struct sim_xenbus *x = b->x;
	x->in_used = x->skip = x->truncated = 0;
	x->action = XA_NONE;
	x->shutdown_pending = x->target_pending = x->scan_pending = 0;
	for (unsigned i = 0; i < SIM_XB_DEVS; i++) {
		struct sim_xb_dev *v = &x->dev[i];
		v->phase = D_NEW;
		v->state = XBS_INITIALISING;
		v->be_state = 0;
		v->be_changed = 0;
	}
	x->phase = XB_BOOT;
	sim_guest_touch(b->d, b->g->xenbus_pfn);
}

void sim_xenbus_cancelled(struct sim_domain *d)
{
	struct xb b;
	xb_get(d, &b);
	b.x->suspended = 0;
	sim_guest_touch(d, b.g->xenbus_pfn);
}

void sim_xenbus_resume(struct sim_domain *d)
{
	struct xb b;
	xb_get(d, &b);
	struct xenstore_domain_interface *r = b.ring;
	/* Answers the old xenstored left are for requests nobody waits for now;
	 * requests it had not read are read by the new one, harmlessly (writes
	 * of the same values, watches set again). */
	r->rsp_cons = __atomic_load_n(&r->rsp_prod, __ATOMIC_ACQUIRE);
	r->connection = XENSTORE_CONNECTED;
	r->error = XENSTORE_ERROR_NONE;
	sim_guest_touch(d, b.g->store_pfn);
	start_again(&b);
	if (b.g->program == SIM_PROG_KV) {
		sim_kv_state(d)->request_pending = 1;
		sim_guest_touch(d, b.g->data_pfn);
	}
	/* The step that follows sends the conversation and kicks the store. */
	console_line(&b, "xenbus: restored into domain %u; starting again", d->domid);
}

int sim_xenbus_check(struct sim_domain *d, char *err, size_t errlen)
{
	struct xb b;
	xb_get(d, &b);
	const struct sim_xenbus *x = b.x;
	if (x->scan_type > 2 || x->in_used > SIM_XB_INBUF) {
		snprintf(err, errlen, "the guest's xenbus state is not xcd-sim's");
		return -EINVAL;
	}
	for (unsigned i = 0; i < SIM_XB_DEVS; i++) {
		const struct sim_xb_dev *v = &x->dev[i];
		if (v->used && (v->type > 1 || !memchr(v->backend, 0, sizeof(v->backend)))) {
			snprintf(err, errlen, "the guest's device slot %u is not xcd-sim's", i);
			return -EINVAL;
		}
	}
	return 0;
}

/*
 * The ring's reset (docs/misc/xenstore-ring.txt, "Connection state"): when
 * xenstored sets the error field (as xcd-xenstored does, asked by the
 * toolstack, for a guest whose earlier xenstored went away with its
 * watches), the guest sets connection to RECONNECT and waits for CONNECTED;
 * then it starts its conversation again as at boot: features, watches, and
 * each device's handshake from Initialising (its event channel kept). Linux
 * does not do this; a guest of xcd-sim does, so that a xenstored restart
 * can be survived. 1 while the ring is not usable.
 */
static int reconnect_step(struct xb *b)
{
	struct xenstore_domain_interface *r = b->ring;
	struct sim_xenbus *x = b->x;
	if (x->phase == XB_RECONNECT) {
		if (__atomic_load_n(&r->connection, __ATOMIC_ACQUIRE) != XENSTORE_CONNECTED)
			return 1;
		start_again(b);
		console_line(b, "xenbus: connection reset by xenstored; starting again");
		return 0;
	}
	if (__atomic_load_n(&r->error, __ATOMIC_ACQUIRE) == XENSTORE_ERROR_NONE ||
	    !(r->server_features & XENSTORE_SERVER_FEATURE_RECONNECTION))
		return 0;
	x->phase = XB_RECONNECT;
	__atomic_store_n(&r->connection, XENSTORE_RECONNECT, __ATOMIC_RELEASE);
	sim_guest_touch(b->d, b->g->store_pfn);
	sim_guest_touch(b->d, b->g->xenbus_pfn);
	b->kick_store = 1;
	return 1;
}

void sim_xenbus_step(struct sim_domain *d)
{
	struct xb b;
	xb_get(d, &b);
	struct sim_xenbus *x = b.x;
	if (reconnect_step(&b))
		goto kick;
	if (x->phase == XB_BOOT)
		boot_requests(&b);
	if (x->phase == XB_RUNNING) {
		read_replies(&b);
		if (!x->action && x->shutdown_pending) {
			if (xb_send(&b, XS_READ, &x->wait_req_id, "control/shutdown", 17, NULL, 0) == 0) {
				x->shutdown_pending = 0;
				x->action = XA_READ_SHUTDOWN;
			}
		} else if (!x->action && x->target_pending) {
			if (xb_send(&b, XS_READ, &x->wait_req_id, "memory/target", 14, NULL, 0) == 0) {
				x->target_pending = 0;
				x->action = XA_READ_TARGET;
			}
		} else if (!x->action && x->scan_pending) {
			if (xb_send(&b, XS_DIRECTORY, &x->wait_req_id, "device/vbd", 11, NULL, 0) == 0) {
				x->scan_pending = 0;
				x->scan_type = 0;
				x->action = XA_DIR;
			}
		} else if (b.g->program == SIM_PROG_KV) {
			kv_step(&b);
		}
		if (!x->action)
			dev_work(&b);
	}
kick:
	if (!b.kick_store && !b.kick_console)
		return;
	sim_guest_touch(d, b.g->xenbus_pfn);
	pthread_mutex_lock(&d->mu);
	if (b.kick_store)
		sim_evtchn_send_locked(d, b.g->store_port);
	if (b.kick_console)
		sim_evtchn_send_locked(d, b.g->console_port);
	pthread_mutex_unlock(&d->mu);
}
