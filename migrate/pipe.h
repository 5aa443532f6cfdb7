/* pipe: xl's migration pipe protocol (tools/xl/xl_migrate.c, xl.h), byte for
 * byte. Over two one-way channels between `xl migrate` (or `xcd migrate`)
 * and `migrate-receive` on the other host:
 *
 *   receiver -> sender  BANNER  (its text without the NUL)
 *   sender -> receiver  the xl save-file header and config, the libxl stream
 *   receiver -> sender  READY   (with its NUL) once it holds the whole guest
 *   sender -> receiver  GO      (with its NUL): the sender has renamed its
 *                       copy NAME--migratedaway and gives the guest up
 *   receiver -> sender  REPORT  (with its NUL) and one status byte: 0 the
 *                       guest runs there (renamed NAME, unpaused), else the
 *                       receiver failed to start it (minus libxl's error code)
 *   receiver -> sender  GO again after a failed start, once its copy is
 *                       destroyed: the sender may resume its own.
 *
 * xcd's own, between xcd hosts only (migrate/README.md, "Compression"):
 *   receiver -> sender  XCD_READS, "XCD reads " then 8 hex digits (the
 *                       codecs it reads, bits of compress.h) and "\n":
 *                       sent, once it has read xl's header, only when the
 *                       header's optional flags ask it (XL_OPTFLAG_XCD_ASKS,
 *                       which only an xcd sender sets and xl ignores); the
 *                       sender takes it between its batches, or before READY.
 *
 * Readers here accept exactly these bytes, and say what came instead. */
#ifndef XCD_MIGRATE_PIPE_H
#define XCD_MIGRATE_PIPE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum mig_pipe_msg {
	MIG_PIPE_BANNER,
	MIG_PIPE_READY,
	MIG_PIPE_GO,
	MIG_PIPE_REPORT, /* followed by its status byte */
};

/* The bytes of M on the wire (the NUL included where xl sends it). */
const char *mig_pipe_bytes(enum mig_pipe_msg m, size_t *len);
/* "banner", "ready message", "GO message", "report": for errors. */
const char *mig_pipe_name(enum mig_pipe_msg m);

/* XCD_READS on the wire. */
#define MIG_PIPE_READS_PREFIX "XCD reads "
#define MIG_PIPE_READS_LEN 19u

/* What an incremental reader of one message has seen. */
struct mig_pipe_expect {
	enum mig_pipe_msg msg;
	size_t got;	/* bytes matched so far */
	int status;	/* REPORT: its status byte once read, else -1 */
	/* XCD_READS may come before MSG (once): its bytes so far, whether it
	 * came, and the codecs it said. */
	int reads_ok, has_reads;
	size_t reads_got;
	char reads[MIG_PIPE_READS_LEN];
	uint32_t codecs;
};
void mig_pipe_expect_init(struct mig_pipe_expect *x, enum mig_pipe_msg m);
/* The same, XCD_READS allowed before M (an xcd sender that asked). */
void mig_pipe_expect_after_reads(struct mig_pipe_expect *x, enum mig_pipe_msg m);
/* Takes bytes from BUF (N of them; *USED says how many it took, never past
 * the message's end): 1 once the message (and a REPORT's status byte) is
 * whole, 0 while it needs more, -EPROTO with ERR naming what came instead
 * (the message expected, the byte where they differ). */
int mig_pipe_feed(struct mig_pipe_expect *x, const uint8_t *buf, size_t n, size_t *used,
		  char *err, size_t errlen);

/* Writes M to FD whole (a REPORT with STATUS): 0, or a negative errno with
 * ERR (-EPIPE: the other side is gone). */
int mig_pipe_send(int fd, enum mig_pipe_msg m, uint8_t status, char *err, size_t errlen);
/* Reads M from FD byte for byte, waiting at most TIMEOUT_MS in all (-1: no
 * limit): 0 (a REPORT's status in *STATUS, may be NULL otherwise);
 * -EPROTO when other bytes came, -ECONNRESET when the stream ended first,
 * -ETIMEDOUT, or a read(2) errno; ERR says which. Reads no byte past the
 * message. */
int mig_pipe_recv(int fd, enum mig_pipe_msg m, int timeout_ms, uint8_t *status, char *err,
		  size_t errlen);

/* The largest configuration a receiver takes from a sender: it goes to
 * xcdd as a JSON string, within the 1 MiB of a request line. */
#define MIG_RECV_CONFIG_MAX (512u << 10)
/* What a receiver reads after its banner and before it makes the domain:
 * xl's header and the configuration, exactly (no byte of the libxl stream
 * after them), or, where xl's header goes, an xcd sender's outcome query
 * (outcome.h). */
struct mig_pipe_head {
	bool query;	 /* an outcome query came: ID, and nothing else */
	uint8_t id[16];
	char *config;	 /* malloc'd, NUL-terminated (NULL for a query) */
	uint64_t off;	 /* the bytes read */
	uint32_t oflags; /* xl's header's optional flags (XL_OPTFLAG_XCD_ASKS) */
};
/* Reads it from FD: at most MAX_CONFIG bytes of configuration, checked as
 * a save file's (mig_read_xl_config), waiting at most TIMEOUT_MS in all
 * (-1: no limit). 0 with *H (H->config the caller's to free); else a
 * negative errno with ERR naming what and the byte. */
int mig_pipe_read_head(int fd, uint32_t max_config, int timeout_ms, struct mig_pipe_head *h,
		       char *err, size_t errlen);
/* What a receiver owes the sender once it read H, on FD (the way back):
 * XCD_READS with the codecs this build reads when H's header asked, else
 * nothing. 0, or a negative errno with ERR. */
int mig_pipe_answer_head(int fd, const struct mig_pipe_head *h, char *err, size_t errlen);

/* XCD_READS with CODECS, whole: 0, or a negative errno with ERR. */
int mig_pipe_send_reads(int fd, uint32_t codecs, char *err, size_t errlen);
/* XCD_READS, if its first byte is there now (no wait): 1 with *CODECS once
 * read whole (its rest within a second), 0 when no byte is there yet;
 * -EPROTO when another byte came (named), -ECONNRESET when the other side
 * closed, -ETIMEDOUT, or a read(2) errno, with ERR. Reads no byte past it. */
int mig_pipe_poll_reads(int fd, uint32_t *codecs, char *err, size_t errlen);
#endif
