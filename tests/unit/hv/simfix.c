/* simfix: a private xcd-sim for hv's sim tests (simfix.h). */
#include "simfix.h"
#include "../../../lib/errmsg.h"
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void sleep_ms(unsigned ms) { usleep(ms * 1000); }

int spawn_sim(const char *dir, const char *sock, pid_t *pid, struct hv **hv)
{
	const char *b = getenv("XCD_BUILDDIR");
	char bin[4096];
	snprintf(bin, sizeof(bin), "%s/sim/xcd-sim", b ? b : ".");
	if (access(bin, X_OK) < 0) {
		fprintf(stderr, "hv-sim-test: %s: %s (set XCD_BUILDDIR)\n", bin, strerror(errno));
		return -1;
	}
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		char log[160];
		snprintf(log, sizeof(log), "%s/xcd-sim.%d.log", dir, (int)getpid());
		if (!freopen(log, "w", stderr))
			_exit(127);
		execl(bin, bin, "--socket", sock, "--cpus", "2", "--memory", "512", "--verbose",
		      (char *)NULL);
		_exit(127);
	}
	char err[XCD_ERR_MAX] = "";
	uint64_t t0 = now_ms();
	while (now_ms() - t0 < WAIT_MS) {
		if (hv_open(HV_SIM, sock, hv, err, sizeof(err)) == 0)
			return 0;
		sleep_ms(20);
	}
	fprintf(stderr, "hv-sim-test: xcd-sim did not come up: %s\n", err);
	return -1;
}

int simfix_up(struct simfix *f, const char *name)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/%s.XXXXXX", name);
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->sock, sizeof(f->sock), "%s/sim.sock", f->dir);
	return spawn_sim(f->dir, f->sock, &f->pid, &f->hv);
}

int simfix_down(struct simfix *f)
{
	if (f->hv)
		hv_close(f->hv);
	f->hv = NULL;
	if (f->pid > 0) {
		kill(f->pid, SIGKILL);
		waitpid(f->pid, NULL, 0);
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	return system(cmd) == 0 ? 0 : -1;
}
