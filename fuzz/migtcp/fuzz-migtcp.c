/* fuzz-migtcp: what the TCP transport of migrations reads from a peer
 * (migrate/mux.c, cred.c) and from its command line (netaddr.c), over any
 * bytes. The first byte picks the parser:
 *   0 a hello line          1 a hello's answer       2 the back frames (xl's
 *   bytes, notes, acknowledgements)
 *   3 data frames on connections, through the receiver's order checks
 *   4 the sender's cut, fed in pieces   5 an address   6 a peer's certificate
 * Invariants the callers rely on abort when they break: an order check
 * never takes a segment twice nor one too far ahead, the cut's boundary
 * never passes what it was fed nor goes back, a NOTE's text is printable. */
#include "../../migrate/cred.h"
#include "../../migrate/mux.h"
#include "../../migrate/netaddr.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void hello(const uint8_t *p, size_t n)
{
	struct mig_hello h;
	char err[256], line[MIG_HELLO_MAX + 1];
	if (mig_hello_parse((const char *)p, n, &h, err, sizeof(err)) == 0) {
		/* What parses is formatted back to the same line. */
		int k = mig_hello_format(&h, line, sizeof(line));
		if (k < 0 || (size_t)k != n || memcmp(line, p, n))
			abort();
	}
}

static void reply(const uint8_t *p, size_t n)
{
	char tok[MIG_TOKEN_LEN + 1], text[300];
	int rc = mig_reply_parse((const char *)p, n, n == 4 + MIG_TOKEN_LEN, tok, text, sizeof(text));
	if (rc == -EACCES)
		for (const char *c = text; *c; c++)
			if (*c < 0x20 || *c > 0x7e)
				abort();
}

static void back(const uint8_t *p, size_t n)
{
	char err[128], note[MIG_NOTE_MAX + 1];
	for (; n >= MIG_BACK_HDR; p += MIG_BACK_HDR, n -= MIG_BACK_HDR) {
		uint32_t kind, len;
		if (mig_back_decode(p, &kind, &len, err, sizeof(err)) < 0)
			continue;
		if (len > (kind == MIG_BACK_NOTE ? MIG_NOTE_MAX : MIG_BACK_MAX) ||
		    (kind == MIG_BACK_ACK && len != 8) || (kind == MIG_BACK_DEVICES && len != 0))
			abort();
		size_t k = len < n - MIG_BACK_HDR ? len : n - MIG_BACK_HDR;
		k = k < MIG_NOTE_MAX ? k : MIG_NOTE_MAX;
		memcpy(note, p + MIG_BACK_HDR, k);
		note[k] = '\0';
		mig_note_clean(note);
		for (size_t i = 0; note[i]; i++)
			if (note[i] < 0x20 || note[i] > 0x7e)
				abort();
	}
}

/* Records of 1 + 16 bytes (a connection, a frame header); a record whose
 * connection byte has bit 7 set writes the next segment first. */
static void frames(const uint8_t *p, size_t n)
{
	struct mig_merge m;
	char err[256];
	mig_merge_init(&m, 1 + (n ? p[0] % MIG_MUX_MAX_STREAMS : 0));
	static bool taken[4 * MIG_MERGE_AHEAD];
	memset(taken, 0, sizeof(taken));
	for (size_t i = 1; i + 1 + MIG_FRAME_HDR <= n; i += 1 + MIG_FRAME_HDR) {
		struct mig_frame f;
		if (p[i] & 0x80) {
			if (m.next < 4 * MIG_MERGE_AHEAD && taken[m.next]) {
				taken[m.next] = false;
				mig_merge_advance(&m);
			}
		}
		if (mig_frame_decode(p + i + 1, &f, err, sizeof(err)) < 0)
			continue;
		uint64_t next = m.next;
		if (mig_merge_check(&m, p[i] & 0x7f, &f, err, sizeof(err)) < 0 ||
		    f.kind == MIG_FRAME_END)
			continue;
		if (f.seq < next || f.seq - next >= MIG_MERGE_AHEAD)
			abort(); /* written already, or too far ahead */
		if (f.seq < 4 * MIG_MERGE_AHEAD) {
			if (taken[f.seq])
				abort(); /* taken twice */
			taken[f.seq] = true;
		}
	}
	(void)mig_merge_done(&m);
}

static void cut(const uint8_t *p, size_t n)
{
	struct mig_split s;
	uint64_t fed = 0, last = 0;
	mig_split_init(&s);
	for (size_t i = 0; i < n;) {
		size_t k = 1 + (p[i] % 61);
		k = k < n - i ? k : n - i;
		uint64_t b = mig_split_feed(&s, p + i, k);
		fed += k;
		if (b > fed || b < last)
			abort();
		last = b;
		i += k;
	}
}

static void addr(const uint8_t *p, size_t n)
{
	char s[400], err[600], buf[MIG_ADDR_MAX];
	struct mig_addr a;
	size_t k = n < sizeof(s) - 1 ? n : sizeof(s) - 1;
	memcpy(s, p, k);
	s[k] = '\0';
	if (mig_addr_parse(s, k & 1, &a, err, sizeof(err)) == 0)
		mig_addr_str(&a, buf, sizeof(buf));
}

static void cert(const uint8_t *p, size_t n)
{
	struct mig_cred_info peer;
	char err[700];
	/* No peer is trusted in a folder that does not exist: refused, what
	 * the certificate says read on the way. */
	if (mig_cred_verify_peer("/nonexistent/xcd-fuzz", p, n, 1, NULL, time(NULL), &peer, err,
				 sizeof(err)) == 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	const uint8_t *p = data + 1;
	size_t n = size - 1;
	switch (data[0] % 7) {
	case 0: hello(p, n); break;
	case 1: reply(p, n); break;
	case 2: back(p, n); break;
	case 3: frames(p, n); break;
	case 4: cut(p, n); break;
	case 5: addr(p, n); break;
	case 6: cert(p, n); break;
	}
	return 0;
}
