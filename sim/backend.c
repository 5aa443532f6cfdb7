/* backend: the simulated host's dom0 backend drivers, in the role Linux's
 * blkback and netback play in a Xen dom0: they watch
 * /local/domain/0/backend/{vbd,vif} in xenstore and answer the xenbus
 * handshake (xen/io/xenbus.h, xenstore-paths) with the frontends of the
 * guests. They have no data path: no blocks or packets move.
 *
 *   vbd: Initialising -> write features, InitWait; once the block hotplug
 *        script wrote physical-device and the frontend is Initialised (or
 *        Connected) with ring-ref and event-channel: sectors, sector-size,
 *        info, Connected.
 *   vif: Initialising -> features, InitWait; frontend Connected with
 *        request-rx-copy=1 -> Connected.
 *   both: frontend Closing/Closed -> Closing/Closed; backend set to Closing
 *        (the toolstack's removal) -> Closed once the frontend closed or
 *        never connected.
 *   Every write is conditional on the device's state node still being
 *   there (see wr), so a removed device is never brought back.
 *
 * One thread, a libxenstore client of the xenstored at --xenstore PATH; it
 * connects when that xenstored is up and again if it goes away. */
#include "sim.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define BE_ROOT "/local/domain/0/backend"
#define MAX_WATCHED 256

struct sim_backends {
	pthread_t thread;
	int started;
	int stop[2]; /* a byte on stop[1] ends the thread */
	struct xs_handle *xs;
	/* A connection to xenstored's socket that never sends: readable (EOF)
	 * once xenstored is gone, which libxenstore's watch descriptor never
	 * tells. -1: none. */
	int live;
	/* frontend state nodes watched, to hear the frontends' moves */
	char *watched[MAX_WATCHED];
	/* --backend-delay: a pause before each write, so that a test can
	 * remove a device between our read of it and our answer */
	long delay_ms;
};

static char *rd(struct sim_backends *b, const char *fmt, const char *base)
{
	char path[256];
	snprintf(path, sizeof(path), fmt, base);
	unsigned len;
	return xs_read(b->xs, XBT_NULL, path, &len);
}

static unsigned rd_state(struct sim_backends *b, const char *base)
{
	char *v = rd(b, "%s/state", base);
	unsigned s = v ? (unsigned)strtoul(v, NULL, 10) : 0;
	free(v);
	return s;
}

/* Writes BASE/NODE = VAL only while the device still has its state node, in
 * one transaction, as Linux's xenbus_switch_state does: the toolstack may have
 * removed the directory after we read it, and a plain write would bring the
 * removed path back (xenstored makes the parents), leaving a stray backend.
 * False when the device is gone or the write failed. */
static bool wr(struct sim_backends *b, const char *base, const char *node, const char *val)
{
	char path[256], stpath[256];
	snprintf(path, sizeof(path), "%s/%s", base, node);
	snprintf(stpath, sizeof(stpath), "%s/state", base);
	if (b->delay_ms > 0) {
		struct timespec ts = { b->delay_ms / 1000, (b->delay_ms % 1000) * 1000000L };
		nanosleep(&ts, NULL);
	}
	for (int tries = 0; tries < 16; tries++) {
		xs_transaction_t t = xs_transaction_start(b->xs);
		if (t == XBT_NULL) {
			log_warn("backend: write %s: no transaction: %s", path, strerror(errno));
			return false;
		}
		unsigned len;
		char *st = xs_read(b->xs, t, stpath, &len);
		if (!st) {
			int err = errno;
			xs_transaction_end(b->xs, t, true);
			if (err != ENOENT)
				log_warn("backend: read %s: %s", stpath, strerror(err));
			else
				log_debug("backend %s: gone, %s not written", base, node);
			return false;
		}
		free(st);
		if (!xs_write(b->xs, t, path, val, strlen(val))) {
			log_warn("backend: write %s: %s", path, strerror(errno));
			xs_transaction_end(b->xs, t, true);
			return false;
		}
		if (xs_transaction_end(b->xs, t, false))
			return true;
		if (errno != EAGAIN) {
			log_warn("backend: write %s: commit: %s", path, strerror(errno));
			return false;
		}
	}
	log_warn("backend: write %s: the transaction kept conflicting", path);
	return false;
}

static void switch_state(struct sim_backends *b, const char *base, unsigned st)
{
	char v[4];
	snprintf(v, sizeof(v), "%u", st);
	if (wr(b, base, "state", v))
		log_debug("backend %s: state %u", base, st);
}

static void watch_frontend(struct sim_backends *b, const char *fe)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/state", fe);
	int slot = -1;
	for (int i = 0; i < MAX_WATCHED; i++) {
		if (b->watched[i] && strcmp(b->watched[i], path) == 0)
			return;
		if (!b->watched[i] && slot < 0)
			slot = i;
	}
	if (slot < 0 || !xs_watch(b->xs, path, "fe"))
		return;
	b->watched[slot] = strdup(path);
}

static void unwatch_frontend(struct sim_backends *b, const char *fe)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/state", fe);
	for (int i = 0; i < MAX_WATCHED; i++) {
		if (b->watched[i] && strcmp(b->watched[i], path) == 0) {
			xs_unwatch(b->xs, path, "fe");
			free(b->watched[i]);
			b->watched[i] = NULL;
		}
	}
}

/* VDISK_* of xen/io/blkif.h */
#define VDISK_READONLY 0x4

static void vbd_connect(struct sim_backends *b, const char *base, const char *fe)
{
	char *rr = rd(b, "%s/ring-ref", fe), *ec = rd(b, "%s/event-channel", fe);
	int ready = rr && ec;
	free(rr);
	free(ec);
	if (!ready) {
		log_warn("backend %s: the frontend is Initialised without ring-ref and event-channel",
			 base);
		return;
	}
	char *params = rd(b, "%s/params", base), *mode = rd(b, "%s/mode", base);
	struct stat st;
	unsigned long long sectors = 0;
	if (params && stat(params, &st) == 0)
		sectors = (unsigned long long)st.st_size / 512;
	char v[32];
	snprintf(v, sizeof(v), "%llu", sectors);
	wr(b, base, "sectors", v);
	wr(b, base, "sector-size", "512");
	snprintf(v, sizeof(v), "%u", mode && mode[0] == 'r' ? VDISK_READONLY : 0);
	wr(b, base, "info", v);
	free(params);
	free(mode);
	switch_state(b, base, 4);
}

/* Brings one backend device along (idempotent: it runs on every event). */
static void be_update(struct sim_backends *b, int vif, const char *base)
{
	unsigned st = rd_state(b, base);
	char *fe = rd(b, "%s/frontend", base);
	if (!st) { /* removed by the toolstack */
		if (fe)
			unwatch_frontend(b, fe);
		free(fe);
		return;
	}
	if (fe)
		watch_frontend(b, fe);
	unsigned fst = fe ? rd_state(b, fe) : 0;
	switch (st) {
	case 1:
		if (vif) {
			wr(b, base, "feature-sg", "1");
			wr(b, base, "feature-gso-tcpv4", "1");
			wr(b, base, "feature-rx-copy", "1");
			wr(b, base, "feature-rx-flip", "0");
		} else {
			wr(b, base, "feature-flush-cache", "1");
		}
		switch_state(b, base, 2);
		break;
	case 2:
		if (!fe)
			break;
		if (vif) {
			char *rx = rd(b, "%s/request-rx-copy", fe);
			if (fst == 4 && rx && strcmp(rx, "1") == 0)
				switch_state(b, base, 4);
			free(rx);
		} else {
			char *pd = rd(b, "%s/physical-device", base);
			if (pd && (fst == 3 || fst == 4))
				vbd_connect(b, base, fe);
			free(pd);
		}
		if (fst == 5 || fst == 6)
			switch_state(b, base, fst);
		break;
	case 4:
		if (fst == 5 || fst == 6)
			switch_state(b, base, fst);
		break;
	case 5:
		if (fst == 5 || fst == 6 || fst < 3)
			switch_state(b, base, 6);
		break;
	}
	free(fe);
}

/* An event path names a device: BE_ROOT/TYPE/DOMID/DEVID[/...], or a
 * frontend's /local/domain/DOMID/device/TYPE/DEVID/state. */
static void on_event(struct sim_backends *b, const char *path)
{
	char type[8];
	unsigned domid, devid;
	char base[128];
	if (sscanf(path, BE_ROOT "/%7[a-z]/%u/%u", type, &domid, &devid) != 3 &&
	    sscanf(path, "/local/domain/%u/device/%7[a-z]/%u", &domid, type, &devid) != 3)
		return;
	int vif = strcmp(type, "vif") == 0;
	if (!vif && strcmp(type, "vbd") != 0)
		return;
	snprintf(base, sizeof(base), BE_ROOT "/%s/%u/%u", type, domid, devid);
	be_update(b, vif, base);
}

/* The devices of TYPE written before we watched (xenstored came up after
 * the toolstack wrote them, or we reconnected): probed as Linux's xenbus
 * probes the backend directory when its driver starts. */
static void probe_existing(struct sim_backends *b, const char *type)
{
	char dir[96], path[128];
	unsigned nd = 0, nv = 0;
	snprintf(dir, sizeof(dir), BE_ROOT "/%s", type);
	char **doms = xs_directory(b->xs, XBT_NULL, dir, &nd);
	for (unsigned i = 0; doms && i < nd; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, doms[i]);
		char **devs = xs_directory(b->xs, XBT_NULL, path, &nv);
		for (unsigned k = 0; devs && k < nv; k++) {
			char dev[160];
			snprintf(dev, sizeof(dev), "%s/%s", path, devs[k]);
			on_event(b, dev);
		}
		free(devs);
	}
	free(doms);
}

/* 1: stop; 2: xenstored is gone; else 0. */
static int wait_stop(struct sim_backends *b, int fd, int ms)
{
	struct pollfd p[3] = { { b->stop[0], POLLIN, 0 }, { fd, POLLIN, 0 },
			       { b->live, POLLIN | POLLRDHUP, 0 } };
	int n = poll(p, fd < 0 ? 1 : b->live >= 0 ? 3 : 2, ms);
	if (n > 0 && p[0].revents)
		return 1;
	if (n > 0 && fd >= 0 && b->live >= 0 && p[2].revents)
		return 2;
	return 0;
}

static void live_open(struct sim_backends *b)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = getenv("XENSTORED_PATH");
	b->live = -1;
	if (!path || strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		b->live = fd;
	else if (fd >= 0)
		close(fd);
}

static void disconnect(struct sim_backends *b)
{
	if (b->live >= 0)
		close(b->live);
	b->live = -1;
	for (int i = 0; i < MAX_WATCHED; i++) {
		free(b->watched[i]);
		b->watched[i] = NULL;
	}
	if (b->xs)
		xs_close(b->xs);
	b->xs = NULL;
}

static void *backend_main(void *arg)
{
	struct sim_backends *b = arg;
	int said = 0;
	for (;;) {
		if (!b->xs) {
			b->xs = xs_open(0);
			if (!b->xs || !xs_watch(b->xs, BE_ROOT "/vbd", "be") ||
			    !xs_watch(b->xs, BE_ROOT "/vif", "be")) {
				disconnect(b);
				if (!said++)
					log_info("backends: waiting for xenstored");
				if (wait_stop(b, -1, 100))
					break;
				continue;
			}
			log_info("backends: vbd and vif drivers on xenstore");
			said = 0;
			live_open(b);
			probe_existing(b, "vbd");
			probe_existing(b, "vif");
		}
		int w = wait_stop(b, xs_fileno(b->xs), -1);
		if (w == 1)
			break;
		if (w == 2) {
			/* Its store went with it: the backends are found again
			 * (probe_existing) on the next xenstored. */
			log_warn("backends: xenstored connection lost: its socket was closed");
			disconnect(b);
			continue;
		}
		for (;;) {
			char **vec = xs_check_watch(b->xs);
			if (!vec) {
				if (errno != EAGAIN) {
					log_warn("backends: xenstored connection lost: %s", strerror(errno));
					disconnect(b);
				}
				break;
			}
			on_event(b, vec[XS_WATCH_PATH]);
			free(vec);
		}
	}
	disconnect(b);
	return NULL;
}

int sim_backends_start(const char *xenstore_socket, long delay_ms, struct sim_backends **out)
{
	struct sim_backends *b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->delay_ms = delay_ms;
	b->live = -1;
	/* libxenstore finds its socket there; set before the thread exists. */
	setenv("XENSTORED_PATH", xenstore_socket, 1);
	if (pipe2(b->stop, O_CLOEXEC) < 0) {
		free(b);
		return -errno;
	}
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = -pthread_create(&b->thread, NULL, backend_main, b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc < 0) {
		close(b->stop[0]);
		close(b->stop[1]);
		free(b);
		return rc;
	}
	b->started = 1;
	*out = b;
	return 0;
}

void sim_backends_stop(struct sim_backends *b)
{
	if (!b)
		return;
	if (write(b->stop[1], "x", 1) < 0)
		log_warn("backends: stop: %s", strerror(errno));
	pthread_join(b->thread, NULL);
	close(b->stop[0]);
	close(b->stop[1]);
	free(b);
}
