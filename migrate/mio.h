/* mio: the stream's byte I/O. Output is buffered over a descriptor, and
 * counts the time its writes took (the link's rate, for auto compression);
 * a guest's pages go to a pipe by reference (vmsplice), without a copy.
 * Input comes from a descriptor or from memory (the fuzzer, the unit
 * tests), and counts its offset so that every refusal can name the byte it
 * is at; from a descriptor it reads no more than it is asked for (at least
 * MIO_FILL), so that a guest's pages after a record's header are read
 * straight where they go rather than through the buffer. */
#ifndef XCD_MIGRATE_MIO_H
#define XCD_MIGRATE_MIO_H
#include <stddef.h>
#include <stdint.h>

#define MIO_BUF (1u << 20)
/* Writes and reads of at least this many bytes bypass the buffer. */
#define MIO_DIRECT (64u << 10)
/* The least an input read asks of its descriptor. */
#define MIO_FILL 4096u

struct mig_out {
	int fd;
	uint8_t *buf;
	size_t len;
	uint64_t off;	 /* bytes written so far, buffered ones included */
	uint64_t out_ns; /* time spent in write(2) and vmsplice(2) */
	int splice;	 /* pages by reference: 1 yes, 0 no (not a pipe), -1 not tried */
};
/* 0, or -ENOMEM. */
int mig_out_init(struct mig_out *o, int fd);
/* 0, or a negative errno of write(2) (-ENOSPC: the disk is full). */
int mig_out_write(struct mig_out *o, const void *p, size_t n);
/* The same for N bytes of a guest's pages at P, which stay mapped while
 * the stream is written and may change meanwhile (a live guest: log-dirty
 * sends a page written after it went again): into a pipe they go by
 * reference, the reader copying them out; elsewhere as mig_out_write. */
int mig_out_write_pages(struct mig_out *o, const void *p, size_t n);
int mig_out_zeros(struct mig_out *o, size_t n);
int mig_out_flush(struct mig_out *o);
void mig_out_free(struct mig_out *o);

struct mig_in {
	int fd;			/* -1: reading MEM */
	const uint8_t *mem;
	size_t memlen;
	uint8_t *buf;
	size_t pos, len;
	uint64_t off;		/* offset of the next byte mig_in_read returns */
	int eof;
	int64_t handed;		/* the descriptor's offset at mig_in_handoff */
};
/* 0, or -ENOMEM. */
int mig_in_fd(struct mig_in *in, int fd);
void mig_in_mem(struct mig_in *in, const void *p, size_t n);
/* Exactly N bytes: 0, -ENODATA when the stream ends first, or a read(2)
 * errno. */
int mig_in_read(struct mig_in *in, void *p, size_t n);
int mig_in_skip(struct mig_in *in, uint64_t n);
/* 1 when no byte is left, 0 when one is, or a negative errno. */
int mig_in_at_end(struct mig_in *in);
/* The next N bytes (at most MIO_FILL) copied to P without reading them:
 * 0, -ENODATA when the stream ends first, or a read(2) errno. */
int mig_in_peek(struct mig_in *in, void *p, size_t n);
/* The descriptor handed to another reader (libxenguest) at the next byte
 * mig_in_read would return, the buffer given back to it: the descriptor,
 * or -ESPIPE when bytes read ahead cannot be given back (a pipe), -EINVAL
 * for input from memory. mig_in_taken then counts what the other reader
 * read, and reading goes on from there. */
int mig_in_handoff(struct mig_in *in);
int mig_in_taken(struct mig_in *in);
void mig_in_free(struct mig_in *in);
#endif
