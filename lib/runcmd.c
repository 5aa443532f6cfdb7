/* runcmd: a program's output, bounded in size and time (see runcmd.h). */
#include "runcmd.h"
#include "fdio.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

bool run_ok(const struct run_result *r)
{
	return !r->timed_out && !r->too_big && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
}

static void child(int wfd, char *const argv[])
{
	dup2(wfd, 1);
	int nul = open("/dev/null", O_RDWR);
	if (nul >= 0) {
		dup2(nul, 0);
		dup2(nul, 2);
	}
	execvp(argv[0], argv);
	_exit(127);
}

int run_capture(char *const argv[], int timeout_ms, size_t max, char **out, size_t *len,
		struct run_result *r)
{
	memset(r, 0, sizeof(*r));
	if (out)
		*out = NULL;
	if (len)
		*len = 0;
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0) {
		int rc = -errno;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	if (pid == 0)
		child(p[1], argv);
	close(p[1]);
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap + 1);
	int rc = buf ? 0 : -ENOMEM;
	uint64_t deadline = mono_ms() + (uint64_t)timeout_ms;
	while (rc == 0) {
		uint64_t now = mono_ms();
		if (now >= deadline) {
			r->timed_out = true;
			break;
		}
		struct pollfd pf = { p[0], POLLIN, 0 };
		int pr = poll(&pf, 1, (int)(deadline - now));
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			r->timed_out = pr == 0;
			break;
		}
		if (n == cap) {
			char *nb = cap >= max ? NULL : realloc(buf, cap * 2 + 1);
			if (!nb) {
				r->too_big = cap >= max;
				rc = r->too_big ? 0 : -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t k = read(p[0], buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	close(p[0]);
	if (r->timed_out || r->too_big || rc < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
		;
	r->not_found = WIFEXITED(r->status) && WEXITSTATUS(r->status) == 127;
	if (rc < 0 || !out) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}
