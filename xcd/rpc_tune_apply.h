/*
 * rpc_tune_apply: what xcdd keeps of the tuners' writes between their jobs
 * (tune_apply.c does the work in the job): one write of an area at a time;
 * an apply made with --confirm SECONDS waits for tune.confirm, and when it
 * does not come in time xcdd undoes that apply by itself (a settle job) and
 * tells every client (notification tune.reverted); at start, a journal
 * left by an earlier xcdd with an apply under way or unconfirmed is settled
 * the same way.
 */
#ifndef XCD_RPC_TUNE_APPLY_H
#define XCD_RPC_TUNE_APPLY_H
#include "rpc_tune.h"

/* Whether VIEW of AREA may start now (E says why not); when it may, the
 * area is taken (busy) and O gets what the job needs from xcdd. 0 or -1. */
int tune_writes_admit(struct xcdd *x, enum tune_area area, enum tune_view view,
		      struct tune_start_opts *o, struct jsonrpc_error *e);
/* The job admitted could not start after all. */
void tune_writes_abandon(struct xcdd *x, enum tune_area area, enum tune_view view);
/* A write job ended: OUT (LEN bytes) its answer line, or NULL and ERR. */
void tune_writes_done(struct xcdd *x, enum tune_area area, enum tune_view view,
		      unsigned confirm_s, const char *out, size_t len, const char *err);
/* Once the loop runs: settles the journals an earlier xcdd left. */
void tune_writes_open(struct xcdd *x);
void tune_writes_close(struct xcdd *x);
#endif
