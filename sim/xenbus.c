/* xenbus: the guest programs' xenstore client, as a Linux PV guest's xenbus
 * and its control drivers behave (drivers/xen/manage.c, the balloon):
 * advertise control/feature-{poweroff,reboot,suspend}, watch
 * control/shutdown and memory/target, and act on them. It talks through the
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

enum xb_phase { XB_BOOT = 0, XB_RUNNING = 1 };
/* What the answer awaited (wait_req_id) is for. */
enum xb_action {
	XA_NONE = 0,
	XA_READ_SHUTDOWN,
	XA_CLEAR_SHUTDOWN,
	XA_READ_TARGET,
};
/* action's high half while clearing control/shutdown: the reason to apply. */
#define XA_REASON_SHIFT 16

#define TOKEN_SHUTDOWN "xcd-sim:shutdown"
#define TOKEN_TARGET "xcd-sim:balloon"

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
	for (unsigned i = 0; i < 3; i++)
		xb_write(b, features[i], "1");
	xb_watch(b, "control/shutdown", TOKEN_SHUTDOWN);
	xb_watch(b, "memory/target", TOKEN_TARGET);
	b->x->phase = XB_RUNNING;
	console_line(b, "xcd-sim guest %s: xenbus up (store port %u)",
		     b->g->program == SIM_PROG_DIRTY ? "sim:dirty" : "sim:idle", b->g->store_port);
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
	 * pages (header, bitmap, rings). */
	uint64_t floor = b->g->data_pfn * 4 + 4;
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
		return HV_SHUTDOWN_POWEROFF;
	if (strcmp(v, "reboot") == 0)
		return HV_SHUTDOWN_REBOOT;
	if (strcmp(v, "suspend") == 0)
		return HV_SHUTDOWN_SUSPEND;
	return -1;
}

static void on_reply(struct xb *b, const struct xsd_sockmsg *h, const char *pl)
{
	struct sim_xenbus *x = b->x;
	if (h->type == XS_WATCH_EVENT) {
		size_t plen = strnlen(pl, h->len);
		const char *token = plen < h->len ? pl + plen + 1 : "";
		if (strncmp(token, TOKEN_SHUTDOWN, h->len - plen - 1) == 0)
			x->shutdown_pending = 1;
		else if (strncmp(token, TOKEN_TARGET, h->len - plen - 1) == 0)
			x->target_pending = 1;
		return;
	}
	if (h->type == XS_ERROR && (x->action & 0xffff) != XA_READ_SHUTDOWN &&
	    (x->action & 0xffff) != XA_READ_TARGET)
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
		console_line(b, "control/shutdown: %s",
			     reason == HV_SHUTDOWN_POWEROFF ? "powering off" :
			     reason == HV_SHUTDOWN_REBOOT ? "rebooting" : "suspending");
		pthread_mutex_lock(&b->d->mu);
		sim_domain_shutdown_self(b->d, reason);
		pthread_mutex_unlock(&b->d->mu);
		return;
	}
	case XA_READ_TARGET:
		if (h->type == XS_READ)
			balloon(b, val);
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
				/* Nothing this guest asks for is that large: drop it. */
				x->skip = h.len;
				x->in_used = 0;
				x->errors++;
				continue;
			}
			if (x->in_used < sizeof(h) + h.len)
				continue;
			x->in[x->in_used] = '\0';
			x->in_used = 0;
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

void sim_xenbus_step(struct sim_domain *d)
{
	struct xb b;
	xb_get(d, &b);
	struct sim_xenbus *x = b.x;
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
		}
	}
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
