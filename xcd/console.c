/* console: the client side of a guest's console (console.h). The tty's path
 * is read from xenstore where the backend writes it (docs/misc/console.txt):
 * the first PV console's console/tty, the others' device/console/N/tty, an
 * emulated serial's serial/N/tty. */
#include "console.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define ESCAPE 0x1d /* Ctrl-] */
/* How long to wait for the backend to write the tty (a domain just created). */
#define TTY_WAIT_MS 5000

int console_args(int argc, char **argv, struct console_args *a)
{
	memset(a, 0, sizeof(*a));
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-t") && i + 1 < argc) {
			const char *t = argv[++i];
			if (strcmp(t, "pv") && strcmp(t, "serial")) {
				fprintf(stderr, "xcd console: -t %s: expected pv or serial\n", t);
				return 1;
			}
			a->serial = !strcmp(t, "serial");
		} else if (!strcmp(argv[i], "-n") && i + 1 < argc) {
			char *end;
			errno = 0;
			unsigned long n = strtoul(argv[++i], &end, 10);
			if (argv[i][0] < '0' || argv[i][0] > '9' || *end || errno || n > 1000) {
				fprintf(stderr, "xcd console: -n %s: expected a console number\n",
					argv[i]);
				return 1;
			}
			a->num = (unsigned)n;
		} else {
			fprintf(stderr, "xcd console: unknown option %s (or its value missing)\n",
				argv[i]);
			return 1;
		}
	}
	if (argc - i != 1) {
		fprintf(stderr, "xcd console: expected one domain (name or domid)\n");
		return 1;
	}
	a->dom = argv[i];
	return 0;
}

static void tty_path(uint32_t domid, const struct console_args *a, char *out, size_t outlen)
{
	if (a && a->serial)
		snprintf(out, outlen, "/local/domain/%u/serial/%u/tty", domid, a->num);
	else if (a && a->num)
		snprintf(out, outlen, "/local/domain/%u/device/console/%u/tty", domid, a->num);
	else
		snprintf(out, outlen, "/local/domain/%u/console/tty", domid);
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *read_node(struct xs_handle *xs, const char *path)
{
	unsigned len;
	char *v = xs_read(xs, XBT_NULL, path, &len);
	if (v && !v[0]) {
		free(v);
		return NULL;
	}
	return v;
}

static void drain_watch(struct xs_handle *xs)
{
	char **w;
	while ((w = xs_check_watch(xs)))
		free(w);
}

/* The tty's path, waiting up to TTY_WAIT_MS for the backend to write it. */
static char *wait_tty(struct xs_handle *xs, const char *path)
{
	int64_t end = now_ms() + TTY_WAIT_MS;
	char *tty;
	while (!(tty = read_node(xs, path))) {
		int64_t left = end - now_ms();
		if (left <= 0)
			return NULL;
		struct pollfd p = { xs_fileno(xs), POLLIN, 0 };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return NULL;
		drain_watch(xs);
	}
	return tty;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

enum relay_end { END_DETACH, END_GONE, END_SIGNAL, END_ERROR };

/* Terminal ↔ pty until Ctrl-], the console's end or a signal. */
static enum relay_end relay(struct xs_handle *xs, const char *path, char **tty, int *pty,
			    int sfd)
{
	bool in_open = true;
	for (;;) {
		/* pty -1: the backend closed its side; the tty node decides. */
		struct pollfd p[4] = {
			{ *pty, POLLIN, 0 },
			{ in_open ? STDIN_FILENO : -1, POLLIN, 0 },
			{ xs_fileno(xs), POLLIN, 0 },
			{ sfd, POLLIN, 0 },
		};
		if (poll(p, 4, -1) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "\r\nxcd console: poll: %s\r\n", strerror(errno));
			return END_ERROR;
		}
		if (p[3].revents)
			return END_SIGNAL;
		if (p[0].revents) {
			char buf[4096];
			ssize_t n = read(*pty, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			/* EIO: the backend closed its side. The domain is gone (its
			 * tty node goes next) or the backend restarts (a new node
			 * comes): the watch below tells which, as xenconsole's. */
			if (n <= 0) {
				close(*pty);
				*pty = -1;
				continue;
			}
			if (write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				return END_ERROR;
		}
		if (p[1].revents) {
			char buf[512];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0) {
				/* No more input: keep showing output. */
				in_open = false;
				continue;
			}
			char *esc = memchr(buf, ESCAPE, (size_t)n);
			size_t len = esc ? (size_t)(esc - buf) : (size_t)n;
			/* Typed while no pty is open: dropped, as xenconsole does. */
			if (len && *pty >= 0 && write_all(*pty, buf, len) < 0) {
				close(*pty);
				*pty = -1;
			}
			if (esc)
				return END_DETACH;
		}
		if (p[2].revents) {
			/* The tty node changed: gone (the domain's end), or a new pty
			 * from a restarted backend, which we follow. */
			drain_watch(xs);
			char *now = read_node(xs, path);
			if (!now)
				return END_GONE;
			if (*pty >= 0 && strcmp(now, *tty) == 0) {
				free(now);
				continue;
			}
			int fd = open(now, O_RDWR | O_NOCTTY | O_CLOEXEC);
			if (fd < 0) {
				free(now);
				return END_GONE;
			}
			if (*pty >= 0)
				close(*pty);
			*pty = fd;
			free(*tty);
			*tty = now;
		}
	}
}

int console_attach(uint32_t domid, const struct console_args *a)
{
	if (domid == 0) {
		fprintf(stderr, "xcd console: domain 0 has no guest console to attach to\n");
		return 1;
	}
	char path[128];
	tty_path(domid, a, path, sizeof(path));
	struct xs_handle *xs = xs_open(0);
	if (!xs) {
		const char *env = getenv("XENSTORED_PATH");
		fprintf(stderr, "xcd console: cannot connect to xenstored%s%s: %s\n",
			env ? " at " : "", env ? env : "", strerror(errno));
		return 1;
	}
	if (!xs_watch(xs, path, "tty")) {
		fprintf(stderr, "xcd console: cannot watch %s: %s\n", path, strerror(errno));
		xs_close(xs);
		return 1;
	}
	char *tty = wait_tty(xs, path);
	if (!tty) {
		fprintf(stderr,
			"xcd console: domain %u: no %s in xenstore after %d s (is a console "
			"backend, xcd-consoled or xenconsoled, running?)\n",
			domid, path, TTY_WAIT_MS / 1000);
		xs_close(xs);
		return 1;
	}
	int pty = open(tty, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (pty < 0) {
		fprintf(stderr, "xcd console: domain %u: cannot open its console %s: %s\n", domid,
			tty, strerror(errno));
		free(tty);
		xs_close(xs);
		return 1;
	}
	/* Signals that end us arrive on a descriptor: the terminal is always
	 * restored on the way out. */
	sigset_t mask, old;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	struct termios saved;
	bool raw = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		cfmakeraw(&t);
		/* TCSANOW, not xenconsole's TCSAFLUSH: what was typed ahead (a
		 * script's input, an early Ctrl-]) is kept, not thrown away. */
		tcsetattr(STDIN_FILENO, TCSANOW, &t);
	}
	enum relay_end e = relay(xs, path, &tty, &pty, sfd);
	if (raw)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
	if (sfd >= 0)
		close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (pty >= 0)
		close(pty);
	free(tty);
	xs_close(xs);
	return e == END_DETACH || e == END_GONE ? 0 : 1;
}
