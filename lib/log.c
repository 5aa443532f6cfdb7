#include "log.h"
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

/* Logging is configured once by main and read-only after: the one process-wide
 * setting this project allows outside a main context. */
static struct {
	const char *ident;
	int use_syslog;
	enum log_level max;
} cfg = { "xcd", 0, LOG_LVL_INFO };

void log_init(const char *ident, int use_syslog, enum log_level max)
{
	cfg.ident = ident;
	cfg.use_syslog = use_syslog;
	cfg.max = max;
	if (use_syslog)
		openlog(ident, LOG_PID, LOG_DAEMON);
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *name[] = { "error", "warning", "info", "debug" };
	if (lvl > cfg.max)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (cfg.use_syslog) {
		vsyslog(prio[lvl], fmt, ap);
	} else {
		fprintf(stderr, "%s: %s: ", cfg.ident, name[lvl]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
	va_end(ap);
}
