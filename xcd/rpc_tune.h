/*
 * rpc_tune: xcdd's read-only I/O tuner methods, tune.show, tune.plan and
 * tune.verify ({"area": "net"|"storage", "policy": PATH, "policy_text":
 * TEXT}), each answered from a child job (lib/childjob.h) so that the loop
 * never waits for the host's files. rpc_domain.c's table lists them.
 */
#ifndef XCD_RPC_TUNE_H
#define XCD_RPC_TUNE_H
#include "xcdd.h"

/* The most a tune job may answer, and how long it may take. */
#define TUNE_JOB_MAX_OUT (64u << 20)
#define TUNE_JOB_TIMEOUT_MS 60000
/* Tune jobs at once (xcdd's x->tunejobs.max): more are refused (try again),
 * so that callers cannot make xcdd fork without bound. */
#define TUNE_JOBS_MAX 4

int m_tune_show(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e);
int m_tune_plan(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e);
int m_tune_verify(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		    char **out, size_t *outlen, struct jsonrpc_error *e);
/* C went away: its answers are dropped when they come. */
void rpc_tune_client_gone(struct xcdd *x, struct client *c);
#endif
