/* daemons: the programs xcdd starts on the simulated host (xcd-sim,
 * xcd-xenstored, xcd-consoled), outside its process group so that they
 * outlive it as Xen and its daemons outlive a toolstack, and stops. */
#include "daemons.h"
#include "../lib/errmsg.h"
#include "consoled_sup.h"
#include "../lib/fdio.h"
#include "../lib/log.h"
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

#define SIM_START_MS 5000
/* How long a daemon of ours gets to stop on SIGTERM. */
#define STOP_MS 2000

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

/* The simulated host's console backend (Xen has xenconsoled): xcd-consoled
 * on our own xenstored XS, unless the one holding RUNDIR/consoled.pid still
 * runs; like xcd-sim and xcd-xenstored it outlives xcdd. The console/tty
 * nodes a dead one left name ptys that are gone, or that another session has
 * since been given: removed before the new one writes its own. */
void daemons_start_consoled(const char *rundir, const char *sim_sock, struct xs_handle *xs)
{
	char pidf[PATH_MAX + 32], logpath[PATH_MAX + 32], logdir[PATH_MAX + 32], bin[4096];
	char err[XCD_ERR_MAX];
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
int daemons_start_xenstored(const char *rundir, const char *sim_sock)
{
	char sock[PATH_MAX + 32], pidf[PATH_MAX + 32], logpath[PATH_MAX + 32], bin[4096];
	char err[XCD_ERR_MAX];
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

/* Starts xcd-sim at SOCK and connects to it: 0, or -1 (logged). */
int daemons_open_sim(const char *rundir, const char *sock, const char *store,
			struct hv **hv)
{
	char err[XCD_ERR_MAX] = "";
	if (start_sim(rundir, sock, store, err, sizeof(err)) < 0) {
		log_err("%s", err);
		return -1;
	}
	uint64_t t0 = mono_ms();
	while (mono_ms() - t0 < SIM_START_MS) {
		if (hv_open(HV_SIM, sock, hv, err, sizeof(err)) == 0)
			return 0;
		usleep(20000);
	}
	log_err("xcd-sim did not come up at %s: %s", sock, err);
	return -1;
}

/* Whether PID is this xcdd's daemon COMM: named so (comm holds at most the
 * first 15 characters of the name, all of them) and run by this xcdd's user.
 * A stale pidfile's pid taken since by another process, a user's above all,
 * is not signalled. */
static bool our_daemon(long pid, const char *comm)
{
	char path[64], name[64] = "";
	struct stat st;
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	if (stat(path, &st) < 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%ld/comm", pid);
	FILE *f = fopen(path, "r");
	if (f) {
		if (!fgets(name, sizeof(name), f))
			name[0] = '\0';
		fclose(f);
	}
	name[strcspn(name, "\n")] = '\0';
	bool named = name[0] && strlen(name) == (strlen(comm) < 15 ? strlen(comm) : 15) &&
		     !strncmp(name, comm, strlen(name));
	if (named && st.st_uid == getuid())
		return true;
	log_warn("%s's pidfile names pid %ld, which is %s%s (user %u): not signalled", comm, pid,
		 name[0] ? "" : "a process without a name", name, (unsigned)st.st_uid);
	return false;
}

/* Stops the daemon of ours whose pid RUNDIR/PIDFILE holds, if it is still
 * the program COMM (not a process that has taken over a stale pid). */
void daemons_stop(const char *rundir, const char *pidfile, const char *comm)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", rundir, pidfile);
	FILE *f = fopen(path, "r");
	long pid = 0;
	if (!f)
		return;
	if (fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	fclose(f);
	if (pid <= 1 || !our_daemon(pid, comm))
		return;
	if (kill((pid_t)pid, SIGTERM) < 0)
		return;
	uint64_t t0 = mono_ms();
	while (kill((pid_t)pid, 0) == 0 && mono_ms() - t0 < STOP_MS)
		usleep(20000);
	if (kill((pid_t)pid, 0) == 0) {
		log_warn("%s (pid %ld) did not stop on SIGTERM: killed", comm, pid);
		kill((pid_t)pid, SIGKILL);
	} else {
		log_info("stopped %s (pid %ld)", comm, pid);
	}
}
