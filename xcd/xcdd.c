/*
 * xcdd: the xcd daemon. One epoll loop serves JSON-RPC 2.0 on RUNDIR/xcd.sock
 * (clients.c), keeps the managed domains in step with the hypervisor
 * (dm/, host.c), stays linked to xenstored (xslink.c) and keeps its
 * daemons on the simulated host running (daemons.c, consoled_sup.c). This
 * file holds the process: options, the lock, signals, the tick, main.
 */
#include "../lib/fdio.h"
#include "../lib/errmsg.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include "../lib/pidlock.h"
#include "clients.h"
#include "daemons.h"
#include "host.h"
#include "hotplug.h"
#include "io_watch.h"
#include "rpc_tune.h"
#include "rpc_tune_apply.h"
#include "xcdd.h"
#include "xslink.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

/* Migrations over TCP in flight at once (each a link job), and the gateway. */
#define MIGJOBS_MAX 32

/* Where installed hotplug scripts are (Makefile.am defines it). */
#ifndef XCD_HOTPLUG_DIR
#define XCD_HOTPLUG_DIR "/usr/local/libexec/xcd/hotplug"
#endif

/* Once a second: device jobs' time limits, the poll, xcd-consoled. */
static void tick_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	struct xcdd *x = arg;
	childjobs_tick(&x->dm.jobs);
	childjobs_tick(&x->tunejobs);
	host_poll(x);
	/* Our xcd-consoled, when it died (of a crash, a kill, or its xenstored
	 * going), is started again once xenstored answers. */
	if (xslink_own_store(x) && x->xs && !x->xs_down &&
	    consoled_sup_due(&x->consoled, x->rundir, mono_ms())) {
		consoled_sup_started(&x->consoled, mono_ms());
		daemons_start_consoled(x->rundir, x->sim_sock, x->xs);
	}
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

static void usage(FILE *f)
{
	fprintf(f, "usage: xcdd [--backend xen|sim] [--rundir DIR] [--statedir DIR] "
		   "[--hotplug-dir DIR]\n"
		   "            [--hotplug-timeout SECONDS] [--device-wait auto|always|never]\n"
		   "            [--device-timeout SECONDS] [--sysroot DIR] [--io-policy FILE]\n"
		   "            [--io-refresh SECONDS] [--io-place-wait SECONDS] [--no-io-watch]\n"
		   "            [--max-migrations N] [--migration-listen [ADDRESS:]PORT]\n"
		   "            [--credential-dir DIR] [--migration-handshake-timeout SECONDS]\n"
		   "            [--foreground] [--verbose]\n"
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

/* What the command line says. */
struct opts {
	const char *backend, *rundir, *statedir, *hotplug_dir;
	const char *sysroot, *io_policy; /* the I/O tuners' (xcd tune) */
	const char *migration_listen, *cred_dir; /* migrations over TCP */
	long hotplug_timeout_s, device_timeout_s, handshake_timeout_s;
	struct io_watch_opts io; /* the watch of the host's I/O */
	long max_migrations; /* outgoing migrations at once */
	enum dev_wait device_wait;
	bool device_wait_given, foreground, verbose;
};

/* A number of seconds, 1 to 3600, for option NAME: 0, or -1 (said). */
static int seconds_arg(const char *name, const char *arg, long *out)
{
	char *end;
	*out = strtol(arg, &end, 10);
	if (*end || end == arg || *out < 1 || *out > 3600) {
		fprintf(stderr, "xcdd: --%s %s: expected 1 to 3600 seconds\n", name, arg);
		return -1;
	}
	return 0;
}

/* A number of seconds, 0 to 3600 (0: off), for option NAME: 0, or -1 (said). */
static int seconds_or_off(const char *name, const char *arg, unsigned *out)
{
	char *end;
	long v = strtol(arg, &end, 10);
	if (*end || end == arg || v < 0 || v > 3600) {
		fprintf(stderr, "xcdd: --%s %s: expected 0 (off) to 3600 seconds\n", name, arg);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* --max-migrations: 1 to 64 into *OUT: 0, or -1 (said). */
static int migrations_arg(const char *arg, long *out)
{
	char *end;
	*out = strtol(arg, &end, 10);
	if (*end || end == arg || *out < 1 || *out > 64) {
		fprintf(stderr, "xcdd: --max-migrations %s: expected 1 to 64 migrations at "
			"once\n", arg);
		return -1;
	}
	return 0;
}

/* 0, 1 when --help was answered, or -1 after saying what is wrong. */
static int parse_options(int argc, char **argv, struct opts *o)
{
	*o = (struct opts){ .rundir = "/run/xcd", .statedir = "/var/lib/xcd",
			    .hotplug_timeout_s = HOTPLUG_TIMEOUT_MS / 1000,
			    .device_timeout_s = DEV_INIT_TIMEOUT_MS / 1000,
			    .device_wait = DEV_WAIT_AUTO, .sysroot = "/",
			    .io_policy = "/etc/xcd/io.conf", .cred_dir = MIG_CRED_DIR_DEFAULT,
			    .handshake_timeout_s = MIG_TCP_TIMEOUT_MS_DEFAULT / 1000,
			    .io = { .refresh_s = IO_REFRESH_S, .place_wait_s = IO_PLACE_WAIT_S },
			    .max_migrations = DM_MIGRATIONS_DEFAULT };
	static const struct option opts[] = {
		{ "hotplug-dir", required_argument, NULL, 'H' },
		{ "hotplug-timeout", required_argument, NULL, 'T' },
		{ "device-wait", required_argument, NULL, 'W' },
		{ "device-timeout", required_argument, NULL, 'I' },
		{ "backend", required_argument, NULL, 'b' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "statedir", required_argument, NULL, 's' },
		{ "sysroot", required_argument, NULL, 'R' },
		{ "io-policy", required_argument, NULL, 'P' },
		{ "io-refresh", required_argument, NULL, 'E' },
		{ "io-place-wait", required_argument, NULL, 'L' },
		{ "no-io-watch", no_argument, NULL, 'N' },
		{ "max-migrations", required_argument, NULL, 'M' },
		{ "migration-listen", required_argument, NULL, 'l' },
		{ "credential-dir", required_argument, NULL, 'C' },
		{ "migration-handshake-timeout", required_argument, NULL, 'K' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "b:r:s:fvh", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (strcmp(optarg, "xen") && strcmp(optarg, "sim")) {
				fprintf(stderr, "xcdd: --backend %s: expected xen or sim\n", optarg);
				return -1;
			}
			o->backend = optarg;
			break;
		case 'H': o->hotplug_dir = optarg; break;
		case 'T':
			if (seconds_arg("hotplug-timeout", optarg, &o->hotplug_timeout_s) < 0)
				return -1;
			break;
		case 'I':
			if (seconds_arg("device-timeout", optarg, &o->device_timeout_s) < 0)
				return -1;
			break;
		case 'W':
			o->device_wait_given = true;
			if (!strcmp(optarg, "auto"))
				o->device_wait = DEV_WAIT_AUTO;
			else if (!strcmp(optarg, "always"))
				o->device_wait = DEV_WAIT_ALWAYS;
			else if (!strcmp(optarg, "never"))
				o->device_wait = DEV_WAIT_NEVER;
			else {
				fprintf(stderr, "xcdd: --device-wait %s: expected auto, always or "
					"never\n", optarg);
				return -1;
			}
			break;
		case 'r': o->rundir = optarg; break;
		case 's': o->statedir = optarg; break;
		case 'R': o->sysroot = optarg; break;
		case 'P': o->io_policy = optarg; break;
		case 'l': o->migration_listen = optarg; break;
		case 'C': o->cred_dir = optarg; break;
		case 'K':
			if (seconds_arg("migration-handshake-timeout", optarg,
					&o->handshake_timeout_s) < 0)
				return -1;
			break;
		case 'E':
			if (seconds_or_off("io-refresh", optarg, &o->io.refresh_s) < 0)
				return -1;
			break;
		case 'L':
			if (seconds_or_off("io-place-wait", optarg, &o->io.place_wait_s) < 0)
				return -1;
			break;
		case 'N': o->io.off = true; break;
		case 'M':
			if (migrations_arg(optarg, &o->max_migrations) < 0)
				return -1;
			break;
		case 'f': o->foreground = true; break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xcdd: unexpected argument %s\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* The paths xcdd works with, absolute (a daemon works from /). They live in
 * main's frame for the daemon's life: its context and the domain manager
 * point into them. */
struct paths {
	char rundir[PATH_MAX], statedir[PATH_MAX], sysroot[PATH_MAX];
	char tune_dir[PATH_MAX + 8]; /* STATEDIR/tune: the I/O tuners' journals */
	char io_policy[PATH_MAX + 8], sock[PATH_MAX + 32], hotplug[4300];
	char cred_dir[PATH_MAX + 8]; /* the host credential's folder */
	/* The simulated host's socket and xenstored ("" on Xen). */
	char sim_sock[PATH_MAX + 32], store[PATH_MAX + 32];
};

/* PATH made absolute (from the working folder) into OUT, whether or not
 * it exists yet. */
static void absolute(const char *path, char *out, size_t len)
{
	if (path[0] == '/' || !getcwd(out, len > PATH_MAX ? PATH_MAX : len))
		snprintf(out, len, "%s", path);
	else
		snprintf(out + strlen(out), len - strlen(out), "/%s", path);
}

/* O's directories made, and O's paths made absolute into P: 0, or -1
 * (said). A policy file may be absent (the defaults), the root may not. */
static int make_paths(const struct opts *o, struct paths *p)
{
	if (mkdir_p1(o->rundir, 0755) < 0 || mkdir_p1(o->statedir, 0700) < 0)
		return -1;
	const char *bad = !realpath(o->rundir, p->rundir)     ? o->rundir
			  : !realpath(o->statedir, p->statedir) ? o->statedir
								: NULL;
	if (bad) {
		fprintf(stderr, "xcdd: %s: %s\n", bad, strerror(errno));
		return -1;
	}
	if (!realpath(o->sysroot, p->sysroot)) {
		fprintf(stderr, "xcdd: --sysroot %s: %s\n", o->sysroot, strerror(errno));
		return -1;
	}
	absolute(o->io_policy, p->io_policy, sizeof(p->io_policy));
	absolute(o->cred_dir, p->cred_dir, sizeof(p->cred_dir));
	snprintf(p->sock, sizeof(p->sock), "%s/xcd.sock", p->rundir);
	snprintf(p->tune_dir, sizeof(p->tune_dir), "%s/tune", p->statedir);
	return 0;
}

/* The process: the lock on P's rundir (lib/pidlock.h: the process's own, so
 * that no child of an xcdd killed a moment ago still holds it), detached
 * unless O says foreground, its log, and SIGS (SIGTERM, SIGINT, SIGHUP)
 * blocked for the loop's signalfd. The lock's descriptor, or -1 (said). */
static int start_process(const struct opts *o, const struct paths *p, sigset_t *sigs)
{
	char lock[PATH_MAX + 32], err[XCD_ERR_MAX];
	snprintf(lock, sizeof(lock), "%s/xcdd.lock", p->rundir);
	/* Asked before daemon(3), whose child takes the lock, to say it here. */
	pid_t holder = pidlock_holder(lock);
	if (holder > 0) {
		fprintf(stderr, "xcdd: another xcdd is running on %s (pid %d holds %s); not starting\n",
			p->rundir, (int)holder, lock);
		return -1;
	}
	if (!o->foreground && daemon(0, 0) < 0) {
		fprintf(stderr, "xcdd: daemon: %s\n", strerror(errno));
		return -1;
	}
	log_init("xcdd", !o->foreground, o->verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	int lock_fd = pidlock_take(lock, "xcdd", err, sizeof(err));
	if (lock_fd < 0) {
		log_err("%s; not starting", err);
		return -1;
	}
	sigemptyset(sigs);
	sigaddset(sigs, SIGTERM);
	sigaddset(sigs, SIGINT);
	sigaddset(sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	return lock_fd;
}

/* The host: its hypervisor into X->hv, its xenstore into *XS, on the
 * simulated host P's sim_sock and store; *SIM_BACKENDS: xcd-sim plays the
 * device backends. 0, or -1 (logged). */
static int open_host(struct xcdd *x, const struct opts *o, struct paths *p,
		     struct xs_handle **xs, bool *sim_backends)
{
	bool own_host = false;
	bool sim_host = o->backend ? strcmp(o->backend, "sim") == 0
				   : access("/dev/xen/privcmd", F_OK) != 0;
	if (sim_host)
		host_store_path(p->rundir, p->store);
	if (host_open_backend(o->backend, p->rundir, p->store, &x->hv, &own_host, p->sim_sock,
			      sim_backends) < 0)
		return -1;
	log_info("backend: %s", hv_backend_name(x->hv));
	*xs = host_open_store(own_host, p->rundir, p->store, p->sim_sock);
	return *xs ? 0 : -1;
}

/* The domain manager on X's host (XS): the devices' settings from O (the
 * backends' waits, the hotplug scripts in P's hotplug), the journal under
 * P's statedir, reconciled. 0, or -1 (logged; nothing left open). */
static int open_domains(struct xcdd *x, const struct opts *o, struct paths *p,
			struct xs_handle *xs, bool sim_backends)
{
	enum dev_wait wait = o->device_wait;
	/* Backends xcd-sim plays move to InitWait as the kernel's would. */
	if (!o->device_wait_given && sim_backends)
		wait = DEV_WAIT_ALWAYS;
	hotplug_dir(o->hotplug_dir, p->hotplug, sizeof(p->hotplug));
	log_info("hotplug scripts: %s (time limit %ld s); waiting for the backend: %s",
		 p->hotplug, o->hotplug_timeout_s,
		 wait == DEV_WAIT_ALWAYS ? "always"
		 : wait == DEV_WAIT_NEVER ? "never" : "where dom0 has the driver");
	struct dev_env dev = { .xs = xs, .wait = wait, .script_dir = p->hotplug,
			       .hotplug_timeout_ms = (int)o->hotplug_timeout_s * 1000,
			       .init_timeout_ms = (int)o->device_timeout_s * 1000 };
	char err[XCD_ERR_MAX] = "";
	if (dm_open(&x->dm, x->hv, xs, &dev, p->statedir, clients_dm_changed, x, err,
		    sizeof(err)) < 0) {
		log_err("%s", err);
		dm_close(&x->dm);
		return -1;
	}
	return 0;
}

/* X's loop: the API socket at P's sock, the signals SIGS, the one-second
 * tick, the xenstore link's watch. 0, or -1 (logged). */
static int setup_loop(struct xcdd *x, const struct paths *p, const sigset_t *sigs)
{
	char err[XCD_ERR_MAX] = "";
	if (loop_new(&x->loop) < 0)
		return -1;
	x->listen_fd = listen_on(p->sock, err, sizeof(err));
	x->signal_fd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	if (x->listen_fd < 0) {
		log_err("%s", err);
		return -1;
	}
	x->tick = loop_timer_new(x->loop, tick_cb, x);
	if (x->signal_fd < 0 || !x->tick || xslink_init(x) < 0 ||
	    loop_add(x->loop, x->listen_fd, EPOLLIN, clients_accept_cb, x) < 0 ||
	    loop_add(x->loop, x->signal_fd, EPOLLIN, signal_cb, x) < 0) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return -1;
	}
	loop_timer_arm(x->tick, 1000, 1000);
	return 0;
}

/* X from now on: its store XS (x->xs's, which a new host replaces), P's
 * paths, the domain manager's and the tuners' jobs in its loop. */
static void attach(struct xcdd *x, struct xs_handle *xs, const struct paths *p,
		   const struct opts *o, bool sim_backends)
{
	x->xs = xs;
	x->send_to = clients_send_owed;
	x->take_fds = clients_take_fds;
	x->broadcast = clients_broadcast;
	x->io_tell_down = io_watch_tell_down;
	loop_set_idle(x->loop, clients_idle, x);
	/* Migrations over TCP reach the other host through links, jobs of
	 * their own; a sender in doubt that a dead xcdd left asks through
	 * one as soon as the domain manager has its loop. */
	x->cred_dir = p->cred_dir;
	x->migjobs.loop = x->loop;
	x->migjobs.max = MIGJOBS_MAX;
	dm_set_mig_connect(&x->dm, rpc_mig_connect, x);
	dm_set_mig_devices_fn(&x->dm, rpc_mig_devices_up);
	/* From here on a domain's devices come up and go in device jobs. */
	dm_set_loop(&x->dm, x->loop);
	dm_set_host(&x->dm, p->sim_sock[0] ? HV_SIM : HV_XEN, p->sim_sock, clients_dm_progress);
	dm_set_migration_fn(&x->dm, clients_dm_migration);
	dm_set_max_migrations(&x->dm, (unsigned)o->max_migrations);
	x->own_sim = sim_backends;
	x->rundir = p->rundir;
	x->sim_sock = p->sim_sock;
	x->store = p->store;
	x->tune_sysroot = p->sysroot;
	x->io_policy = p->io_policy;
	x->tunejobs.loop = x->loop;
	x->tunejobs.max = TUNE_JOBS_MAX;
	x->tune_dir = p->tune_dir;
	tune_writes_open(x);
	if (io_watch_open(x, &o->io) < 0)
		log_warn("the watch of the host's I/O: out of memory: not started");
	xslink_attach(x);
}

/* Migrations over TCP received, when O asks (else nothing listens): 0, or
 * -1 (logged). */
static int listen_migrations(struct xcdd *x, const struct opts *o, const struct paths *p)
{
	char err[XCD_ERR_MAX];
	if (!o->migration_listen)
		return 0;
	if (mig_listen_open(&x->miglisten, &x->migjobs, o->migration_listen, p->cred_dir,
			    x->mig_timeout_ms, p->sock, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

/* Everything X holds, closed in order (DM_OPENED: the domain manager too;
 * XS: a store not yet X's, or NULL). */
static void teardown(struct xcdd *x, bool dm_opened, struct xs_handle *xs)
{
	io_watch_close(x);
	tune_writes_close(x);
	mig_listen_close(&x->miglisten);
	childjobs_close(&x->migjobs, "xcdd is stopping");
	childjobs_close(&x->tunejobs, "xcdd is stopping");
	clients_close_all(x);
	if (x->listen_fd >= 0)
		close(x->listen_fd);
	if (x->signal_fd >= 0)
		close(x->signal_fd);
	if (x->xs_live_fd >= 0)
		close(x->xs_live_fd);
	/* Before the loop goes: the domain manager's jobs are watched in it. */
	if (dm_opened)
		dm_close(&x->dm);
	if (x->loop)
		loop_free(x->loop);
	if (x->xs_watch)
		xs_close(x->xs_watch);
	if (x->xs)
		xs_close(x->xs);
	if (xs)
		xs_close(xs);
	if (x->hv)
		hv_close(x->hv);
}

int main(int argc, char **argv)
{
	struct opts o;
	int pr = parse_options(argc, argv, &o);
	if (pr != 0)
		return pr > 0 ? 0 : 2;
	struct paths p = { 0 };
	sigset_t sigs;
	int lock_fd;
	if (make_paths(&o, &p) < 0 || (lock_fd = start_process(&o, &p, &sigs)) < 0)
		return 1;
	struct xcdd x = { .listen_fd = -1, .signal_fd = -1, .watch_fd = -1, .xs_live_fd = -1,
			  .mig_timeout_ms = (unsigned)o.handshake_timeout_s * 1000,
			  .miglisten = { .fd = -1 } };
	struct xs_handle *xs = NULL;
	bool sim_backends = false, dm_opened = false;
	int status = 1;
	if (open_host(&x, &o, &p, &xs, &sim_backends) == 0 &&
	    open_domains(&x, &o, &p, xs, sim_backends) == 0) {
		dm_opened = true;
		if (setup_loop(&x, &p, &sigs) == 0) {
			attach(&x, xs, &p, &o, sim_backends);
			xs = NULL; /* x.xs's now */
			log_info("listening on %s", p.sock);
			int rc = 0;
			if (listen_migrations(&x, &o, &p) == 0 && (rc = loop_run(x.loop)) == 0)
				status = 0;
			else if (rc < 0)
				log_err("event loop: %s", strerror(-rc));
			unlink(p.sock);
		}
	}
	teardown(&x, dm_opened, xs);
	close(lock_fd);
	return status;
}
