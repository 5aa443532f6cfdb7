/* console: the client side of a guest's console (console.h). The tty's path
 * is read from xenstore where the backend writes it (docs/misc/console.txt):
 * the first PV console's console/tty, the others' device/console/N/tty, an
 * emulated serial's serial/N/tty.
 *
 * We run as root and open that path read-write: a guest that could choose it
 * would have root append what is typed to any file and show it any device.
 * So the node must be one no domain but dom0 may write, and what it names
 * must be a pty slave, checked before the open (no side effect of opening
 * anything else) and on what was opened. */
#include "console.h"
#include "../lib/errmsg.h"
#include "../lib/fdio.h"
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <xenstore.h>

#define ESCAPE 0x1d /* Ctrl-] */
/* How long to wait for the backend to write the tty (a domain just created). */
#define TTY_WAIT_MS 5000
/* Linux's Unix98 pty slaves (Documentation/admin-guide/devices.txt). */
#define PTS_MAJOR_FIRST 136
#define PTS_MAJOR_LAST 143

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

static void drain_watch(struct xs_handle *xs)
{
	char **w;
	while ((w = xs_check_watch(xs)))
		free(w);
}

/* What a node's permissions let a domain other than dom0 write, in WHY;
 * false when only dom0 may. P[0] is the owner (who may do anything) and
 * what every domain not listed may do; the others, what each listed may. */
static bool others_may_write(const struct xs_permissions *p, unsigned n, char *why,
			     size_t whylen)
{
	if (n == 0 || p[0].id != 0) {
		snprintf(why, whylen, "it is owned by domain %u, not dom0", n ? p[0].id : 0);
		return true;
	}
	if (p[0].perms & XS_PERM_WRITE) {
		snprintf(why, whylen, "every domain may write it");
		return true;
	}
	for (unsigned i = 1; i < n; i++) {
		if (p[i].id != 0 && (p[i].perms & XS_PERM_WRITE)) {
			snprintf(why, whylen, "domain %u may write it", p[i].id);
			return true;
		}
	}
	return false;
}

enum tty_node { TTY_NONE, TTY_OK, TTY_UNTRUSTED, TTY_ERROR };

/* PATH's value, in *OUT, with its permissions read in the same transaction:
 * TTY_NONE when absent or empty, TTY_UNTRUSTED (and WHY) when a domain other
 * than dom0 may write it. */
static enum tty_node read_tty_node(struct xs_handle *xs, const char *path, char **out,
				   char *why, size_t whylen)
{
	*out = NULL;
	for (int tries = 0; tries < 8; tries++) {
		xs_transaction_t t = xs_transaction_start(xs);
		if (t == XBT_NULL) {
			snprintf(why, whylen, "xenstore transaction: %s", strerror(errno));
			return TTY_ERROR;
		}
		unsigned len, n = 0;
		char *v = xs_read(xs, t, path, &len);
		struct xs_permissions *p = v ? xs_get_permissions(xs, t, path, &n) : NULL;
		int e = errno;
		bool ended = xs_transaction_end(xs, t, false);
		if (!ended && errno == EAGAIN) {
			free(v);
			free(p);
			continue;
		}
		if (!v || !v[0]) {
			free(v);
			free(p);
			return TTY_NONE;
		}
		if (!p) {
			free(v);
			snprintf(why, whylen, "cannot read its permissions: %s", strerror(e));
			return TTY_ERROR;
		}
		bool bad = others_may_write(p, n, why, whylen);
		free(p);
		if (bad) {
			free(v);
			return TTY_UNTRUSTED;
		}
		*out = v;
		return TTY_OK;
	}
	snprintf(why, whylen, "its transaction kept conflicting");
	return TTY_ERROR;
}

/* A pty slave granted to root (a console backend runs as root) or to us: a
 * stale path whose number another user's session has since been given is
 * not one. */
static bool is_pty_slave(const struct stat *st)
{
	return S_ISCHR(st->st_mode) && major(st->st_rdev) >= PTS_MAJOR_FIRST &&
	       major(st->st_rdev) <= PTS_MAJOR_LAST && (st->st_uid == 0 || st->st_uid == geteuid());
}

static const char *file_kind(const struct stat *st)
{
	if (S_ISREG(st->st_mode))
		return "a regular file";
	if (S_ISDIR(st->st_mode))
		return "a directory";
	if (S_ISLNK(st->st_mode))
		return "a symbolic link";
	if (S_ISFIFO(st->st_mode))
		return "a FIFO";
	if (S_ISSOCK(st->st_mode))
		return "a socket";
	if (S_ISBLK(st->st_mode))
		return "a block device";
	if (S_ISCHR(st->st_mode) && major(st->st_rdev) >= PTS_MAJOR_FIRST &&
	    major(st->st_rdev) <= PTS_MAJOR_LAST)
		return "the pty of another user's session";
	return "a character device that is not a pty";
}

/* Opens TTY if it is a pty slave: a descriptor, or -1 with WHY said. */
static int open_pty(const char *tty, char *why, size_t whylen)
{
	struct stat before, st;
	if (tty[0] != '/') {
		snprintf(why, whylen, "%s is not an absolute path", tty);
		return -1;
	}
	if (lstat(tty, &before) < 0) {
		snprintf(why, whylen, "%s: %s", tty, strerror(errno));
		return -1;
	}
	if (!is_pty_slave(&before)) {
		snprintf(why, whylen, "%s is %s, not a pty: refused", tty, file_kind(&before));
		return -1;
	}
	int fd = open(tty, O_RDWR | O_NOCTTY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, whylen, "cannot open %s: %s", tty, strerror(errno));
		return -1;
	}
	/* What was opened is what was looked at (not swapped meanwhile). */
	if (fstat(fd, &st) < 0 || !is_pty_slave(&st) || st.st_rdev != before.st_rdev) {
		snprintf(why, whylen, "%s changed while it was opened: refused", tty);
		close(fd);
		return -1;
	}
	return fd;
}

/* The tty's path, waiting up to TTY_WAIT_MS for the backend to write it. */
static enum tty_node wait_tty(struct xs_handle *xs, const char *path, char **tty, char *why,
			      size_t whylen)
{
	int64_t end = (int64_t)mono_ms() + TTY_WAIT_MS;
	enum tty_node r;
	while ((r = read_tty_node(xs, path, tty, why, whylen)) == TTY_NONE) {
		int64_t left = end - (int64_t)mono_ms();
		if (left <= 0)
			return TTY_NONE;
		struct pollfd p = { xs_fileno(xs), POLLIN, 0 };
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR) {
			snprintf(why, whylen, "poll: %s", strerror(errno));
			return TTY_ERROR;
		}
		drain_watch(xs);
	}
	return r;
}

enum relay_end { END_DETACH, END_GONE, END_SIGNAL, END_ERROR };

/* Terminal ↔ pty until Ctrl-], the console's end or a signal. */
static bool home_exists(struct xs_handle *xs, uint32_t domid)
{
	char home[48];
	snprintf(home, sizeof(home), "/local/domain/%u", domid);
	unsigned len;
	char *v = xs_read(xs, XBT_NULL, home, &len);
	free(v);
	return v != NULL;
}

static enum relay_end relay(struct xs_handle *xs, uint32_t domid, const char *path,
			    char **tty, int *pty, int sfd)
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
			if (fd_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
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
			if (len && *pty >= 0 && fd_write_all(*pty, buf, len) < 0) {
				close(*pty);
				*pty = -1;
			}
			if (esc)
				return END_DETACH;
		}
		if (p[2].revents) {
			/* The tty node changed: gone (the domain's end), or a new pty
			 * from a restarted backend, which we follow if it is one. */
			drain_watch(xs);
			char *now, why[XCD_ERR_MAX];
			enum tty_node r = read_tty_node(xs, path, &now, why, sizeof(why));
			/* No tty while the domain's home stays: its backend stopped
			 * (and a new one will write a new tty); the session waits,
			 * its old pty closed. */
			if (r == TTY_NONE && home_exists(xs, domid)) {
				if (*pty >= 0)
					close(*pty);
				*pty = -1;
				continue;
			}
			if (r == TTY_NONE)
				return END_GONE;
			if (r != TTY_OK) {
				fprintf(stderr, "\r\nxcd console: %s: %s\r\n", path, why);
				return END_ERROR;
			}
			if (*pty >= 0 && strcmp(now, *tty) == 0) {
				free(now);
				continue;
			}
			int fd = open_pty(now, why, sizeof(why));
			if (fd < 0) {
				free(now);
				fprintf(stderr, "\r\nxcd console: %s: %s\r\n", path, why);
				return END_ERROR;
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
	char *tty = NULL, why[XCD_ERR_MAX];
	enum tty_node r = wait_tty(xs, path, &tty, why, sizeof(why));
	if (r == TTY_NONE) {
		fprintf(stderr,
			"xcd console: domain %u: no %s in xenstore after %d s (is a console "
			"backend, xcd-consoled or xenconsoled, running?)\n",
			domid, path, TTY_WAIT_MS / 1000);
	} else if (r == TTY_UNTRUSTED) {
		fprintf(stderr,
			"xcd console: domain %u: %s: %s, so the path it holds is not to be "
			"trusted: refused (the console backend or toolstack must make it dom0's, "
			"the guest only reading it)\n",
			domid, path, why);
	} else if (r == TTY_ERROR) {
		fprintf(stderr, "xcd console: domain %u: %s: %s\n", domid, path, why);
	}
	int pty = r == TTY_OK ? open_pty(tty, why, sizeof(why)) : -1;
	if (r == TTY_OK && pty < 0)
		fprintf(stderr, "xcd console: domain %u: its console (%s): %s\n", domid, path, why);
	if (pty < 0) {
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
	enum relay_end e = relay(xs, domid, path, &tty, &pty, sfd);
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
