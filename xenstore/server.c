/* server: the daemon's context: socket, domains, and the idle work of the
 * event loop (reaping closed connections, kicking rings, live update). */
#include "hyp.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* Work deferred to when the loop has handled an event: output that requests
 * queued for other connections, rings to look at, a decided live update,
 * connections to free. */
static void server_idle(void *arg)
{
	struct xs_server *s = arg;
	server_flush(s);
	if (s->hyp)
		ring_kick_all(s);
	if (s->lu_pending)
		lu_run(s);
	server_reap(s);
}

int server_init(struct xs_server *s, const struct xs_options *opt)
{
	memset(s, 0, sizeof(*s));
	s->opt = *opt;
	s->listen_fd = -1;
	int r = store_init(&s->store);
	if (r < 0)
		return r;
	s->domains = calloc(XS_NDOMIDS, sizeof(*s->domains));
	if (!s->domains)
		return -ENOMEM;
	r = loop_new(&s->loop);
	if (r == 0)
		loop_set_idle(s->loop, server_idle, s);
	return r;
}

void server_destroy(struct xs_server *s)
{
	while (s->conns)
		conn_free(s->conns);
	if (s->domains) {
		for (unsigned i = 0; i < XS_NDOMIDS; i++)
			if (s->domains[i])
				domain_free(s, s->domains[i]);
		free(s->domains);
	}
	hyp_close(s->hyp);
	if (s->listen_fd >= 0) {
		loop_del(s->loop, s->listen_fd);
		close(s->listen_fd);
	}
	loop_free(s->loop);
	store_destroy(&s->store);
	if (s->trace)
		fclose(s->trace);
	free(s->lu_binary);
	free(s->lu_cmdline);
}

struct xs_conn *server_conn_by_id(struct xs_server *s, uint32_t id)
{
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

static void accept_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct xs_server *s = arg;
	for (int i = 0; i < 16; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("accept: %s", strerror(errno));
			return;
		}
		conn_socket_accept(s, cfd);
	}
}

static int mkdir_parents(const char *path)
{
	char buf[sizeof(((struct sockaddr_un *)0)->sun_path)];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

/* PATH, a socket just bound, made MODE if the umask was not enough (a
 * default ACL on its folder wins over the umask); 0, or -errno (logged) when
 * its mode is not MODE after all. */
static int socket_mode(const char *path, mode_t mode)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		int r = -errno;
		log_err("server_listen: %s: cannot check the socket's mode: %s", path,
			strerror(errno));
		return r;
	}
	if ((st.st_mode & 07777) == mode)
		return 0;
	errno = 0;
	if (chmod(path, mode) < 0 || stat(path, &st) < 0 || (st.st_mode & 07777) != mode) {
		int r = errno ? -errno : -EPERM;
		log_err("server_listen: %s: the socket has mode %04o and cannot be made %04o "
			"(%s): not serving it", path, (unsigned)(st.st_mode & 07777),
			(unsigned)mode, errno ? strerror(errno) : "the mode did not change");
		return r;
	}
	return 0;
}

int server_listen(struct xs_server *s)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(s->opt.socket_path) >= sizeof(sa.sun_path)) {
		log_err("server_listen: socket path too long: %s", s->opt.socket_path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, s->opt.socket_path);
	int r = mkdir_parents(s->opt.socket_path);
	if (r < 0) {
		log_err("server_listen: cannot create the folder of %s: %s", s->opt.socket_path,
			strerror(-r));
		return r;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A live socket means another daemon serves it: refuse to steal it. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		log_err("server_listen: %s is served by a running xenstored", sa.sun_path);
		close(fd);
		return -EADDRINUSE;
	}
	unlink(sa.sun_path);
	/* Every socket client is privileged: the socket is 0600 from bind on
	 * (umask), and no connection is accepted before its mode is checked
	 * (listen comes after), so there is no moment when others may connect. */
	mode_t old = umask(0177);
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ? -errno : 0;
	umask(old);
	if (r < 0) {
		log_err("server_listen: %s: %s", sa.sun_path, strerror(-r));
		close(fd);
		return r;
	}
	if ((r = socket_mode(sa.sun_path, 0600)) < 0 || listen(fd, 128) < 0) {
		if (r == 0) {
			r = -errno;
			log_err("server_listen: %s: %s", sa.sun_path, strerror(errno));
		}
		unlink(sa.sun_path);
		close(fd);
		return r;
	}
	s->listen_fd = fd;
	return server_add_listener(s);
}

int server_add_listener(struct xs_server *s)
{
	return loop_add(s->loop, s->listen_fd, EPOLLIN, accept_ready, s);
}

void server_flush(struct xs_server *s)
{
	if (!s->flush_pending)
		return;
	s->flush_pending = false;
	for (struct xs_conn *c = s->conns; c; c = c->next)
		if (c->out_head && !c->dead && c->kind != XS_CONN_DOMAIN)
			conn_flush(c);
}

void server_reap(struct xs_server *s)
{
	if (!s->have_dead)
		return;
	s->have_dead = false;
	for (;;) {
		struct xs_conn *c = s->conns;
		while (c && !c->dead)
			c = c->next;
		if (!c)
			return;
		conn_free(c);
	}
}
