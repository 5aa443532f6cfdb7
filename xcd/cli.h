/* cli: what the files of `xcd` share: the connection to xcdd (cli_rpc.c),
 * JSON helpers, and the verbs each file holds (cli.c has the table). */
#ifndef XCD_CLI_H
#define XCD_CLI_H
#include "../lib/jsonrpc.h"
#include <stdbool.h>
#include <yajl/yajl_tree.h>

/* The answers' line buffer (cli.c's main makes and frees it). */
extern struct jsonrpc_linebuf cli_lb;

/* xcdd's socket at PATH: the fd, or -1 (said). */
int cli_connect(const char *path);
/* The next message from xcdd, parsed: 0, or -1 (said). */
int cli_read_message(int fd, struct jsonrpc_message *m);
/* Sends METHOD and waits for its answer in *RES (notifications skipped).
 * 0, or -1 with the error printed. */
int cli_call(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
	     struct jsonrpc_message *res);
/* cli_call, with each notification that comes before the answer given to
 * NOTE (NULL: skipped). */
typedef void cli_note_fn(const struct jsonrpc_message *n, void *arg);
int cli_call_notes(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
		   struct jsonrpc_message *res, cli_note_fn *note, void *note_arg);
/* cli_call_notes, passing the descriptors FDS (NFDS, at most 8) with the
 * request (SCM_RIGHTS): xcdd takes them for the method. */
int cli_call_fds(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
		 const int *fds, unsigned nfds, struct jsonrpc_message *res, cli_note_fn *note,
		 void *note_arg);
/* cli_call_fds in two halves: the request sent (0, or -1, said), then its
 * answer awaited (as cli_call_notes). Between them the caller may close
 * what it passed. */
int cli_call_fds_begin(int fd, const char *method, jsonrpc_value_fn *params, void *arg,
		       const int *fds, unsigned nfds);
int cli_call_fds_end(int fd, struct jsonrpc_message *res, cli_note_fn *note, void *note_arg);
/* An xl.cfg file's text for VERB, checked to be UTF-8 (it goes as a JSON
 * string); NULL: said why. */
char *cli_read_cfg(const char *verb, const char *path);
/* --compress V of VERB: *OUT = V when it is auto, zstd, lz4 or off: 0, or 1
 * (said). */
int cli_compress_arg(const char *verb, const char *v, const char **out);
/* A file's whole text (at most 16 MiB; NULL: said why). */
char *cli_read_file(const char *path);
/* {"domid": N} or {"name": S} from a DOM argument (ARG: the string). */
int cli_gen_dom(yajl_gen g, void *arg);
/* A DOM argument and up to 3 more members: a string, or (S NULL) a number. */
struct cli_dom_req {
	const char *dom;
	struct {
		const char *key, *s;
		long long i;
	} kv[3];
	int n;
};
int cli_gen_dom_req(yajl_gen g, void *arg);
/* The "domid" or "name" member a DOM argument stands for (inside a map). */
int cli_gen_dom_member(yajl_gen g, const char *dom);
int cli_print_json(yajl_val v);
/* Members of an answer: "" / -1 / 0 / false when absent. */
const char *cli_get_s(yajl_val o, const char *k);
long long cli_get_i(yajl_val o, const char *k);
double cli_get_d(yajl_val o, const char *k);
bool cli_get_b(yajl_val o, const char *k);
/* --json among the options: sets *JSON and *FIRST_ARG. */
int cli_json_flag(int argc, char **argv, bool *json, int *first_arg);

/* The verbs (argv[0] is the verb). */
int v_create(int fd, int argc, char **argv);
bool create_offline(int argc, char **argv);
int v_list(int fd, int argc, char **argv);
int v_info(int fd, int argc, char **argv);
int v_vcpu_list(int fd, int argc, char **argv);
int v_uptime(int fd, int argc, char **argv);
int v_shutdown(int fd, int argc, char **argv);
int v_reboot(int fd, int argc, char **argv);
int v_save(int fd, int argc, char **argv);
int v_restore(int fd, int argc, char **argv);
int v_tune(int fd, int argc, char **argv);
int v_migrate(int fd, int argc, char **argv);
int v_migrate_receive(int fd, int argc, char **argv);
int v_migrate_abort(int fd, int argc, char **argv);
/* cli_cred.c: `xcd host-credential`, which needs no daemon. */
int v_host_credential(int fd, int argc, char **argv);
bool host_credential_offline(int argc, char **argv);
#endif
