/*
 * jsonrpc: JSON-RPC 2.0 messages framed one per line (xcdd's API), read with
 * yajl_tree and written with yajl_gen, and the line buffer that cuts a
 * socket's byte stream into those lines.
 *
 * Batches (a JSON array on one line) are refused with -32600 and a message
 * saying so: one object per line is the framing, so a batch buys nothing.
 */
#ifndef XCD_JSONRPC_H
#define XCD_JSONRPC_H
#include "errmsg.h"
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* A line longer than this is refused and its connection closed by the caller. */
#define JSONRPC_MAX_LINE (1024 * 1024)
/* Deeper nesting is refused before yajl_tree builds it (yajl_tree_free recurses). */
#define JSONRPC_MAX_DEPTH 64

enum {
	JSONRPC_PARSE_ERROR = -32700,
	JSONRPC_INVALID_REQUEST = -32600,
	JSONRPC_METHOD_NOT_FOUND = -32601,
	JSONRPC_INVALID_PARAMS = -32602,
	JSONRPC_INTERNAL_ERROR = -32603,
};

/* What a person reads: code and message, and the field at fault if any
 * (sent as "data": {"field": ...}). */
struct jsonrpc_error {
	int code;
	char message[XCD_ERR_MAX];
	char field[64];
};

/* Fills E (message printf-style, cut at a UTF-8 boundary); FIELD may be NULL. */
void jsonrpc_error_set(struct jsonrpc_error *e, int code, const char *field, const char *fmt,
		       ...) __attribute__((format(printf, 4, 5)));

enum jsonrpc_id_type {
	JSONRPC_ID_NONE, /* absent: a notification */
	JSONRPC_ID_NULL,
	JSONRPC_ID_NUMBER,
	JSONRPC_ID_STRING,
};

/* Echoed back byte for byte: a number keeps its text as the caller wrote it. */
struct jsonrpc_id {
	enum jsonrpc_id_type type;
	char *text; /* NUMBER or STRING; owned */
};

enum jsonrpc_kind { JSONRPC_REQUEST, JSONRPC_NOTIFICATION, JSONRPC_RESPONSE };

/* One parsed line. The yajl_val members point into the tree owned by it. */
struct jsonrpc_message {
	enum jsonrpc_kind kind;
	struct jsonrpc_id id;
	const char *method;     /* REQUEST, NOTIFICATION */
	yajl_val params;        /* object, array or NULL if absent */
	yajl_val result;        /* RESPONSE without error */
	bool is_error;          /* RESPONSE with "error" */
	struct jsonrpc_error error; /* when is_error (field from data.field) */
	yajl_val root;
};

/*
 * Parses one line (LEN bytes, no newline needed, need not be NUL-terminated)
 * as a request or notification (what the daemon accepts). Returns 0, or
 * -EINVAL / -EMSGSIZE / -ENOMEM with ERR filled (code -32700 or -32600 and a
 * message naming what is wrong). On error M is still initialised, and M->id
 * holds the request's id when it could be read (else JSONRPC_ID_NULL), for
 * the error response; jsonrpc_message_free() it either way.
 */
int jsonrpc_request_parse(const char *line, size_t len, struct jsonrpc_message *m,
			  struct jsonrpc_error *err);
/* The same for what a client reads: a response, or a notification. */
int jsonrpc_response_parse(const char *line, size_t len, struct jsonrpc_message *m,
			   struct jsonrpc_error *err);
void jsonrpc_message_free(struct jsonrpc_message *m);

/*
 * Typed parameters by name (params must be an object). Absent or null and
 * not REQUIRED: 0 and *out untouched. Errors are -EINVAL with code -32602,
 * field "params.NAME" and a message such as "params.name: expected a string".
 * Strings point into M.
 */
int jsonrpc_param_string(const struct jsonrpc_message *m, const char *name, bool required,
			 const char **out, struct jsonrpc_error *err);
int jsonrpc_param_int(const struct jsonrpc_message *m, const char *name, bool required,
		      long long min, long long max, long long *out, struct jsonrpc_error *err);
int jsonrpc_param_bool(const struct jsonrpc_message *m, const char *name, bool required,
		       bool *out, struct jsonrpc_error *err);
/* Refuses a member of params not in NAMES (NULL-terminated), naming it. */
int jsonrpc_params_only(const struct jsonrpc_message *m, const char *const *names,
			struct jsonrpc_error *err);

/*
 * Output: one line ending in '\n', malloc'd in *OUT (length *OUTLEN).
 * A value writer emits exactly one JSON value on G and returns 0, or a
 * negative errno to abandon the message. Returns 0, -ENOMEM, or -EINVAL
 * (writer failed, invalid UTF-8 in a string).
 */
typedef int jsonrpc_value_fn(yajl_gen g, void *arg);
int jsonrpc_gen_result(const struct jsonrpc_id *id, jsonrpc_value_fn *result, void *arg,
		       char **out, size_t *outlen);
/* E's message must be UTF-8; one that is not is replaced, never dropped. */
int jsonrpc_gen_error(const struct jsonrpc_id *id, const struct jsonrpc_error *e, char **out,
		      size_t *outlen);
/* PARAMS may be NULL (no "params"); it must emit an object or an array, as
 * JSON-RPC requires (not checked here). A NULL or NONE id makes a notification. */
int jsonrpc_gen_request(const struct jsonrpc_id *id, const char *method,
			jsonrpc_value_fn *params, void *arg, char **out, size_t *outlen);
int jsonrpc_gen_notification(const char *method, jsonrpc_value_fn *params, void *arg,
			     char **out, size_t *outlen);

/*
 * Checks that TEXT is one strict JSON value (no comments, valid UTF-8, no
 * \u0000 in a string, nesting at most MAX_DEPTH): what must hold before
 * yajl_tree_parse sees it. 0 or -EINVAL with a message in ERR.
 */
int jsonrpc_check_text(const char *text, size_t len, unsigned max_depth, char *err,
		       size_t errlen);

/*
 * Line buffer: bytes in (from a non-blocking socket or a test), complete
 * lines out. Bounded: an unterminated line longer than MAX fails with
 * -EMSGSIZE, and the buffer stays failed (the caller closes the connection).
 */
struct jsonrpc_linebuf {
	char *buf;
	size_t start; /* first byte not yet returned */
	size_t len;   /* bytes held */
	size_t cap;
	size_t tail;  /* bytes after the last '\n' */
	size_t max;
	bool failed;
};

void jsonrpc_linebuf_init(struct jsonrpc_linebuf *lb, size_t max);
void jsonrpc_linebuf_free(struct jsonrpc_linebuf *lb);
/* Invalidates lines returned so far. 0, -EMSGSIZE or -ENOMEM. */
int jsonrpc_linebuf_append(struct jsonrpc_linebuf *lb, const void *data, size_t n,
			   char *err, size_t errlen);
/*
 * One read() of at most 64 KiB: bytes read, 0 at end of file, -EAGAIN when
 * nothing is ready, or a negative errno. Take the lines out between reads, so
 * the buffer holds at most MAX plus one read.
 */
ssize_t jsonrpc_linebuf_read(struct jsonrpc_linebuf *lb, int fd, char *err, size_t errlen);
/*
 * The same from a Unix socket, taking the descriptors that came with the
 * bytes (SCM_RIGHTS, close-on-exec): up to MAXFDS into FDS, their number in
 * *NFDS; more than that are closed (the kernel closes what did not fit its
 * buffer). With MAXFDS 0 every descriptor that comes is closed.
 */
ssize_t jsonrpc_linebuf_recv(struct jsonrpc_linebuf *lb, int fd, int *fds, size_t maxfds,
			     size_t *nfds, char *err, size_t errlen);
/* LEN bytes of BUF (a request line) to the socket FD, the descriptors FDS
 * (N, at most 8) passed with the first of them (SCM_RIGHTS), again after
 * short writes; never SIGPIPE. 0, or -1 with errno. */
int jsonrpc_send_fds(int fd, const char *buf, size_t len, const int *fds, unsigned n);
/*
 * The next complete line, NUL-terminated, without "\n" or "\r\n", valid
 * until the next append or read. Empty lines are skipped. 1 with a line,
 * 0 when none is complete, -EMSGSIZE for a line longer than MAX.
 */
int jsonrpc_linebuf_next(struct jsonrpc_linebuf *lb, char **line, size_t *len, char *err,
			 size_t errlen);
/* Bytes of an unterminated line held (at end of file: a truncated message). */
size_t jsonrpc_linebuf_pending(const struct jsonrpc_linebuf *lb);
/* Whether a complete line waits to be taken out (a server that answers a few
 * lines at a time reads no more until they are). */
bool jsonrpc_linebuf_has_line(const struct jsonrpc_linebuf *lb);
/* Gives the memory back when nothing is held (after a long line went). */
void jsonrpc_linebuf_shrink(struct jsonrpc_linebuf *lb);
#endif
