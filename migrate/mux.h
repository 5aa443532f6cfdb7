/* mux: what the TCP transport puts around xl's pipe protocol, as pure
 * functions (no I/O, no threads): the hello that opens or joins a
 * migration, the frames on its connections, the cut of the sender's
 * stream into segments of whole records, and the checks of the order the
 * receiver puts them back in. migrate/README.md, "The TCP transport". */
#ifndef XCD_MIGRATE_MUX_H
#define XCD_MIGRATE_MUX_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Data connections of one migration, at most. */
#define MIG_MUX_MAX_STREAMS 8
/* A hello line, its newline included, at most. */
#define MIG_HELLO_MAX 200
/* A join token: 32 hex digits (16 random bytes). */
#define MIG_TOKEN_LEN 32

/* ---- hello: the first line each connection sends inside TLS ----
 *   "XCDMIG1 open STREAMS PAUSED\n"  (the control connection: a migration)
 *   "XCDMIG1 join TOKEN INDEX\n"     (data connection INDEX of it)
 * answered "ok TOKEN\n" (open), "ok\n" (join) or "refused TEXT\n". */
enum mig_hello_kind { MIG_HELLO_OPEN, MIG_HELLO_JOIN };
struct mig_hello {
	enum mig_hello_kind kind;
	unsigned streams;		  /* open: 1..MIG_MUX_MAX_STREAMS */
	bool paused;			  /* open: left paused on the receiver */
	char token[MIG_TOKEN_LEN + 1];	  /* join */
	unsigned index;			  /* join: 0..streams-1 */
};
/* H as its line (newline included) in BUF: its length, or -EINVAL. */
int mig_hello_format(const struct mig_hello *h, char *buf, size_t len);
/* LINE (LEN bytes, its newline included, nothing after) into *H: 0, or
 * -EPROTO with ERR saying what is wrong (the text is never repeated). */
int mig_hello_parse(const char *line, size_t len, struct mig_hello *h, char *err,
		    size_t errlen);

/* The answer to a hello, LINE (LEN bytes, its newline included): 0 for
 * "ok\n" (WANT_TOKEN false) or "ok TOKEN\n" (TOKEN filled); -EACCES for
 * "refused TEXT\n" (TEXT filled, made printable); -EPROTO for anything
 * else (TEXT says so). */
int mig_reply_parse(const char *line, size_t len, bool want_token,
		    char token[MIG_TOKEN_LEN + 1], char *text, size_t textlen);

/* ---- frames ----
 * Sender to receiver, on each data connection: a 16-byte header (u64 seq,
 * u32 len, u32 kind; little-endian), then LEN bytes. DATA: segment SEQ of
 * the stream (segments numbered from 0 over all connections; on one
 * connection they come in increasing order). END: no more on this
 * connection; SEQ is the number of segments in all.
 * Receiver to sender, on the control connection: an 8-byte header (u32
 * kind, u32 len), then LEN bytes. XL: bytes of xl's pipe protocol (the
 * banner, ready, report); NOTE: a sentence for the sender's user; ACK: a
 * u64, the bytes of the stream the receiver has put into its pipe so far
 * (the sender keeps at most a window of them unacknowledged); DEVICES:
 * no bytes, the receiver's copy has its devices up (their hotplug scripts
 * ran): the sender may stop the guest now. DEVICES goes only over a
 * connection whose TLS handshake agreed on MIG_ALPN_DEVICES, at most once. */
#define MIG_FRAME_HDR 16
#define MIG_BACK_HDR 8
/* A segment's bytes, at most (a record longer is cut: the receiver puts
 * the bytes back in order wherever they were cut). */
#define MIG_SEG_MAX (8u << 20)
#define MIG_BACK_MAX (64u << 10)
#define MIG_NOTE_MAX 1024u
enum mig_frame_kind { MIG_FRAME_DATA = 0, MIG_FRAME_END = 1 };
enum mig_back_kind {
	MIG_BACK_XL = 2,
	MIG_BACK_NOTE = 3,
	MIG_BACK_ACK = 4,
	MIG_BACK_DEVICES = 5,
};
/* The protocol (TLS's ALPN) a sender offers and a receiver picks when the
 * receiver tells the sender its copy's devices are up (DEVICES): a peer
 * that does not pick it (an older xcd) never sends it, and its sender does
 * not wait for it. */
#define MIG_ALPN_DEVICES "xcdmig/1.1"
/* Stream bytes a sender has on the way (sent, not acknowledged), at most,
 * for each data connection: what a pipe would hold, so that what the
 * sending job has written is soon in the receiving job's hands (the
 * engine's rate and its stop are then the link's, and the guest's pause
 * does not wait for a backlog to drain), yet enough to keep a connection
 * busy over a LAN's round trip. */
#define MIG_WINDOW_PER_STREAM (8u << 20)
struct mig_frame {
	uint64_t seq;
	uint32_t len;
	uint32_t kind;
};
void mig_frame_encode(const struct mig_frame *f, uint8_t out[MIG_FRAME_HDR]);
/* 0, or -EPROTO (an unknown kind, a length over MIG_SEG_MAX, an END with
 * a length). */
int mig_frame_decode(const uint8_t in[MIG_FRAME_HDR], struct mig_frame *f, char *err,
		     size_t errlen);
void mig_back_encode(uint32_t kind, uint32_t len, uint8_t out[MIG_BACK_HDR]);
/* 0, or -EPROTO (unknown kind, XL over MIG_BACK_MAX, NOTE over
 * MIG_NOTE_MAX, ACK not 8 bytes, DEVICES with bytes). */
int mig_back_decode(const uint8_t in[MIG_BACK_HDR], uint32_t *kind, uint32_t *len, char *err,
		    size_t errlen);
/* A NOTE's text made printable in place (control bytes and non-ASCII as
 * '?'): a peer's words go to logs and terminals. */
void mig_note_clean(char *text);

/* ---- the receiver's order ----
 * What has come, over all connections: the frames' checks before any is
 * taken. A segment may be at most MIG_MERGE_AHEAD ahead of the one written
 * next (a peer cannot make the receiver hold more than that). */
#define MIG_MERGE_AHEAD 1024u
struct mig_merge {
	unsigned streams;
	uint64_t next; /* the segment written next */
	uint64_t last[MIG_MUX_MAX_STREAMS]; /* last seq + 1 on each connection (0: none) */
	bool ended[MIG_MUX_MAX_STREAMS];
	unsigned ends;
	uint64_t total; /* the ENDs' count (valid once ends > 0) */
	uint64_t have[MIG_MERGE_AHEAD / 64]; /* taken and not written, by seq % AHEAD */
};
void mig_merge_init(struct mig_merge *m, unsigned streams);
/* Frame F came on connection CONN: 0 when it is taken, else -EPROTO with
 * ERR (a frame after END, a seq not increasing on its connection, taken
 * already, written already, too far ahead, ENDs that disagree or count
 * fewer segments than came). */
int mig_merge_check(struct mig_merge *m, unsigned conn, const struct mig_frame *f, char *err,
		    size_t errlen);
/* Segment NEXT written: the one after it is next. */
void mig_merge_advance(struct mig_merge *m);
/* Every connection ended and every segment written. */
bool mig_merge_done(const struct mig_merge *m);

/* ---- the sender's cut ----
 * Follows the stream's framing (xl's header and config, libxl's header and
 * records, libxc's headers and records inside LIBXC_CONTEXT, then what
 * follows the stream: the pipe messages) to know where records end, so
 * that a segment holds whole records. Should the bytes not follow that
 * framing, every byte is taken as an end (correctness never depends on
 * it: the receiver puts the bytes back in order wherever they were cut). */
struct mig_split {
	int state;
	uint64_t off;	   /* bytes fed */
	uint64_t boundary; /* the last offset where a record (or header) ends */
	uint64_t need;	   /* bytes left of the current part */
	uint8_t hdr[48];
	uint32_t hlen;	   /* bytes of HDR collected */
	uint32_t type;	   /* the record being skipped */
	bool libxc;	   /* inside libxc's stream */
	bool lost;	   /* the framing was not followed: every byte is an end */
};
void mig_split_init(struct mig_split *s);
/* N more bytes of the stream: returns s->boundary afterwards. */
uint64_t mig_split_feed(struct mig_split *s, const uint8_t *p, size_t n);
/* Inside a record's body: the bytes left of it (a reader may take them
 * in one read); else 0. */
uint64_t mig_split_left(const struct mig_split *s);
#endif
