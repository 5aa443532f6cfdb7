/* outbuf: a console's output waiting for the pty, bounded by console/limit:
 * when more comes than the limit allows, the oldest bytes go (the newest
 * output is what a person attaching wants to see). */
#ifndef XCD_CONSOLE_OUTBUF_H
#define XCD_CONSOLE_OUTBUF_H
#include <stddef.h>
#include <stdint.h>

struct outbuf {
	char *buf;
	size_t len, cap;
	size_t limit;		/* > 0 */
	uint64_t dropped;	/* bytes dropped over the limit (or for lack of memory) */
};

void outbuf_init(struct outbuf *o, size_t limit);
void outbuf_append(struct outbuf *o, const char *p, size_t n);
/* Removes the first n bytes (n <= len): they reached the pty. */
void outbuf_consume(struct outbuf *o, size_t n);
void outbuf_free(struct outbuf *o);
#endif
