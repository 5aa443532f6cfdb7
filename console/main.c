/* xcd-consoled: the console backend daemon of xcd (see consoled.h). One epoll
 * loop: xenstore watch events, the hypervisor's event descriptor, each
 * console's pty, signals. */
#include "consoled.h"
#include "../hv/hv.h"
#include "../lib/errmsg.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include "../lib/pidlock.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

/* How often xenstored's presence is checked when nothing happens: libxenstore
 * says nothing on its watch descriptor when the connection drops. */
#define PROBE_MS 2000

static void usage(FILE *f)
{
	fprintf(f,
"Usage: xcd-consoled [OPTION]...\n"
"The console backend of xcd: for every domain with console/ring-ref and\n"
"console/port in xenstore, joins the guest's console ring to a pty and writes\n"
"its path to console/tty, as Xen's xenconsoled does; `xcd console` attaches.\n"
"\n"
"  -f, --foreground         stay in the foreground, log to stderr\n"
"      --sim-socket PATH    the simulated host (xcd-sim) at PATH; without it:\n"
"                           Xen when /dev/xen/privcmd exists, else xcd-sim at\n"
"                           $XCD_SIM_SOCKET or /run/xcd/sim.sock\n"
"      --log-dir DIR        also log each guest's output to DIR/guest-NAME.log\n"
"  -p, --pid-file FILE      lock FILE and write the daemon's pid to it; a second\n"
"                           xcd-consoled on the same FILE refuses to start\n"
"  -v, --verbose            log more\n"
"  -h, --help               show this help\n"
"\n"
"xenstore: libxenstore's (XENSTORED_PATH honoured). Xen's xenconsoled, when a\n"
"process of that name runs, keeps the host: xcd-consoled then refuses to start.\n"
"Exit status: 0 on SIGTERM or SIGINT, 1 on error (xenstored lost included).\n");
}

static void stop_with(struct consoled *cd, int status)
{
	cd->status = status;
	loop_stop(cd->loop);
}

static void signal_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct consoled *cd = arg;
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) == sizeof(si))
		log_info("signal %u: stopping", si.ssi_signo);
	stop_with(cd, 0);
}

static void lost_xenstore(struct consoled *cd, int err)
{
	const char *path = getenv("XENSTORED_PATH");
	log_err("lost the connection to xenstored%s%s (%s): consoles cannot follow domains "
		"any more; stopping (restart xcd-consoled once xenstored is back)",
		path ? " at " : "", path ? path : "", strerror(err));
	stop_with(cd, 1);
}

static void xs_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct consoled *cd = arg;
	scan_watch_events(cd);
}

static void events_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct consoled *cd = arg;
	uint32_t port;
	int rc;
	while ((rc = hv_evtchn_pending(cd->hv, &port)) == 0) {
		if (cd->dom_exc_port && port == cd->dom_exc_port) {
			/* A domain shut down or died: scan_one looks at each. */
			cd->rescan = 1;
		} else {
			struct cons *c = cons_by_port(cd, port);
			if (c)
				cons_kick(cd, c);
		}
		if (hv_evtchn_unmask(cd->hv, port) < 0)
			log_warn("unmask port %u: %s", port, hv_error(cd->hv));
	}
	if (rc != -EAGAIN) {
		log_err("hypervisor events: %s", hv_error(cd->hv));
		stop_with(cd, 1);
	}
}

/* Deferred full scans, once per loop turn however many events asked. */
static void idle(void *arg)
{
	struct consoled *cd = arg;
	if (!cd->rescan)
		return;
	int rc = scan_alive(cd);
	if (rc < 0) {
		lost_xenstore(cd, -rc);
		return;
	}
	scan_all(cd);
}

static void probe(void *arg)
{
	struct consoled *cd = arg;
	int rc = scan_alive(cd);
	if (rc < 0)
		lost_xenstore(cd, -rc);
}

/* Xen's own console daemon, found by its process name: under systemd it
 * writes no pid file. */
static int xenconsoled_running(pid_t *pid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	struct dirent *e;
	int found = 0;
	while (!found && (e = readdir(d))) {
		char *end;
		long p = strtol(e->d_name, &end, 10);
		if (*end || p <= 0)
			continue;
		char path[64], comm[32] = "";
		snprintf(path, sizeof(path), "/proc/%ld/comm", p);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && strcmp(comm, "xenconsoled\n") == 0) {
			*pid = (pid_t)p;
			found = 1;
		}
		fclose(f);
	}
	closedir(d);
	return found;
}

/* Into the background before anything starts a thread (libxenstore's
 * watch reader does): the parent waits for the child's word that it serves,
 * so that a failed start is still the parent's exit status. */
static int detach(int *ready_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		log_err("pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		log_err("fork: %s", strerror(errno));
		return -1;
	}
	if (pid > 0) {
		close(p[1]);
		char st = 1;
		ssize_t n;
		do
			n = read(p[0], &st, 1);
		while (n < 0 && errno == EINTR);
		_exit(n == 1 ? st : 1);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

static void report(int ready_fd, char status)
{
	if (ready_fd < 0)
		return;
	if (write(ready_fd, &status, 1) != 1)
		log_warn("cannot tell the starting process: %s", strerror(errno));
	close(ready_fd);
}

static int setup(struct consoled *cd)
{
	char err[XCD_ERR_MAX];
	pid_t other;
	if (xenconsoled_running(&other)) {
		log_err("Xen's xenconsoled (pid %d) serves this host's consoles; "
			"xcd-consoled does not compete with it", (int)other);
		return -1;
	}
	int rc = loop_new(&cd->loop);
	if (rc < 0) {
		log_err("event loop: %s", strerror(-rc));
		return -1;
	}
	if (hv_open(HV_AUTO, cd->opt.sim_socket, &cd->hv, err, sizeof(err)) < 0) {
		log_err("no hypervisor: %s", err);
		return -1;
	}
	log_info("hypervisor: %s", hv_backend_name(cd->hv));
	cd->xs = xs_open(0);
	if (!cd->xs) {
		const char *path = getenv("XENSTORED_PATH");
		log_err("cannot connect to xenstored%s%s: %s", path ? " at " : "",
			path ? path : " (libxenstore's default)", strerror(errno));
		return -1;
	}
	cd->ev_fd = hv_evtchn_fd(cd->hv);
	if (cd->ev_fd < 0) {
		log_err("hypervisor events: %s", hv_error(cd->hv));
		return -1;
	}
	/* xenstored's @releaseDomain only fires for domains it was told about;
	 * the hypervisor's own word covers the rest. Another process may hold
	 * it (on Xen, dom0 has one binding): the periodic scan covers that. */
	if (hv_evtchn_bind_dom_exc(cd->hv, &cd->dom_exc_port) < 0) {
		log_info("VIRQ_DOM_EXC: %s; relying on @releaseDomain", hv_error(cd->hv));
		cd->dom_exc_port = 0;
	}
	if ((rc = loop_add(cd->loop, cd->ev_fd, EPOLLIN, events_ready, cd)) < 0 ||
	    (rc = loop_add(cd->loop, xs_fileno(cd->xs), EPOLLIN, xs_ready, cd)) < 0) {
		log_err("event loop: %s", strerror(-rc));
		return -1;
	}
	if (scan_watch(cd, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	loop_set_idle(cd->loop, idle, cd);
	loop_set_timeout(cd->loop, PROBE_MS, probe, cd);
	cd->rescan = 1;
	return 0;
}

static void teardown(struct consoled *cd)
{
	while (cd->consoles) {
		struct cons *c = cd->consoles;
		/* A tty nobody serves would mislead `xcd console`. */
		if (cd->status == 0 && cd->xs) {
			char path[96];
			snprintf(path, sizeof(path), "/local/domain/%u/console/tty", c->domid);
			xs_rm(cd->xs, XBT_NULL, path);
		}
		cons_close(cd, c);
	}
	while (cd->failed)
		scan_forget_failed(cd, cd->failed->domid);
	if (cd->xs)
		xs_close(cd->xs);
	if (cd->dom_exc_port)
		hv_evtchn_unbind(cd->hv, cd->dom_exc_port);
	hv_close(cd->hv);
	loop_free(cd->loop);
}

int main(int argc, char **argv)
{
	enum { OPT_SIM_SOCKET = 256, OPT_LOG_DIR };
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "sim-socket", required_argument, NULL, OPT_SIM_SOCKET },
		{ "log-dir", required_argument, NULL, OPT_LOG_DIR },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct consoled cd = { .ev_fd = -1 };
	int c;
	while ((c = getopt_long(argc, argv, "fp:vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': cd.opt.foreground = 1; break;
		case OPT_SIM_SOCKET: cd.opt.sim_socket = optarg; break;
		case OPT_LOG_DIR: cd.opt.log_dir = optarg; break;
		case 'p': cd.opt.pid_file = optarg; break;
		case 'v': cd.opt.verbose = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xcd-consoled: unexpected argument '%s' (--help says more)\n",
			argv[optind]);
		return 1;
	}
	enum log_level lvl = cd.opt.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO;
	log_init("xcd-consoled", 0, lvl);
	if (cd.opt.log_dir) {
		struct stat st;
		if (stat(cd.opt.log_dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
			fprintf(stderr, "xcd-consoled: --log-dir %s: %s\n", cd.opt.log_dir,
				errno ? strerror(errno) : "not a directory");
			return 1;
		}
	}
	signal(SIGPIPE, SIG_IGN);
	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);

	int ready_fd = -1, pid_fd = -1;
	if (!cd.opt.foreground && detach(&ready_fd) < 0)
		return 1;
	/* The pid file, locked (lib/pidlock.h) from before the daemon serves
	 * anything: a second xcd-consoled given the same file refuses to start
	 * beside it, and a supervisor (xcdd) learns whether one runs, and its
	 * pid, from the lock rather than from a pid that may be stale. */
	if (cd.opt.pid_file) {
		char err[XCD_ERR_MAX];
		pid_fd = pidlock_take(cd.opt.pid_file, "xcd-consoled", err, sizeof(err));
		if (pid_fd < 0) {
			log_err("%s%s", err, pid_fd == -EAGAIN ? ": not starting a second one" : "");
			report(ready_fd, 1);
			return 1;
		}
	}
	if (setup(&cd) < 0) {
		cd.status = 1;
		teardown(&cd);
		if (pid_fd >= 0) {
			unlink(cd.opt.pid_file);
			close(pid_fd);
		}
		report(ready_fd, 1);
		return 1;
	}
	if (ready_fd >= 0) {
		log_init("xcd-consoled", 1, lvl);
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
			dup2(nul, 2);
			if (nul > 2)
				close(nul);
		}
		report(ready_fd, 0);
	}
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0 || loop_add(cd.loop, sfd, EPOLLIN, signal_ready, &cd) < 0) {
		log_err("signalfd: %s", strerror(errno));
		cd.status = 1;
	} else {
		log_info("serving consoles%s%s", cd.opt.log_dir ? ", logs in " : "",
			 cd.opt.log_dir ? cd.opt.log_dir : "");
		int rc = loop_run(cd.loop);
		if (rc < 0) {
			log_err("event loop: %s", strerror(-rc));
			cd.status = 1;
		}
	}
	teardown(&cd);
	if (sfd >= 0)
		close(sfd);
	if (pid_fd >= 0) {
		unlink(cd.opt.pid_file);
		close(pid_fd);
	}
	return cd.status;
}
