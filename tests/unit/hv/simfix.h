/* simfix: a private xcd-sim for hv's sim tests (hv-sim-test, hv-sim-state-test),
 * started from $XCD_BUILDDIR/sim/xcd-sim (else ./sim/xcd-sim), and the clock
 * their bounded waits use. */
#ifndef XCD_TEST_HV_SIMFIX_H
#define XCD_TEST_HV_SIMFIX_H
#include "../../../hv/hv.h"
#include <stdint.h>
#include <sys/types.h>

#define WAIT_MS 5000

uint64_t now_ms(void);
void sleep_ms(unsigned ms);
/* xcd-sim (2 CPUs, 512 MiB) on SOCK, its log in DIR; *HV open on it once it
 * answers (within WAIT_MS). 0, or -1 said on stderr. */
int spawn_sim(const char *dir, const char *sock, pid_t *pid, struct hv **hv);

/* A suite's xcd-sim: its folder (/tmp/NAME.XXXXXX), socket, process and
 * handle. simfix_up starts it (0, or -1); simfix_down stops it and removes
 * the folder (0, or -1). */
struct simfix {
	char dir[64], sock[128];
	pid_t pid;
	struct hv *hv;
};
int simfix_up(struct simfix *f, const char *name);
int simfix_down(struct simfix *f);
#endif
