#include "outbuf.h"
#include <stdlib.h>
#include <string.h>

void outbuf_init(struct outbuf *o, size_t limit)
{
	memset(o, 0, sizeof(*o));
	o->limit = limit ? limit : 1;
}

void outbuf_append(struct outbuf *o, const char *p, size_t n)
{
	if (!n)
		return;
	if (n >= o->limit) {
		o->dropped += o->len + (n - o->limit);
		p += n - o->limit;
		n = o->limit;
		o->len = 0;
	} else if (o->len + n > o->limit) {
		size_t drop = o->len + n - o->limit;
		memmove(o->buf, o->buf + drop, o->len - drop);
		o->len -= drop;
		o->dropped += drop;
	}
	if (o->len + n > o->cap) {
		/* Grown by doubling up to the limit, never past it. */
		size_t cap = o->cap ? o->cap : 4096;
		while (cap < o->len + n)
			cap *= 2;
		if (cap > o->limit)
			cap = o->limit;
		char *b = realloc(o->buf, cap);
		if (!b) {
			o->dropped += n;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

void outbuf_consume(struct outbuf *o, size_t n)
{
	if (n > o->len)
		n = o->len;
	if (!n)
		return;
	memmove(o->buf, o->buf + n, o->len - n);
	o->len -= n;
}

void outbuf_free(struct outbuf *o)
{
	free(o->buf);
	o->buf = NULL;
	o->len = o->cap = 0;
}
