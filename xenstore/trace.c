/* trace: a log of every message, like Xen's xenstored --trace-file. */
#include "server.h"
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

FILE *trace_fopen(const char *path, bool append)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), 0600);
	if (fd < 0)
		return NULL;
	/* A file left by an older version may be readable by others. */
	if (fchmod(fd, 0600) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return NULL;
	}
	FILE *f = fdopen(fd, append ? "a" : "w");
	if (!f) {
		int e = errno;
		close(fd);
		errno = e;
	}
	return f;
}

static void stamp(FILE *f)
{
	struct timespec ts;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(f, "%04d%02d%02d %02d:%02d:%02d.%03ld ", tm.tm_year + 1900, tm.tm_mon + 1,
		tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
}

void trace_msg(struct xs_server *s, const struct xs_conn *c, const char *dir,
	       const struct xsd_sockmsg *hdr, const char *payload)
{
	if (!s->trace)
		return;
	stamp(s->trace);
	fprintf(s->trace, "%s conn %u dom %u %s req %u tx %u (", dir, c->id, c->domid,
		xs_type_name(hdr->type), hdr->req_id, hdr->tx_id);
	/* NULs shown as spaces, other bytes outside printable ASCII escaped. */
	for (uint32_t i = 0; i < hdr->len && i < 256; i++) {
		unsigned char ch = (unsigned char)payload[i];
		if (ch == 0)
			fputc(' ', s->trace);
		else if (ch < 0x20 || ch > 0x7e)
			fprintf(s->trace, "\\x%02x", ch);
		else
			fputc(ch, s->trace);
	}
	fprintf(s->trace, "%s)\n", hdr->len > 256 ? "..." : "");
	fflush(s->trace);
}

void trace_event(struct xs_server *s, const char *fmt, ...)
{
	if (!s->trace)
		return;
	stamp(s->trace);
	va_list ap;
	va_start(ap, fmt);
	vfprintf(s->trace, fmt, ap);
	va_end(ap);
	fputc('\n', s->trace);
	fflush(s->trace);
}
