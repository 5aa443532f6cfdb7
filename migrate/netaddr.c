/* netaddr: addresses, connections and the listening socket of the
 * migration transport (netaddr.h). */
#include "netaddr.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int bad_addr(const char *s, bool listen, const char *why, char *err, size_t errlen)
{
	snprintf(err, errlen, "%.300s: %s; expected %s", s, why,
		 listen ? "[ADDRESS:]PORT (PORT 0 to 65535; an IPv6 address in brackets)"
			: "tcp://HOST:PORT (an IPv6 address in brackets)");
	return -EINVAL;
}

int mig_addr_parse(const char *s, bool listen, struct mig_addr *a, char *err, size_t errlen)
{
	memset(a, 0, sizeof(*a));
	const char *p = s;
	if (!listen) {
		if (strncmp(s, "tcp://", 6) != 0)
			return bad_addr(s, listen, "not a tcp:// address", err, errlen);
		p += 6;
	}
	const char *colon = strrchr(p, ':');
	const char *port = colon ? colon + 1 : p;
	size_t hlen = colon ? (size_t)(colon - p) : 0;
	if (!colon && !listen)
		return bad_addr(s, listen, "no port", err, errlen);
	if (hlen >= 2 && p[0] == '[' && p[hlen - 1] == ']') {
		p++;
		hlen -= 2;
		if (strspn(p, "0123456789abcdefABCDEF:.") < hlen || !memchr(p, ':', hlen))
			return bad_addr(s, listen, "not an IPv6 address in brackets", err, errlen);
	} else if (memchr(p, ':', hlen) || memchr(p, '[', hlen)) {
		return bad_addr(s, listen, "an IPv6 address must be in brackets", err, errlen);
	} else if (strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") <
		   hlen) {
		return bad_addr(s, listen, "not a host name or address", err, errlen);
	}
	if (hlen > MIG_HOST_MAX || (!listen && !hlen))
		return bad_addr(s, listen, hlen ? "the host is too long" : "no host", err, errlen);
	char *end;
	errno = 0;
	long n = strtol(port, &end, 10);
	if (!*port || *end || errno || port[0] == '-' || port[0] == '+' || n < (listen ? 0 : 1) ||
	    n > 65535)
		return bad_addr(s, listen, "not a port number", err, errlen);
	memcpy(a->host, p, hlen);
	snprintf(a->port, sizeof(a->port), "%ld", n);
	return 0;
}

const char *mig_addr_str(const struct mig_addr *a, char *buf, size_t len)
{
	bool v6 = strchr(a->host, ':') != NULL;
	snprintf(buf, len, "%s%s%s:%s", v6 ? "[" : "", a->host[0] ? a->host : "*", v6 ? "]" : "",
		 a->port);
	return buf;
}

void mig_sock_tune(int fd)
{
	int one = 1, idle = 20, intvl = 10, cnt = 4;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* FD's own address (PEER false) or its peer's, as "ADDR:PORT". */
static const char *sock_str(int fd, bool peer, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char h[INET6_ADDRSTRLEN] = "?", s[8] = "?";
	if ((peer ? getpeername : getsockname)(fd, (struct sockaddr *)&ss, &sl) == 0)
		getnameinfo((struct sockaddr *)&ss, sl, h, sizeof(h), s, sizeof(s),
			    NI_NUMERICHOST | NI_NUMERICSERV);
	snprintf(buf, len, "%s%s%s:%s", strchr(h, ':') ? "[" : "", h, strchr(h, ':') ? "]" : "", s);
	return buf;
}

const char *mig_sock_peer(int fd, char *buf, size_t len)
{
	return sock_str(fd, true, buf, len);
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* One address: connected by END_MS, or a negative errno. */
static int connect_one(const struct addrinfo *ai, long long end_ms)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	int rc = connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ? 0 : -errno;
	while (rc == -EINPROGRESS || rc == -EINTR) {
		long long left = end_ms - now_ms();
		struct pollfd p = { fd, POLLOUT, 0 };
		int r = left > 0 ? poll(&p, 1, (int)left) : 0;
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			rc = r < 0 ? -errno : -ETIMEDOUT;
			break;
		}
		int e = 0;
		socklen_t el = sizeof(e);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &el);
		rc = -e;
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	mig_sock_tune(fd);
	return fd;
}

int mig_addr_connect(const struct mig_addr *a, unsigned timeout_ms, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_family = AF_UNSPEC }, *res;
	char where[MIG_ADDR_MAX];
	mig_addr_str(a, where, sizeof(where));
	int g = getaddrinfo(a->host, a->port, &hints, &res);
	if (g) {
		snprintf(err, errlen, "%s: %s", where, gai_strerror(g));
		return -EHOSTUNREACH;
	}
	long long end = now_ms() + timeout_ms;
	int rc = -EHOSTUNREACH;
	for (const struct addrinfo *ai = res; ai && now_ms() < end; ai = ai->ai_next)
		if ((rc = connect_one(ai, end)) >= 0)
			break;
	freeaddrinfo(res);
	if (rc == -ECONNREFUSED)
		snprintf(err, errlen, "connecting to %s: %s (does xcdd listen there for "
			 "migrations? xcdd --migration-listen)", where, strerror(-rc));
	else if (rc < 0)
		snprintf(err, errlen, "connecting to %s: %s", where,
			 rc == -ETIMEDOUT ? "no answer in time" : strerror(-rc));
	return rc;
}

int mig_addr_listen(const struct mig_addr *a, char *bound, size_t boundlen, char *err,
		    size_t errlen)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE,
				  .ai_family = a->host[0] ? AF_UNSPEC : AF_INET6 }, *res;
	char where[MIG_ADDR_MAX];
	mig_addr_str(a, where, sizeof(where));
	int g = getaddrinfo(a->host[0] ? a->host : NULL, a->port, &hints, &res);
	if (g && !a->host[0]) { /* no IPv6 here: every IPv4 address */
		hints.ai_family = AF_INET;
		g = getaddrinfo(NULL, a->port, &hints, &res);
	}
	if (g) {
		snprintf(err, errlen, "%s: %s", where, gai_strerror(g));
		return -EADDRNOTAVAIL;
	}
	int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1, zero = 0;
	int rc = fd < 0 ? -errno : 0;
	if (rc == 0) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (res->ai_family == AF_INET6 && !a->host[0])
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		if (bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 64) < 0)
			rc = -errno;
	}
	freeaddrinfo(res);
	if (rc < 0) {
		snprintf(err, errlen, "listening for migrations on %s: %s", where, strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	sock_str(fd, false, bound, boundlen);
	return fd;
}
