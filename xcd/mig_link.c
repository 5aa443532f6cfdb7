/* mig_link: the sending side of a migration over TCP as a child job of
 * xcdd (mig_link.h). The child runs mig_tcp_send between the pipe's far
 * ends (its descriptors 4 and 5) and the network, reporting "connected"
 * (who, where, the cipher, whether it tells when its copy's devices are
 * up), the receiver's "note"s, "devices" (they are), and its "stats"; the
 * near ends are the caller's from the start. */
#include "mig_link.h"
#include "../lib/jsonw.h"
#include "../lib/caps.h"
#include "../lib/log.h"
#include "devjob.h"
#include "json_tree.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct mig_link {
	struct devjob *job;
	const struct mig_link_hooks *h;
	void *arg;
	char notes[MIG_NOTE_MAX + 64];
	/* Tests only (XCDD_TEST_LINK_CONNECTED_LATE_MS): "connected" handed on
	 * that late, and a "devices" that came meanwhile after it. */
	struct loop *loop;
	struct loop_timer *late;
	struct mig_tcp_peer late_peer;
	bool devices_held;
};

/* ---- the child ---- */

static void ev_connected(void *arg, const struct mig_tcp_peer *p)
{
	int fd = *(int *)arg;
	yajl_gen g = devjob_event_new("connected");
	if (!g)
		return;
	if (jw_kv_str(g, "name", p->cred.name) || jw_kv_str(g, "fingerprint", p->cred.fingerprint) ||
	    jw_kv_str(g, "address", p->address) || jw_kv_str(g, "cipher", p->cipher) ||
	    jw_kv_int(g, "streams", p->streams) || jw_str(g, "devices") ||
	    yajl_gen_bool(g, p->devices)) {
		yajl_gen_free(g);
		return;
	}
	devjob_event_send(fd, g);
}

static void ev_note(void *arg, const char *text)
{
	int fd = *(int *)arg;
	yajl_gen g = devjob_event_new("note");
	if (g && jw_kv_str(g, "text", text) == 0)
		devjob_event_send(fd, g);
	else if (g)
		yajl_gen_free(g);
}

static void ev_devices(void *arg)
{
	int fd = *(int *)arg;
	yajl_gen g = devjob_event_new("devices");
	if (g)
		devjob_event_send(fd, g);
}

static int link_work(int fd, void *arg, char *err, size_t errlen)
{
	const struct mig_tcp_send_opts *o = arg;
	struct mig_tcp_send_hooks h = { &fd, ev_connected, ev_note, ev_devices };
	struct mig_tcp_send_stats st = { 0 };
	/* What the destination sends is parsed here: no capability is kept. */
	int rc = caps_drop_all(err, errlen);
	if (rc < 0) {
		close(CHILDJOB_FD + 1);
		close(CHILDJOB_FD + 2);
		return rc;
	}
	rc = mig_tcp_send(o, CHILDJOB_FD + 1, CHILDJOB_FD + 2, &h, &st, err, errlen);
	yajl_gen g = devjob_event_new("stats");
	if (g && !jw_kv_int(g, "bytes", (long long)st.bytes) &&
	    !jw_kv_int(g, "segments", (long long)st.segments) &&
	    !jw_kv_int(g, "cut", (long long)st.cut))
		devjob_event_send(fd, g);
	else if (g)
		yajl_gen_free(g);
	return rc;
}

/* ---- the daemon ---- */

/* XCDD_TEST_LINK_CONNECTED_LATE_MS: how long the daemon holds a link's
 * "connected" back (0: not), so that tests can make a migration's suspend
 * request come first, as nothing but timing prevents. */
static unsigned connected_late_ms(void)
{
	const char *v = getenv("XCDD_TEST_LINK_CONNECTED_LATE_MS");
	return v ? (unsigned)strtoul(v, NULL, 10) : 0;
}

static void connected_late(struct loop *lp, struct loop_timer *t, void *arg)
{
	struct mig_link *l = arg;
	(void)lp;
	(void)t;
	l->h->connected(l, &l->late_peer, l->arg);
	if (l->devices_held && l->h->devices)
		l->h->devices(l, l->arg);
	l->devices_held = false;
}

/* P connected: told now, or (tests) held back. */
static void connected(struct mig_link *l, const struct mig_tcp_peer *p)
{
	unsigned ms = connected_late_ms();
	if (ms && l->loop && !l->late && (l->late = loop_timer_new(l->loop, connected_late, l))) {
		log_warn("XCDD_TEST_LINK_CONNECTED_LATE_MS=%u: the link's \"connected\" held back",
			 ms);
		l->late_peer = *p;
		loop_timer_arm(l->late, ms, 0);
		return;
	}
	l->h->connected(l, p, l->arg);
}

static void link_event(const char *line, void *arg)
{
	struct mig_link *l = arg;
	char perr[64];
	yajl_val t = yajl_tree_parse(line, perr, sizeof(perr));
	if (!t)
		return;
	const char *ev = jt_str(t, "event");
	if (!strcmp(ev, "connected")) {
		struct mig_tcp_peer p = { 0 };
		snprintf(p.cred.name, sizeof(p.cred.name), "%s", jt_str(t, "name"));
		snprintf(p.cred.fingerprint, sizeof(p.cred.fingerprint), "%s",
			 jt_str(t, "fingerprint"));
		snprintf(p.address, sizeof(p.address), "%s", jt_str(t, "address"));
		snprintf(p.cipher, sizeof(p.cipher), "%s", jt_str(t, "cipher"));
		p.streams = (unsigned)jt_u64(t, "streams");
		yajl_val dv = yajl_tree_get(t, (const char *[]){ "devices", NULL }, yajl_t_true);
		p.devices = dv != NULL;
		yajl_tree_free(t);
		connected(l, &p);
		return;
	}
	if (!strcmp(ev, "devices")) {
		yajl_tree_free(t);
		if (l->late && loop_timer_armed(l->late))
			l->devices_held = true; /* after the held "connected" */
		else if (l->h->devices)
			l->h->devices(l, l->arg);
		return;
	}
	if (!strcmp(ev, "note")) {
		size_t n = strlen(l->notes);
		snprintf(l->notes + n, sizeof(l->notes) - n, "%s%s", n ? "; " : "",
			 jt_str(t, "text"));
	} else if (!strcmp(ev, "stats")) {
		log_debug("migration link: %llu bytes in %llu segments, %llu cut inside a record",
			  (unsigned long long)jt_u64(t, "bytes"),
			  (unsigned long long)jt_u64(t, "segments"),
			  (unsigned long long)jt_u64(t, "cut"));
	}
	yajl_tree_free(t);
}

static void link_done(int rc, bool reported, const char *err, void *arg)
{
	struct mig_link *l = arg;
	(void)reported;
	l->h->ended(l, rc, err, l->arg);
	if (l->late)
		loop_timer_free(l->late);
	free(l);
}

int mig_link_start(struct childjobs *js, const struct mig_tcp_send_opts *o,
		   const struct mig_link_hooks *h, void *arg, struct mig_link **out, int *send,
		   int *recv, char *err, size_t errlen)
{
	struct mig_link *l = calloc(1, sizeof(*l));
	int s2r[2] = { -1, -1 }, r2s[2] = { -1, -1 };
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (pipe2(s2r, O_CLOEXEC) < 0 || pipe2(r2s, O_CLOEXEC) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		for (int i = 0; i < 2; i++)
			if (s2r[i] >= 0)
				close(s2r[i]);
		free(l);
		return rc;
	}
	fcntl(s2r[1], F_SETPIPE_SZ, 1 << 20); /* fewer wake-ups for the stream */
	*l = (struct mig_link){ .h = h, .arg = arg, .loop = js->loop };
	int fds[2] = { s2r[0], r2s[1] };
	struct devjob_extra x = { fds, 2, link_event, "xcdd-miglink" };
	char what[64];
	snprintf(what, sizeof(what), "the migration link to %s", o->peer_name);
	int rc = devjob_run_with(js, what, &x, link_work, (void *)o, NULL, link_done, l, &l->job,
				 err, errlen);
	close(s2r[0]); /* the child's now */
	close(r2s[1]);
	if (rc < 0) {
		close(s2r[1]);
		close(r2s[0]);
		free(l);
		return rc;
	}
	*out = l;
	*send = s2r[1];
	*recv = r2s[0];
	return 0;
}

void mig_link_cancel(struct mig_link *l)
{
	devjob_cancel(l->job);
	if (l->late)
		loop_timer_free(l->late);
	free(l);
}

const char *mig_link_notes(const struct mig_link *l)
{
	return l->notes;
}
