/*
 * xcdd: the xcd daemon. One epoll loop serves JSON-RPC 2.0 on RUNDIR/xcd.sock,
 * keeps the managed domains in step with the hypervisor (domain_mgr) and tells
 * every client about state changes.
 */
#include "../lib/log.h"
#include "../lib/loop.h"
#include "clients.h"
#include "hotplug.h"
#include "xcdd.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define SIM_START_MS 5000
#define XENSTORED_START_MS 5000
/* How long a daemon of ours gets to stop on SIGTERM. */
#define STOP_MS 2000
/* Where installed hotplug scripts are (Makefile.am defines it). */
#ifndef XCD_HOTPLUG_DIR
#define XCD_HOTPLUG_DIR "/usr/local/libexec/xcd/hotplug"
#endif

static void host_lost(struct xcdd *x);
static void xs_lost(struct xcdd *x, const char *why);

/* A poll is how xcdd learns the host is gone: its connection reset. */
static void poll_host(struct xcdd *x)
{
	if (dm_poll(&x->dm) == -ECONNRESET && x->own_sim)
		host_lost(x);
}

static void start_consoled(const char *rundir, const char *sim_sock, struct xs_handle *xs);
static bool own_store(const struct xcdd *x);
static uint64_t now_ms(void);

static void timer_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct xcdd *x = arg;
	uint64_t n;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("timer: %s", strerror(errno));
	devjobs_tick(&x->dm.jobs);
	poll_host(x);
	/* Our xcd-consoled, when it died (of a crash, a kill, or its xenstored
	 * going), is started again once xenstored answers. */
	if (own_store(x) && x->xs && !x->xs_down &&
	    consoled_sup_due(&x->consoled, x->rundir, now_ms())) {
		consoled_sup_started(&x->consoled, now_ms());
		start_consoled(x->rundir, x->sim_sock, x->xs);
	}
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
		char why[128];
		snprintf(why, sizeof(why), "the @releaseDomain watch failed: %s", strerror(errno));
		xs_lost(x, why);
	}
	if (fired)
		poll_host(x);
}

static void signal_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) == sizeof(si))
		log_info("signal %u: stopping (guests keep running)", si.ssi_signo);
	loop_stop(l);
}

static int listen_on(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%.300s...: path too long for a socket", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	/* We hold the lock: a socket file left here is a dead daemon's. */
	unlink(path);
	/* Anyone may connect: SO_PEERCRED decides, and a refusal says why. The
	 * socket is 0666 from bind on (umask), and checked before listen, so no
	 * caller ever finds it with another mode. */
	mode_t old = umask(0111);
	int b = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (b < 0)
		goto fail;
	struct stat st;
	if (stat(path, &st) < 0 || ((st.st_mode & 07777) != 0666 && chmod(path, 0666) < 0) ||
	    listen(fd, 64) < 0)
		goto fail;
	return fd;
fail:;
	int rc = -errno;
	snprintf(err, errlen, "%.300s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static int take_lock(const char *rundir, int *out)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/xcdd.lock", rundir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "xcdd: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		char pid[32] = "";
		ssize_t n = read(fd, pid, sizeof(pid) - 1);
		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		if (errno == EWOULDBLOCK || errno == EAGAIN || n >= 0)
			fprintf(stderr,
				"xcdd: another xcdd is running on %s (pid %s holds %s); not starting\n",
				rundir, pid[0] ? pid : "?", path);
		close(fd);
		return -1;
	}
	*out = fd;
	return 0;
}

static void write_pid(int fd)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n)
		log_warn("cannot write the pid to the lock file: %s", strerror(errno));
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A program of ours: $ENV, else beside xcdd, else in the build tree's
 * folder SUBDIR. */
static int find_prog(const char *env_name, const char *name, const char *subdir, char *out,
		     size_t outlen)
{
	const char *env = getenv(env_name);
	if (env && *env) {
		snprintf(out, outlen, "%s", env);
		return access(out, X_OK);
	}
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -1;
	self[n] = '\0';
	char *dir = dirname(self);
	snprintf(out, outlen, "%s/%s", dir, name);
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, outlen, "%s/../%s/%s", dir, subdir, name);
	return access(out, X_OK);
}

/* Starts ARGV (ARGV[0] the binary) outside our process group and session,
 * so that it (xcd-sim and its guests, xcd-xenstored and its store) outlives
 * xcdd, its output appended to LOGPATH. */
static int start_detached(char *const argv[], const char *logpath, char *err, size_t errlen)
{
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -errno;
	}
	if (pid == 0) {
		setsid();
		if (fork() != 0)
			_exit(0);
		int nul = open("/dev/null", O_RDONLY);
		/* Root's alone: the daemons log what guests wrote. An older
		 * version's log may be readable by others. */
		int lf = open(logpath, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (lf >= 0)
			fchmod(lf, 0600);
		if (nul >= 0)
			dup2(nul, 0);
		if (lf >= 0) {
			dup2(lf, 1);
			dup2(lf, 2);
		}
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		/* Nothing of xcdd's (its lock above all) may live on in it. */
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	log_info("started %s (log %s)", argv[0], logpath);
	return 0;
}

/* STORE: the xenstored on which xcd-sim plays dom0's vbd and vif backends. */
static int start_sim(const char *rundir, const char *sock, const char *store, char *err,
		     size_t errlen)
{
	char bin[4096], logpath[PATH_MAX + 32];
	if (find_prog("XCD_SIM", "xcd-sim", "sim", bin, sizeof(bin)) < 0) {
		snprintf(err, errlen,
			 "no xcd-sim found (beside xcdd or in $XCD_SIM) to start at %.150s", sock);
		return -ENOENT;
	}
	snprintf(logpath, sizeof(logpath), "%s/xcd-sim.log", rundir);
	char *const argv[] = { bin, (char *)"--socket", (char *)sock, (char *)"--xenstore",
			       (char *)store, NULL };
	return start_detached(argv, logpath, err, errlen);
}

/* xs_open through XENSTORED_PATH=SOCK (libxenstore's own variable, which the
 * hotplug scripts' xenstore-read and -write inherit). */
static struct xs_handle *xs_open_at(const char *sock)
{
	setenv("XENSTORED_PATH", sock, 1);
	return xs_open(0);
}

/*
 * The xenstore xcdd writes to. On the simulated host: the one XENSTORED_PATH
 * names if it answers, else xcd-xenstored at RUNDIR/xenstored.sock, started
 * when none answers there. On Xen: the system's, where libxenstore finds it.
 */
/* The simulated host's xenstored: the one XENSTORED_PATH names if it
 * answers, else RUNDIR/xenstored.sock (OUT: PATH_MAX + 32 bytes). */
static void sim_store_path(const char *rundir, char *out)
{
	const char *env = getenv("XENSTORED_PATH");
	if (env && *env) {
		struct xs_handle *xs = xs_open(0);
		if (xs) {
			xs_close(xs);
			snprintf(out, PATH_MAX + 32, "%s", env);
			return;
		}
		log_info("XENSTORED_PATH=%s: %s; using our own xcd-xenstored", env,
			 strerror(errno));
	}
	snprintf(out, PATH_MAX + 32, "%s/xenstored.sock", rundir);
}

/* The simulated host's console backend (Xen has xenconsoled): xcd-consoled
 * on our own xenstored XS, unless the one holding RUNDIR/consoled.pid still
 * runs; like xcd-sim and xcd-xenstored it outlives xcdd. The console/tty
 * nodes a dead one left name ptys that are gone, or that another session has
 * since been given: removed before the new one writes its own. */
static void start_consoled(const char *rundir, const char *sim_sock, struct xs_handle *xs)
{
	char pidf[PATH_MAX + 32], logpath[PATH_MAX + 32], logdir[PATH_MAX + 32], bin[4096];
	char err[256];
	snprintf(pidf, sizeof(pidf), "%s/consoled.pid", rundir);
	if (consoled_running(rundir) > 0)
		return;
	unsigned stale = consoled_scrub(xs);
	if (stale)
		log_info("removed %u console/tty node(s) no xcd-consoled serves", stale);
	if (find_prog("XCD_CONSOLED", "xcd-consoled", "console", bin, sizeof(bin)) < 0) {
		log_warn("no xcd-consoled found (beside xcdd or in $XCD_CONSOLED): "
			 "guests' consoles are not served");
		return;
	}
	snprintf(logpath, sizeof(logpath), "%s/consoled.log", rundir);
	snprintf(logdir, sizeof(logdir), "%s/console", rundir);
	mkdir(logdir, 0700);
	char *const argv[] = { bin, (char *)"--foreground", (char *)"--sim-socket",
			       (char *)sim_sock, (char *)"--pid-file", pidf, (char *)"--log-dir",
			       logdir, NULL };
	if (start_detached(argv, logpath, err, sizeof(err)) < 0)
		log_warn("cannot start xcd-consoled: %s", err);
}

/* Starts our xcd-xenstored at RUNDIR/xenstored.sock (not waiting for it):
 * 0, or -1 (logged). */
static int start_xenstored(const char *rundir, const char *sim_sock)
{
	char sock[PATH_MAX + 32], pidf[PATH_MAX + 32], logpath[PATH_MAX + 32], bin[4096];
	char err[256];
	snprintf(sock, sizeof(sock), "%s/xenstored.sock", rundir);
	if (find_prog("XCD_XENSTORED", "xcd-xenstored", "xenstore", bin, sizeof(bin)) < 0) {
		log_err("no xcd-xenstored found (beside xcdd or in $XCD_XENSTORED) to start at %s",
			sock);
		return -1;
	}
	snprintf(pidf, sizeof(pidf), "%s/xenstored.pid", rundir);
	snprintf(logpath, sizeof(logpath), "%s/xenstored.log", rundir);
	/* It reaches the guests' rings on the same simulated host as we do. */
	char *const argv[] = { bin,	      (char *)"-N", (char *)"-s", sock,
			       (char *)"--sim-socket", (char *)sim_sock, (char *)"-F", pidf,
			       NULL };
	unlink(sock);
	if (start_detached(argv, logpath, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

static struct xs_handle *open_store(bool own_host, const char *rundir, const char *store,
				    const char *sim_sock)
{
	struct xs_handle *xs;
	if (!own_host) {
		if (!(xs = xs_open(0)))
			log_err("cannot connect to the system's xenstored: %s", strerror(errno));
		return xs;
	}
	char sock[PATH_MAX + 32], logpath[PATH_MAX + 32];
	snprintf(sock, sizeof(sock), "%s/xenstored.sock", rundir);
	if (strcmp(store, sock) != 0) {
		if ((xs = xs_open_at(store)))
			log_info("xenstore: %s (XENSTORED_PATH)", store);
		else
			log_err("xenstore: %s: %s", store, strerror(errno));
		return xs;
	}
	if ((xs = xs_open_at(sock))) {
		log_info("xenstore: %s (left running by an earlier xcdd)", sock);
		start_consoled(rundir, sim_sock, xs);
		return xs;
	}
	if (start_xenstored(rundir, sim_sock) < 0)
		return NULL;
	snprintf(logpath, sizeof(logpath), "%s/xenstored.log", rundir);
	uint64_t t0 = now_ms();
	while (now_ms() - t0 < XENSTORED_START_MS) {
		if ((xs = xs_open_at(sock))) {
			log_info("xenstore: %s", sock);
			start_consoled(rundir, sim_sock, xs);
			return xs;
		}
		usleep(20000);
	}
	log_err("xcd-xenstored did not come up at %s (see %s)", sock, logpath);
	return NULL;
}

/* --hotplug-dir, else $XCD_HOTPLUG_DIR, else the installed folder, else the
 * source tree's scripts/hotplug beside the build's xcd/. */
static void hotplug_dir(const char *opt, char *out, size_t len)
{
	const char *env = getenv("XCD_HOTPLUG_DIR");
	if (opt) {
		snprintf(out, len, "%s", opt);
		return;
	}
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return;
	}
	snprintf(out, len, "%s", XCD_HOTPLUG_DIR);
	if (access(out, X_OK) == 0)
		return;
	char self[4096];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return;
	self[n] = '\0';
	char alt[4200], real[PATH_MAX];
	snprintf(alt, sizeof(alt), "%s/../scripts/hotplug", dirname(self));
	if (realpath(alt, real) && access(real, X_OK) == 0)
		snprintf(out, len, "%s", real);
}

/* Starts xcd-sim at SOCK and connects to it: 0, or -1 (logged). */
static int open_own_sim(const char *rundir, const char *sock, const char *store,
			struct hv **hv)
{
	char err[256] = "";
	if (start_sim(rundir, sock, store, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	uint64_t t0 = now_ms();
	while (now_ms() - t0 < SIM_START_MS) {
		if (hv_open(HV_SIM, sock, hv, err, sizeof(err)) == 0)
			return 0;
		usleep(20000);
	}
	log_err("xcd-sim did not come up at %s: %s", sock, err);
	return -1;
}

/* SIM_SOCK (PATH_MAX + 32 bytes): the simulated host's socket, "" on Xen. */
/* *SIM_BACKENDS: the simulated host is ours, started with --xenstore STORE
 * (by us or an earlier xcdd), so it plays dom0's vbd and vif backends. */
static int open_backend(const char *backend, const char *rundir, const char *store,
			struct hv **hv, bool *own_host, char *sim_sock, bool *sim_backends)
{
	char err[256] = "";
	bool xen = backend ? strcmp(backend, "xen") == 0 : access("/dev/xen/privcmd", F_OK) == 0;
	*own_host = !xen;
	*sim_backends = false;
	sim_sock[0] = '\0';
	if (xen) {
		if (hv_open(HV_XEN, NULL, hv, err, sizeof(err)) < 0) {
			log_err("cannot open Xen: %s", err);
			return -1;
		}
		return 0;
	}
	const char *env = getenv("XCD_SIM_SOCKET");
	if (env && *env && hv_open(HV_SIM, env, hv, err, sizeof(err)) == 0) {
		snprintf(sim_sock, PATH_MAX + 32, "%s", env);
		return 0;
	}
	if (env && *env)
		log_info("XCD_SIM_SOCKET=%s: %s; using our own xcd-sim", env, err);
	char sock[PATH_MAX + 32];
	snprintf(sock, sizeof(sock), "%s/sim.sock", rundir);
	snprintf(sim_sock, PATH_MAX + 32, "%s", sock);
	*sim_backends = true;
	if (hv_open(HV_SIM, sock, hv, err, sizeof(err)) == 0)
		return 0; /* left running by an earlier xcdd */
	return open_own_sim(rundir, sock, store, hv);
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
	xs_lost(x, n == 0 ? "its socket was closed" : n < 0 ? strerror(errno)
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
static void xs_detach(struct xcdd *x)
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
static void xs_attach(struct xcdd *x)
{
	watch_release(x);
	live_open(x);
}

#define XS_RETRY_FIRST_MS 100
#define XS_RETRY_MAX_MS 5000

static void xs_retry_arm(struct xcdd *x, unsigned ms)
{
	struct itimerspec its = { { 0, 0 }, { ms / 1000, (long)(ms % 1000) * 1000000 } };
	if (timerfd_settime(x->xs_retry_fd, 0, &its, NULL) < 0)
		log_err("xenstore: cannot arm the reconnection timer: %s", strerror(errno));
}

static bool own_store(const struct xcdd *x)
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
static void xs_lost(struct xcdd *x, const char *why)
{
	if (x->xs_down || !x->xs)
		return;
	log_err("xenstore at %s went away (%s): requests that need it are refused until xcdd "
		"reconnects; the guests keep running", store_socket(x), why);
	xs_detach(x);
	xs_close(x->xs);
	x->xs = x->dm.xs = x->dm.dev.xs = NULL;
	x->xs_down = true;
	x->xs_tries = 0;
	x->xs_restarted = false;
	x->xs_down_since_ms = now_ms();
	x->xs_backoff_ms = XS_RETRY_FIRST_MS;
	xs_retry_arm(x, x->xs_backoff_ms);
}

/* Connected again: the watch, then whatever a fresh store lacks. */
static void xs_back(struct xcdd *x, struct xs_handle *xs)
{
	x->xs = x->dm.xs = x->dm.dev.xs = xs;
	x->xs_down = false;
	xs_attach(x);
	unsigned long long ms = now_ms() - x->xs_down_since_ms;
	log_info("xenstore at %s is back after %llu.%01llu s (%u tries)", store_socket(x),
		 ms / 1000, ms % 1000 / 100, x->xs_tries);
	if (own_store(x))
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
	poll_host(x);
}

static void xs_retry_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct xcdd *x = arg;
	uint64_t n;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_warn("xenstore reconnection timer: %s", strerror(errno));
	if (!x->xs_down)
		return;
	x->xs_tries++;
	/* A Unix socket's connect answers at once: no wait in the loop. */
	struct xs_handle *xs = x->store && x->store[0] ? xs_open_at(x->store) : xs_open(0);
	if (xs) {
		xs_back(x, xs);
		return;
	}
	/* Ours is started again once; after that it is waited for (its pid
	 * file says whether it is still there). */
	if (own_store(x) && !x->xs_restarted) {
		log_info("starting a new xcd-xenstored at %s", x->store);
		x->xs_restarted = start_xenstored(x->rundir, x->sim_sock) == 0;
	} else if (x->xs_tries == 1 || x->xs_tries % 20 == 0) {
		log_info("xenstore at %s: %s; trying again", store_socket(x), strerror(errno));
	}
	x->xs_backoff_ms = x->xs_backoff_ms * 2 > XS_RETRY_MAX_MS ? XS_RETRY_MAX_MS
								  : x->xs_backoff_ms * 2;
	xs_retry_arm(x, x->xs_backoff_ms);
}

/* Stops the daemon of ours whose pid RUNDIR/PIDFILE holds, if it is still
 * the program COMM (not a process that has taken over a stale pid). */
static void stop_ours(const char *rundir, const char *pidfile, const char *comm)
{
	char path[PATH_MAX + 32], cpath[64], name[64] = "";
	snprintf(path, sizeof(path), "%s/%s", rundir, pidfile);
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (!f)
		return;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1)
		return;
	snprintf(cpath, sizeof(cpath), "/proc/%ld/comm", pid);
	if ((f = fopen(cpath, "r"))) {
		if (!fgets(name, sizeof(name), f))
			name[0] = '\0';
		fclose(f);
	}
	name[strcspn(name, "\n")] = '\0';
	/* comm holds at most 15 characters of the name. */
	if (!name[0] || strncmp(name, comm, strlen(name)) != 0)
		return;
	if (kill((pid_t)pid, SIGTERM) < 0)
		return;
	uint64_t t0 = now_ms();
	while (kill((pid_t)pid, 0) == 0 && now_ms() - t0 < STOP_MS)
		usleep(20000);
	if (kill((pid_t)pid, 0) == 0) {
		log_warn("%s (pid %ld) did not stop on SIGTERM: killed", comm, pid);
		kill((pid_t)pid, SIGKILL);
	} else {
		log_info("stopped %s (pid %ld)", comm, pid);
	}
}

/* dm_host_lost's REOPEN: the new host, as at start-up. */
static int host_reopen(void *arg, struct hv **hv, struct xs_handle **xs)
{
	struct xcdd *x = arg;
	char own_store[PATH_MAX + 32];
	snprintf(own_store, sizeof(own_store), "%s/xenstored.sock", x->rundir);
	/* Our xcd-xenstored and xcd-consoled served the old host's guests
	 * through its connection, which they do not make again: new ones. */
	if (strcmp(x->store, own_store) == 0) {
		stop_ours(x->rundir, "consoled.pid", "xcd-consoled");
		stop_ours(x->rundir, "xenstored.pid", "xcd-xenstored");
	}
	struct hv *nhv = NULL;
	if (open_own_sim(x->rundir, x->sim_sock, x->store, &nhv) < 0)
		return -EHOSTDOWN; /* the old, broken one stays: the next poll retries */
	hv_close(x->hv);
	x->hv = x->dm.hv = nhv;
	if (x->xs)
		xs_close(x->xs);
	x->xs = open_store(true, x->rundir, x->store, x->sim_sock);
	x->dm.xs = x->dm.dev.xs = x->xs;
	if (!x->xs)
		return -EHOSTDOWN;
	x->xs_down = false; /* a new store on the new host: nothing to re-publish */
	xs_attach(x);
	*hv = x->hv;
	*xs = x->xs;
	log_info("the simulated host is back (%s)", x->sim_sock);
	return 0;
}

/* The simulated host we own died (its guests with it): report them, make a
 * new host and apply the guests' on_crash there. */
static void host_lost(struct xcdd *x)
{
	char own_store[PATH_MAX + 32];
	snprintf(own_store, sizeof(own_store), "%s/xenstored.sock", x->rundir);
	log_err("the simulated host at %s went away: its guests are lost; starting a new one",
		x->sim_sock);
	xs_detach(x);
	/* A store that is not ours outlives the host: the lost guests' entries
	 * are removed from it. Ours is made anew, empty. */
	bool foreign_store = strcmp(x->store, own_store) != 0;
	if (!foreign_store && x->xs) {
		xs_close(x->xs);
		x->xs = NULL;
		x->dm.xs = NULL;
		x->dm.dev.xs = NULL;
	}
	if (dm_host_lost(&x->dm, foreign_store, host_reopen, x) < 0)
		log_err("no new simulated host: the next poll tries again");
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xcdd [--backend xen|sim] [--rundir DIR] [--statedir DIR] "
		   "[--hotplug-dir DIR]\n"
		   "            [--hotplug-timeout SECONDS] [--device-wait auto|always|never]\n"
		   "            [--device-timeout SECONDS] [--foreground] [--verbose]\n"
		   "Serves xcd's JSON-RPC API on DIR/xcd.sock (default /run/xcd) and keeps\n"
		   "domain records under STATEDIR/domains (default /var/lib/xcd).\n");
}

static int mkdir_p1(const char *dir, mode_t mode)
{
	if (mkdir(dir, mode) < 0 && errno != EEXIST) {
		fprintf(stderr, "xcdd: cannot create %s: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *backend = NULL, *rundir = "/run/xcd", *statedir = "/var/lib/xcd";
	const char *hotplug_opt = NULL;
	long hotplug_timeout_s = HOTPLUG_TIMEOUT_MS / 1000;
	enum dev_wait device_wait = DEV_WAIT_AUTO;
	bool device_wait_given = false;
	long device_timeout_s = DEV_INIT_TIMEOUT_MS / 1000;
	bool foreground = false, verbose = false;
	static const struct option opts[] = {
		{ "hotplug-dir", required_argument, NULL, 'H' },
		{ "hotplug-timeout", required_argument, NULL, 'T' },
		{ "device-wait", required_argument, NULL, 'W' },
		{ "device-timeout", required_argument, NULL, 'I' },
		{ "backend", required_argument, NULL, 'b' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "statedir", required_argument, NULL, 's' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;
	while ((o = getopt_long(argc, argv, "b:r:s:fvh", opts, NULL)) != -1) {
		switch (o) {
		case 'b':
			if (strcmp(optarg, "xen") && strcmp(optarg, "sim")) {
				fprintf(stderr, "xcdd: --backend %s: expected xen or sim\n", optarg);
				return 2;
			}
			backend = optarg;
			break;
		case 'H': hotplug_opt = optarg; break;
		case 'T': {
			char *end;
			hotplug_timeout_s = strtol(optarg, &end, 10);
			if (*end || end == optarg || hotplug_timeout_s < 1 || hotplug_timeout_s > 3600) {
				fprintf(stderr, "xcdd: --hotplug-timeout %s: expected 1 to 3600 "
					"seconds\n", optarg);
				return 2;
			}
			break;
		}
		case 'I': {
			char *end;
			device_timeout_s = strtol(optarg, &end, 10);
			if (*end || end == optarg || device_timeout_s < 1 || device_timeout_s > 3600) {
				fprintf(stderr, "xcdd: --device-timeout %s: expected 1 to 3600 "
					"seconds\n", optarg);
				return 2;
			}
			break;
		}
		case 'W':
			device_wait_given = true;
			if (!strcmp(optarg, "auto"))
				device_wait = DEV_WAIT_AUTO;
			else if (!strcmp(optarg, "always"))
				device_wait = DEV_WAIT_ALWAYS;
			else if (!strcmp(optarg, "never"))
				device_wait = DEV_WAIT_NEVER;
			else {
				fprintf(stderr, "xcdd: --device-wait %s: expected auto, always or "
					"never\n", optarg);
				return 2;
			}
			break;
		case 'r': rundir = optarg; break;
		case 's': statedir = optarg; break;
		case 'f': foreground = true; break;
		case 'v': verbose = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xcdd: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	/* Absolute paths: a daemon works from /. */
	char rundir_abs[PATH_MAX], statedir_abs[PATH_MAX];
	if (mkdir_p1(rundir, 0755) < 0 || mkdir_p1(statedir, 0700) < 0)
		return 1;
	if (!realpath(rundir, rundir_abs) || !realpath(statedir, statedir_abs)) {
		fprintf(stderr, "xcdd: %s: %s\n", rundir, strerror(errno));
		return 1;
	}
	rundir = rundir_abs;
	statedir = statedir_abs;
	int lock_fd;
	if (take_lock(rundir, &lock_fd) < 0)
		return 1;
	if (!foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "xcdd: daemon: %s\n", strerror(errno));
		return 1;
	}
	log_init("xcdd", !foreground, verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	write_pid(lock_fd);

	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct xcdd x = { .listen_fd = -1, .signal_fd = -1, .timer_fd = -1, .watch_fd = -1,
			  .xs_retry_fd = -1, .xs_live_fd = -1 };
	int status = 1;
	char err[512] = "", sock[PATH_MAX + 32];
	bool dm_opened = false, own_host = false;
	struct xs_handle *xs = NULL;
	char sim_sock[PATH_MAX + 32], store[PATH_MAX + 32] = "";
	bool sim_backends = false;
	bool sim_host = backend ? strcmp(backend, "sim") == 0
				: access("/dev/xen/privcmd", F_OK) != 0;
	if (sim_host)
		sim_store_path(rundir, store);
	if (open_backend(backend, rundir, store, &x.hv, &own_host, sim_sock, &sim_backends) < 0)
		goto out;
	log_info("backend: %s", hv_backend_name(x.hv));
	if (!(xs = open_store(own_host, rundir, store, sim_sock)))
		goto out;
	/* Backends xcd-sim plays move to InitWait as the kernel's would. */
	if (!device_wait_given && sim_backends)
		device_wait = DEV_WAIT_ALWAYS;
	char hpdir[4300];
	hotplug_dir(hotplug_opt, hpdir, sizeof(hpdir));
	log_info("hotplug scripts: %s (time limit %ld s); waiting for the backend: %s", hpdir,
		 hotplug_timeout_s,
		 device_wait == DEV_WAIT_ALWAYS ? "always"
		 : device_wait == DEV_WAIT_NEVER ? "never" : "where dom0 has the driver");
	struct dev_env dev = { .xs = xs, .wait = device_wait, .script_dir = hpdir,
			       .hotplug_timeout_ms = (int)hotplug_timeout_s * 1000,
			       .init_timeout_ms = (int)device_timeout_s * 1000 };
	if (dm_open(&x.dm, x.hv, xs, &dev, statedir, clients_dm_changed, &x, err, sizeof(err)) < 0) {
		log_err("%s", err);
		dm_close(&x.dm);
		goto out;
	}
	dm_opened = true;
	snprintf(sock, sizeof(sock), "%s/xcd.sock", rundir);
	if (loop_new(&x.loop) < 0)
		goto out;
	x.listen_fd = listen_on(sock, err, sizeof(err));
	x.signal_fd = signalfd(-1, &sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	x.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	x.xs_retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (x.listen_fd < 0) {
		log_err("%s", err);
		goto out;
	}
	struct itimerspec its = { { 1, 0 }, { 1, 0 } };
	if (x.signal_fd < 0 || x.timer_fd < 0 || timerfd_settime(x.timer_fd, 0, &its, NULL) < 0 ||
	    loop_add(x.loop, x.listen_fd, EPOLLIN, clients_accept_cb, &x) < 0 ||
	    loop_add(x.loop, x.signal_fd, EPOLLIN, signal_cb, &x) < 0 ||
	    loop_add(x.loop, x.timer_fd, EPOLLIN, timer_cb, &x) < 0 || x.xs_retry_fd < 0 ||
	    loop_add(x.loop, x.xs_retry_fd, EPOLLIN, xs_retry_cb, &x) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	x.xs = xs;
	xs = NULL; /* x.xs's now: a new host replaces it */
	x.send_to = clients_send_owed;
	loop_set_idle(x.loop, clients_idle, &x);
	/* From here on a domain's devices come up and go in device jobs. */
	dm_set_loop(&x.dm, x.loop);
	x.own_sim = sim_backends;
	x.rundir = rundir;
	x.sim_sock = sim_sock;
	x.store = store;
	xs_attach(&x);
	log_info("listening on %s", sock);
	int rc = loop_run(x.loop);
	if (rc < 0)
		log_err("event loop: %s", strerror(-rc));
	else
		status = 0;
	unlink(sock);
out:
	clients_close_all(&x);
	if (x.loop)
		loop_free(x.loop);
	if (x.listen_fd >= 0)
		close(x.listen_fd);
	if (x.signal_fd >= 0)
		close(x.signal_fd);
	if (x.timer_fd >= 0)
		close(x.timer_fd);
	if (x.xs_retry_fd >= 0)
		close(x.xs_retry_fd);
	if (x.xs_live_fd >= 0)
		close(x.xs_live_fd);
	if (dm_opened)
		dm_close(&x.dm);
	if (x.xs_watch)
		xs_close(x.xs_watch);
	if (x.xs)
		xs_close(x.xs);
	if (xs)
		xs_close(xs);
	if (x.hv)
		hv_close(x.hv);
	close(lock_fd);
	return status;
}
