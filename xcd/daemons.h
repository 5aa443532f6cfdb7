/* daemons: the programs xcdd starts and stops on the simulated host. */
#ifndef XCD_DAEMONS_H
#define XCD_DAEMONS_H
#include "../hv/hv.h"

struct xs_handle;

/* Starts xcd-sim at SOCK (playing dom0's backends on the xenstored at
 * STORE) and connects to it: 0, or -1 (logged). */
int daemons_open_sim(const char *rundir, const char *sock, const char *store, struct hv **hv);
/* Starts our xcd-xenstored at RUNDIR/xenstored.sock (not waiting for it):
 * 0, or -1 (logged). */
int daemons_start_xenstored(const char *rundir, const char *sim_sock);
/* Starts xcd-consoled on XS unless one holds RUNDIR/consoled.pid, after
 * removing the console/tty nodes no daemon serves (logged). */
void daemons_start_consoled(const char *rundir, const char *sim_sock, struct xs_handle *xs);
/* Stops the daemon of ours whose pid RUNDIR/PIDFILE holds, if it is still
 * the program COMM: SIGTERM, SIGKILL after 2 s. */
void daemons_stop(const char *rundir, const char *pidfile, const char *comm);
#endif
