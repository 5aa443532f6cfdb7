/* hotplug: a device script run with libxl's environment and a time limit. */
#include "hotplug.h"
#include "../lib/fdio.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Kept of the script's output: enough for its last words. */
#define HOTPLUG_TAIL 1024

/* The process group of the script running now (0: none). State a signal
 * handler must reach, hence a static: hotplug_run runs in a device job, a
 * process of one thread. */
static volatile sig_atomic_t running_group;

void hotplug_kill_running(void)
{
	pid_t g = running_group;
	if (g > 0)
		kill(-g, SIGKILL);
}

/* Only async-signal-safe calls here: xcdd may have threads (libxenstore's
 * watch reader), and a lock held by one of them at fork stays held. */
static void child(const char *script, const char *arg, char *const envp[], int out)
{
	/* Its own group, so a timeout kills what it started too. */
	setpgid(0, 0);
	/* Run by a device job that may be killed (a domain destroyed while it
	 * is created): the script goes with it rather than carrying on alone. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	int nul = open("/dev/null", O_RDONLY);
	if (nul >= 0)
		dup2(nul, 0);
	dup2(out, 1);
	dup2(out, 2);
	/* xcdd's sockets and the journal are not the script's business. */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	char *const argv[] = { (char *)script, (char *)arg, NULL };
	execve(script, argv, envp);
	static const char msg[] = "hotplug: cannot run the script: ";
	const char *why = strerror(errno);
	ssize_t w = write(2, msg, sizeof(msg) - 1);
	w += write(2, script, strlen(script));
	w += write(2, ": ", 2);
	w += write(2, why, strlen(why));
	w += write(2, "\n", 1);
	(void)w;
	_exit(127);
}

/* xcdd's environment with ENV's NAME=VALUE strings replacing or added:
 * a malloc'd array of borrowed strings, NULL-terminated; NULL: ENOMEM. */
static char **merge_env(char *const env[])
{
	extern char **environ;
	size_t n = 0, k = 0;
	while (environ && environ[n])
		n++;
	while (env && env[k])
		k++;
	char **out = calloc(n + k + 1, sizeof(char *));
	if (!out)
		return NULL;
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(environ[i], "=");
		bool replaced = false;
		for (size_t j = 0; j < k && !replaced; j++)
			replaced = strncmp(env[j], environ[i], len) == 0 && env[j][len] == '=';
		if (!replaced)
			out[m++] = environ[i];
	}
	for (size_t j = 0; j < k; j++)
		out[m++] = env[j];
	return out;
}

/* The last non-empty line of BUF (LEN bytes), in place. */
static const char *last_line(char *buf, size_t len)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	char *nl = strrchr(buf, '\n');
	return nl ? nl + 1 : buf;
}

int hotplug_run(const char *script, const char *arg, char *const env[], int timeout_ms,
		char *err, size_t errlen)
{
	char **envp = merge_env(env);
	if (!envp) {
		snprintf(err, errlen, "%s %s: out of memory", script, arg);
		return -ENOMEM;
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s %s: pipe: %s", script, arg, strerror(errno));
		free(envp);
		return rc;
	}
	pid_t pid = fork();
	if (pid < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s %s: fork: %s", script, arg, strerror(errno));
		close(p[0]);
		close(p[1]);
		free(envp);
		return rc;
	}
	if (pid == 0)
		child(script, arg, envp, p[1]);
	free(envp);
	close(p[1]);
	/* Both ends may set the group first: whichever runs first wins the race. */
	setpgid(pid, pid);
	running_group = pid;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	char tail[HOTPLUG_TAIL + 1];
	size_t tlen = 0;
	long long deadline = (long long)mono_ms() + timeout_ms;
	bool eof = false, timed_out = false, exited = false;
	int status = 0;
	for (;;) {
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
		if (exited && eof)
			break;
		long long left = deadline - (long long)mono_ms();
		if (left <= 0) {
			timed_out = true;
			break;
		}
		struct pollfd fds[2] = { { eof ? -1 : p[0], POLLIN, 0 }, { exited ? -1 : pidfd, POLLIN, 0 } };
		/* Without a pidfd, a short nap between looks at the child. */
		int wait = pidfd >= 0 ? (int)left : (int)(left < 20 ? left : 20);
		if (exited)
			wait = (int)(left < 200 ? left : 200); /* its children may hold the pipe */
		int n = poll(fds, 2, wait);
		if (n < 0 && errno != EINTR)
			break;
		if (fds[0].revents & (POLLIN | POLLHUP)) {
			char buf[HOTPLUG_TAIL / 2];
			ssize_t k = read(p[0], buf, sizeof(buf));
			if (k <= 0) {
				eof = true;
			} else {
				/* buf is smaller than tail: drop the oldest bytes to fit. */
				if (tlen + (size_t)k > HOTPLUG_TAIL) {
					size_t drop = tlen + (size_t)k - HOTPLUG_TAIL;
					memmove(tail, tail + drop, tlen - drop);
					tlen -= drop;
				}
				memcpy(tail + tlen, buf, (size_t)k);
				tlen += (size_t)k;
			}
		}
		if (exited && n == 0)
			break; /* exited; whatever still holds its output is not waited for */
	}
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	running_group = 0;
	close(p[0]);
	if (pidfd >= 0)
		close(pidfd);
	const char *last = last_line(tail, tlen);
	if (timed_out) {
		snprintf(err, errlen, "hotplug script %s %s gave no answer in %d s (killed)%s%.200s",
			 script, arg, timeout_ms / 1000, *last ? ": " : "", last);
		return -ETIMEDOUT;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		snprintf(err, errlen, "hotplug script %s %s killed by signal %d%s%.200s", script,
			 arg, WTERMSIG(status), *last ? ": " : "", last);
	else
		snprintf(err, errlen, "hotplug script %s %s failed (exit status %d)%s%.200s",
			 script, arg, WEXITSTATUS(status), *last ? ": " : "", last);
	return -EIO;
}
