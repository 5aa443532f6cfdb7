/* mux: the TCP transport's hello, frames, order checks and the sender's
 * cut into whole records (mux.h). */
#include "mux.h"
#include "stream.h"
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELLO_MAGIC "XCDMIG1"

int mig_hello_format(const struct mig_hello *h, char *buf, size_t len)
{
	int n;
	if (h->kind == MIG_HELLO_OPEN) {
		if (h->streams < 1 || h->streams > MIG_MUX_MAX_STREAMS)
			return -EINVAL;
		n = snprintf(buf, len, HELLO_MAGIC " open %u %d\n", h->streams, h->paused ? 1 : 0);
	} else {
		if (strlen(h->token) != MIG_TOKEN_LEN || h->index >= MIG_MUX_MAX_STREAMS)
			return -EINVAL;
		n = snprintf(buf, len, HELLO_MAGIC " join %s %u\n", h->token, h->index);
	}
	return n < 0 || (size_t)n >= len ? -EINVAL : n;
}

/* A decimal number of at most 2 digits in [LO, HI]: 0, or -1. */
static int small_number(const char *s, unsigned lo, unsigned hi, unsigned *out)
{
	size_t n = strlen(s);
	if (n < 1 || n > 2 || strspn(s, "0123456789") != n || (n == 2 && s[0] == '0'))
		return -1;
	*out = (unsigned)atoi(s);
	return *out >= lo && *out <= hi ? 0 : -1;
}

int mig_hello_parse(const char *line, size_t len, struct mig_hello *h, char *err,
		    size_t errlen)
{
	char buf[MIG_HELLO_MAX + 1], *words[5], *save = NULL;
	unsigned n = 0;
	memset(h, 0, sizeof(*h));
	if (len < 2 || len > MIG_HELLO_MAX || line[len - 1] != '\n') {
		snprintf(err, errlen, "the hello is not one line of at most %d bytes",
			 MIG_HELLO_MAX);
		return -EPROTO;
	}
	for (size_t i = 0; i + 1 < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] > 0x7e) {
			snprintf(err, errlen, "the hello has a byte 0x%02x at %zu: not text",
				 (unsigned char)line[i], i);
			return -EPROTO;
		}
	memcpy(buf, line, len - 1);
	buf[len - 1] = '\0';
	if (strstr(buf, "  ") || buf[0] == ' ' || buf[len - 2] == ' ')
		goto bad;
	for (char *w = strtok_r(buf, " ", &save); w && n < 5; w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	if (n != 4 || strcmp(words[0], HELLO_MAGIC) != 0)
		goto bad;
	if (!strcmp(words[1], "open")) {
		unsigned p;
		h->kind = MIG_HELLO_OPEN;
		if (small_number(words[2], 1, MIG_MUX_MAX_STREAMS, &h->streams) < 0 ||
		    small_number(words[3], 0, 1, &p) < 0)
			goto bad;
		h->paused = p == 1;
		return 0;
	}
	if (!strcmp(words[1], "join")) {
		h->kind = MIG_HELLO_JOIN;
		if (strlen(words[2]) != MIG_TOKEN_LEN ||
		    strspn(words[2], "0123456789abcdef") != MIG_TOKEN_LEN ||
		    small_number(words[3], 0, MIG_MUX_MAX_STREAMS - 1, &h->index) < 0)
			goto bad;
		memcpy(h->token, words[2], MIG_TOKEN_LEN + 1);
		return 0;
	}
bad:
	snprintf(err, errlen, "the hello is not \"" HELLO_MAGIC " open STREAMS PAUSED\" (STREAMS "
		 "1 to %d, PAUSED 0 or 1) nor \"" HELLO_MAGIC " join TOKEN INDEX\"",
		 MIG_MUX_MAX_STREAMS);
	return -EPROTO;
}

int mig_reply_parse(const char *line, size_t len, bool want_token,
		    char token[MIG_TOKEN_LEN + 1], char *text, size_t textlen)
{
	if (len >= 2 && len <= MIG_HELLO_MAX && line[len - 1] == '\n') {
		if (!want_token && len == 3 && !memcmp(line, "ok", 2))
			return 0;
		if (want_token && len == 4 + MIG_TOKEN_LEN && !memcmp(line, "ok ", 3) &&
		    strspn(line + 3, "0123456789abcdef") == MIG_TOKEN_LEN) {
			memcpy(token, line + 3, MIG_TOKEN_LEN);
			token[MIG_TOKEN_LEN] = '\0';
			return 0;
		}
		if (len > 9 && !memcmp(line, "refused ", 8)) {
			snprintf(text, textlen, "%.*s", (int)(len - 9), line + 8);
			mig_note_clean(text);
			return -EACCES;
		}
	}
	snprintf(text, textlen, "the other host answered the hello with something else than "
		 "\"ok\" or \"refused\"");
	return -EPROTO;
}

void mig_frame_encode(const struct mig_frame *f, uint8_t out[MIG_FRAME_HDR])
{
	uint64_t seq = htole64(f->seq);
	uint32_t len = htole32(f->len), kind = htole32(f->kind);
	memcpy(out, &seq, 8);
	memcpy(out + 8, &len, 4);
	memcpy(out + 12, &kind, 4);
}

int mig_frame_decode(const uint8_t in[MIG_FRAME_HDR], struct mig_frame *f, char *err,
		     size_t errlen)
{
	uint64_t seq;
	uint32_t len, kind;
	memcpy(&seq, in, 8);
	memcpy(&len, in + 8, 4);
	memcpy(&kind, in + 12, 4);
	f->seq = le64toh(seq);
	f->len = le32toh(len);
	f->kind = le32toh(kind);
	if (f->kind == MIG_FRAME_DATA && f->len >= 1 && f->len <= MIG_SEG_MAX)
		return 0;
	if (f->kind == MIG_FRAME_END && f->len == 0)
		return 0;
	if (f->kind == MIG_FRAME_DATA)
		snprintf(err, errlen, "a segment of %u bytes (1 to %u taken)", f->len, MIG_SEG_MAX);
	else if (f->kind == MIG_FRAME_END)
		snprintf(err, errlen, "an end frame with %u bytes", f->len);
	else
		snprintf(err, errlen, "a frame of unknown kind %u", f->kind);
	return -EPROTO;
}

void mig_back_encode(uint32_t kind, uint32_t len, uint8_t out[MIG_BACK_HDR])
{
	uint32_t k = htole32(kind), l = htole32(len);
	memcpy(out, &k, 4);
	memcpy(out + 4, &l, 4);
}

int mig_back_decode(const uint8_t in[MIG_BACK_HDR], uint32_t *kind, uint32_t *len, char *err,
		    size_t errlen)
{
	uint32_t k, l;
	memcpy(&k, in, 4);
	memcpy(&l, in + 4, 4);
	*kind = le32toh(k);
	*len = le32toh(l);
	if (*kind == MIG_BACK_XL && *len >= 1 && *len <= MIG_BACK_MAX)
		return 0;
	if (*kind == MIG_BACK_NOTE && *len >= 1 && *len <= MIG_NOTE_MAX)
		return 0;
	if (*kind == MIG_BACK_ACK && *len == 8)
		return 0;
	if (*kind == MIG_BACK_DEVICES && *len == 0)
		return 0;
	snprintf(err, errlen, "a frame of kind %u with %u bytes from the receiver", *kind, *len);
	return -EPROTO;
}

void mig_note_clean(char *text)
{
	for (unsigned char *p = (unsigned char *)text; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			*p = '?';
}

void mig_merge_init(struct mig_merge *m, unsigned streams)
{
	memset(m, 0, sizeof(*m));
	m->streams = streams;
}

static bool have(const struct mig_merge *m, uint64_t seq)
{
	uint64_t i = seq % MIG_MERGE_AHEAD;
	return (m->have[i / 64] >> (i % 64)) & 1;
}

static void set_have(struct mig_merge *m, uint64_t seq, bool on)
{
	uint64_t i = seq % MIG_MERGE_AHEAD, bit = 1ull << (i % 64);
	m->have[i / 64] = on ? m->have[i / 64] | bit : m->have[i / 64] & ~bit;
}

static int merge_end(struct mig_merge *m, unsigned conn, uint64_t total, char *err,
		     size_t errlen)
{
	if (m->ends && total != m->total) {
		snprintf(err, errlen, "connection %u ends after %llu segments, another after %llu",
			 conn, (unsigned long long)total, (unsigned long long)m->total);
		return -EPROTO;
	}
	for (unsigned c = 0; c < m->streams; c++)
		if (m->last[c] > total) {
			snprintf(err, errlen, "the stream ends after %llu segments, but segment %llu "
				 "came", (unsigned long long)total,
				 (unsigned long long)(m->last[c] - 1));
			return -EPROTO;
		}
	m->total = total;
	m->ended[conn] = true;
	m->ends++;
	return 0;
}

int mig_merge_check(struct mig_merge *m, unsigned conn, const struct mig_frame *f, char *err,
		    size_t errlen)
{
	if (conn >= m->streams || m->ended[conn]) {
		snprintf(err, errlen, "a frame on connection %u after its end", conn);
		return -EPROTO;
	}
	if (f->kind == MIG_FRAME_END)
		return merge_end(m, conn, f->seq, err, errlen);
	const char *why = NULL;
	if (f->seq < m->last[conn])
		why = "not after the one before it on its connection";
	else if (f->seq < m->next || have(m, f->seq))
		why = "taken already";
	else if (f->seq - m->next >= MIG_MERGE_AHEAD)
		why = "too far ahead of the one written next";
	else if (m->ends && f->seq >= m->total)
		why = "after the stream's end";
	if (why) {
		snprintf(err, errlen, "segment %llu on connection %u: %s (segment %llu is next)",
			 (unsigned long long)f->seq, conn, why, (unsigned long long)m->next);
		return -EPROTO;
	}
	m->last[conn] = f->seq + 1;
	set_have(m, f->seq, true);
	return 0;
}

void mig_merge_advance(struct mig_merge *m)
{
	set_have(m, m->next, false);
	m->next++;
}

bool mig_merge_done(const struct mig_merge *m)
{
	return m->ends == m->streams && m->next == m->total;
}

/* ---- the cut ---- */
enum {
	ST_XL_HEAD,	/* collecting xl's 48 bytes */
	ST_XL_OPT,	/* skipping its optional data (the config) */
	ST_LIBXL_HEAD,	/* collecting libxl's 16 */
	ST_REC_HDR,	/* collecting a record's 8 */
	ST_REC_BODY,	/* skipping its body and padding */
	ST_LIBXC_HEADS, /* collecting libxc's image and domain headers (40) */
	ST_TAIL,	/* after libxl's END: the pipe messages */
};

void mig_split_init(struct mig_split *s)
{
	memset(s, 0, sizeof(*s));
	s->state = ST_XL_HEAD;
	s->need = XL_HEADER_LEN;
}

static uint32_t le32_at(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le32toh(v);
}

/* A record ended at s->off: a boundary; what comes after it. */
static void record_end(struct mig_split *s)
{
	s->boundary = s->off;
	s->state = ST_REC_HDR;
	s->need = 8;
	if (s->libxc && s->type == LIBXC_REC_END) {
		s->libxc = false;
	} else if (!s->libxc && s->type == LIBXL_REC_END) {
		s->state = ST_TAIL;
	} else if (!s->libxc && s->type == LIBXL_REC_LIBXC_CONTEXT) {
		s->state = ST_LIBXC_HEADS;
		s->need = LIBXC_IHDR_LEN + LIBXC_DHDR_LEN;
	}
}

/* A part ended at s->off: what comes next. */
static void next_part(struct mig_split *s)
{
	s->hlen = 0;
	switch (s->state) {
	case ST_XL_HEAD:
		if (memcmp(s->hdr, XL_MAGIC, XL_MAGIC_LEN) != 0) {
			s->lost = true;
			return;
		}
		s->need = le32_at(s->hdr + 44);
		s->state = s->need ? ST_XL_OPT : ST_LIBXL_HEAD;
		if (!s->need)
			s->need = LIBXL_HEADER_LEN;
		return;
	case ST_XL_OPT:
		s->state = ST_LIBXL_HEAD;
		s->need = LIBXL_HEADER_LEN;
		return;
	case ST_LIBXL_HEAD:
	case ST_LIBXC_HEADS:
		s->libxc = s->state == ST_LIBXC_HEADS;
		s->boundary = s->off;
		s->state = ST_REC_HDR;
		s->need = 8;
		return;
	case ST_REC_HDR: {
		uint32_t len = le32_at(s->hdr + 4);
		s->type = le32_at(s->hdr);
		if (len > LIBXC_REC_LENGTH_MAX) {
			s->lost = true;
			return;
		}
		s->need = ((uint64_t)len + 7) & ~7ull;
		s->state = ST_REC_BODY;
		if (s->need)
			return;
		record_end(s); /* a record with no body ends here */
		return;
	}
	case ST_REC_BODY:
		record_end(s);
		return;
	}
}

static bool collecting(int state)
{
	return state == ST_XL_HEAD || state == ST_LIBXL_HEAD || state == ST_REC_HDR ||
	       state == ST_LIBXC_HEADS;
}

uint64_t mig_split_feed(struct mig_split *s, const uint8_t *p, size_t n)
{
	while (n && !s->lost && s->state != ST_TAIL) {
		size_t k = s->need < n ? (size_t)s->need : n;
		if (collecting(s->state) && s->hlen + k <= sizeof(s->hdr))
			memcpy(s->hdr + s->hlen, p, k);
		s->hlen += (uint32_t)k;
		s->need -= k;
		s->off += k;
		p += k;
		n -= k;
		if (!s->need)
			next_part(s);
	}
	s->off += n;
	if (s->lost || s->state == ST_TAIL)
		s->boundary = s->off;
	return s->boundary;
}

uint64_t mig_split_left(const struct mig_split *s)
{
	return !s->lost && s->state == ST_REC_BODY ? s->need : 0;
}
