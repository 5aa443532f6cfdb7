/* outcome: xcd's migration outcome query and its answer (outcome.h). */
#include "outcome.h"
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* 28 bytes and 4 NULs: xl's magic starts "Xen saved domain", so an xl
 * receiver refuses it at its first byte. */
static const char query_magic[32] = "xcd migration outcome query\n";
static const char *const lines[] = {
	[MIG_OUTCOME_COMMITTED] = "xcd migration outcome: committed\n",
	[MIG_OUTCOME_ABORTED] = "xcd migration outcome: aborted\n",
	[MIG_OUTCOME_UNAVAILABLE] = "xcd migration outcome: unavailable\n",
};
/* The longest line: what a reader takes at most. */
#define LINE_MAX_LEN 40

void mig_query_encode(const uint8_t id[16], uint8_t out[MIG_QUERY_LEN])
{
	memcpy(out, query_magic, sizeof(query_magic));
	memcpy(out + sizeof(query_magic), id, 16);
}

int mig_query_parse(const uint8_t *buf, uint8_t id[16])
{
	if (memcmp(buf, query_magic, sizeof(query_magic)) != 0)
		return 0;
	memcpy(id, buf + sizeof(query_magic), 16);
	return 1;
}

const char *mig_outcome_line(enum mig_outcome o, size_t *len)
{
	const char *l = lines[(unsigned)o <= MIG_OUTCOME_UNAVAILABLE ? o : MIG_OUTCOME_UNAVAILABLE];
	*len = strlen(l);
	return l;
}

const char *mig_outcome_name(enum mig_outcome o)
{
	switch (o) {
	case MIG_OUTCOME_COMMITTED:
		return "committed";
	case MIG_OUTCOME_ABORTED:
		return "aborted";
	case MIG_OUTCOME_UNAVAILABLE:
		break;
	}
	return "unavailable";
}

int mig_outcome_parse(const char *line, size_t len, enum mig_outcome *o, char *err,
		      size_t errlen)
{
	for (unsigned i = 0; i < sizeof(lines) / sizeof(*lines); i++)
		if (len == strlen(lines[i]) && memcmp(line, lines[i], len) == 0) {
			*o = (enum mig_outcome)i;
			return 0;
		}
	/* What came, printable bytes only (it is the other host's). */
	char shown[LINE_MAX_LEN + 1];
	size_t n = 0;
	for (size_t i = 0; i < len && n < LINE_MAX_LEN; i++)
		shown[n++] = line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '?';
	shown[n] = '\0';
	snprintf(err, errlen, "the receiver answered the outcome query with \"%s\" (%zu bytes), "
		 "not an xcd migration outcome (is it xl's migrate-receive?)", shown, len);
	return -EPROTO;
}

static long long ms_now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

int mig_outcome_recv(int fd, int timeout_ms, enum mig_outcome *o, char *err, size_t errlen)
{
	char line[LINE_MAX_LEN + 1];
	size_t n = 0;
	long long end = ms_now() + timeout_ms;
	while (n < LINE_MAX_LEN) {
		long long left = end - ms_now();
		if (left <= 0) {
			snprintf(err, errlen, "no answer to the outcome query within %d ms",
				 timeout_ms);
			return -ETIMEDOUT;
		}
		struct pollfd pf = { fd, POLLIN, 0 };
		int p = poll(&pf, 1, (int)left);
		if (p < 0 && errno != EINTR) {
			snprintf(err, errlen, "waiting for the outcome: %s", strerror(errno));
			return -errno;
		}
		if (p <= 0)
			continue;
		ssize_t r = read(fd, line + n, 1);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0) {
			int e = errno;
			snprintf(err, errlen, "reading the outcome: %s", strerror(e));
			return -e;
		}
		if (r == 0) {
			snprintf(err, errlen, "the receiver closed the stream %s",
				 n ? "in the middle of its answer" : "without answering the outcome "
				 "query (is it xl's migrate-receive, or did its daemon fail?)");
			return -ECONNRESET;
		}
		if (line[n++] == '\n')
			break;
	}
	return mig_outcome_parse(line, n, o, err, errlen);
}
