/*
 * rpc_tune: xcdd's read-only I/O tuner methods, tune.show, tune.plan and
 * tune.verify ({"area": "net"|"storage", "policy": PATH, "policy_text":
 * TEXT}), each answered from a tune job (tunejob.c) so that the loop never
 * waits for the host's files. rpc_domain.c's table lists them.
 */
#ifndef XCD_RPC_TUNE_H
#define XCD_RPC_TUNE_H
#include "xcdd.h"

int m_tune_show(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e);
int m_tune_plan(struct xcdd *x, struct client *c, const struct jsonrpc_message *m, char **out,
		  size_t *outlen, struct jsonrpc_error *e);
int m_tune_verify(struct xcdd *x, struct client *c, const struct jsonrpc_message *m,
		    char **out, size_t *outlen, struct jsonrpc_error *e);
/* C went away: its answers are dropped when they come. */
void rpc_tune_client_gone(struct xcdd *x, struct client *c);
#endif
