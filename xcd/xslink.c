/* xslink: xcdd's link to xenstored: its connections (requests, the
 * @releaseDomain watch, a plain one that turns readable the moment xenstored
 * is gone), their loss, the reconnection with a backoff (starting our own
 * xcd-xenstored again once), and what a new store needs re-published. */
#include "xslink.h"
#include "../lib/errmsg.h"
#include "../lib/fdio.h"
#include "../lib/log.h"
#include "daemons.h"
#include "host.h"
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <xenstore.h>

#define XS_RETRY_FIRST_MS 100
#define XS_RETRY_MAX_MS 5000

static void xs_retry_cb(struct loop *l, struct loop_timer *t, void *arg);

/* xs_open through XENSTORED_PATH=SOCK (libxenstore's own variable, which the
 * hotplug scripts' xenstore-read and -write inherit). */
struct xs_handle *xslink_open_at(const char *sock)
{
	setenv("XENSTORED_PATH", sock, 1);
	return xs_open(0);
}

/* @releaseDomain: xenstored saw a domain shut down or die. The poll that
 * follows applies its on_* action now rather than at the next tick. */
static void release_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct xcdd *x = arg;
	char **vec;
	bool fired = false;
	while ((vec = xs_check_watch(x->xs_watch))) {
		free(vec);
		fired = true;
	}
	if (errno != EAGAIN) {
		/* xenstored went away: the connections are dropped and made
		 * again; the once-a-second poll carries on meanwhile. */
		char why[XCD_ERR_MAX];
		snprintf(why, sizeof(why), "the @releaseDomain watch failed: %s", strerror(errno));
		xslink_lost(x, why);
	}
	if (fired)
		host_poll(x);
}

/* Without the watch, the one-second poll still notices everything. The
 * same xenstored as x->xs: XENSTORED_PATH is set by now where it matters. */
static void watch_release(struct xcdd *x)
{
	int wfd = -1;
	if (!(x->xs_watch = xs_open(0)) || !xs_watch(x->xs_watch, "@releaseDomain", "xcdd") ||
	    (wfd = xs_fileno(x->xs_watch)) < 0 ||
	    loop_add(x->loop, wfd, EPOLLIN, release_cb, x) < 0)
		log_warn("no @releaseDomain watch (%s): shutdowns are noticed within a second",
			 strerror(errno));
	else
		x->watch_fd = wfd;
}

/* Where xenstored listens: the store xcdd was given or started, else
 * libxenstore's choice (XENSTORED_PATH, else its default socket). */
static const char *store_socket(const struct xcdd *x)
{
	const char *env = getenv("XENSTORED_PATH");
	if (x->store && x->store[0])
		return x->store;
	return env && *env ? env : "/run/xenstored/socket";
}

static void live_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct xcdd *x = arg;
	char c;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	/* xenstored never writes unasked: EOF, an error, or nonsense alike
	 * mean the daemon is gone. */
	xslink_lost(x, n == 0 ? "its socket was closed" : n < 0 ? strerror(errno)
							 : "unexpected data on its socket");
}

/* The descriptor that tells at once that xenstored is gone; without it
 * (no socket: /dev/xen/xenbus) a failing watch or request tells. */
static void live_open(struct xcdd *x)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *path = store_socket(x);
	if (strlen(path) >= sizeof(sa.sun_path))
		return;
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    loop_add(x->loop, fd, EPOLLIN | EPOLLRDHUP, live_cb, x) < 0) {
		log_debug("no liveness connection to %s: %s", path, strerror(errno));
		close(fd);
		return;
	}
	x->xs_live_fd = fd;
}

/* Drops the watch connection and the liveness one (not x->xs). */
void xslink_detach(struct xcdd *x)
{
	if (x->watch_fd >= 0)
		loop_del(x->loop, x->watch_fd);
	x->watch_fd = -1;
	if (x->xs_watch)
		xs_close(x->xs_watch);
	x->xs_watch = NULL;
	if (x->xs_live_fd >= 0) {
		loop_del(x->loop, x->xs_live_fd);
		close(x->xs_live_fd);
	}
	x->xs_live_fd = -1;
}

/* x->xs is connected: the watch and the liveness connection to it. */
void xslink_attach(struct xcdd *x)
{
	watch_release(x);
	live_open(x);
}

static void xs_retry_arm(struct xcdd *x, unsigned ms)
{
	loop_timer_arm(x->xs_retry, ms, 0);
}

bool xslink_own_store(const struct xcdd *x)
{
	char own[PATH_MAX + 32];
	snprintf(own, sizeof(own), "%s/xenstored.sock", x->rundir);
	return x->store && strcmp(x->store, own) == 0;
}

/*
 * xenstored went away (it crashed, was killed or is being restarted): the
 * connections are closed, the methods that need xenstore are refused until
 * a new connection is made, and the reconnection timer starts. Said once.
 */
void xslink_lost(struct xcdd *x, const char *why)
{
	if (x->xs_down || !x->xs)
		return;
	log_err("xenstore at %s went away (%s): requests that need it are refused until xcdd "
		"reconnects; the guests keep running", store_socket(x), why);
	xslink_detach(x);
	xs_close(x->xs);
	xslink_set(x, NULL);
	x->xs_down = true;
	x->xs_tries = 0;
	x->xs_restarted = false;
	x->xs_down_since_ms = mono_ms();
	x->xs_backoff_ms = XS_RETRY_FIRST_MS;
	xs_retry_arm(x, x->xs_backoff_ms);
}

/* Connected again: the watch, then whatever a fresh store lacks. */
static void xs_back(struct xcdd *x, struct xs_handle *xs)
{
	xslink_set(x, xs);
	x->xs_down = false;
	xslink_attach(x);
	unsigned long long ms = mono_ms() - x->xs_down_since_ms;
	log_info("xenstore at %s is back after %llu.%01llu s (%u tries)", store_socket(x),
		 ms / 1000, ms % 1000 / 100, x->xs_tries);
	if (xslink_own_store(x))
		consoled_sup_expect_exit(&x->consoled);
	unsigned republished = 0, kept = 0;
	int rc = dm_republish(&x->dm, &republished, &kept);
	if (republished)
		log_info("xenstored had lost its store: %u domain(s) re-published", republished);
	if (kept)
		log_info("xenstored kept the entries of %u domain(s): left as they are", kept);
	if (rc < 0)
		log_warn("xenstore: some domains could not be re-published (see above)");
	/* Whatever shut down meanwhile is applied now. */
	host_poll(x);
}

static void xs_retry_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct xcdd *x = arg;
	if (!x->xs_down)
		return;
	x->xs_tries++;
	/* A Unix socket's connect answers at once: no wait in the loop. */
	struct xs_handle *xs = x->store && x->store[0] ? xslink_open_at(x->store) : xs_open(0);
	if (xs) {
		xs_back(x, xs);
		return;
	}
	/* Ours is started again once; after that it is waited for (its pid
	 * file says whether it is still there). */
	if (xslink_own_store(x) && !x->xs_restarted) {
		log_info("starting a new xcd-xenstored at %s", x->store);
		x->xs_restarted = daemons_start_xenstored(x->rundir, x->sim_sock) == 0;
	} else if (x->xs_tries == 1 || x->xs_tries % 20 == 0) {
		log_info("xenstore at %s: %s; trying again", store_socket(x), strerror(errno));
	}
	x->xs_backoff_ms = x->xs_backoff_ms * 2 > XS_RETRY_MAX_MS ? XS_RETRY_MAX_MS
								  : x->xs_backoff_ms * 2;
	xs_retry_arm(x, x->xs_backoff_ms);
}

void xslink_set(struct xcdd *x, struct xs_handle *xs)
{
	x->xs = x->dm.xs = x->dm.dev.xs = xs;
}

int xslink_init(struct xcdd *x)
{
	x->xs_retry = loop_timer_new(x->loop, xs_retry_cb, x);
	return x->xs_retry ? 0 : -ENOMEM;
}
