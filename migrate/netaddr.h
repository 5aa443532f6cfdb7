/* netaddr: the TCP side of the migration transport: "tcp://HOST:PORT" and
 * "[ADDR:]PORT" read, a connection made within a time limit, a listening
 * socket, the socket options every connection gets. */
#ifndef XCD_MIGRATE_NETADDR_H
#define XCD_MIGRATE_NETADDR_H
#include <stdbool.h>
#include <stddef.h>

#define MIG_HOST_MAX 253
#define MIG_ADDR_MAX (MIG_HOST_MAX + 16) /* "[HOST]:PORT" */

struct mig_addr {
	char host[MIG_HOST_MAX + 1]; /* "" : every address (listening only) */
	char port[6];
};
/*
 * S as "tcp://HOST:PORT" (a migration's --transport; HOST a name, an IPv4
 * address or an IPv6 one in brackets; PORT 1-65535) or, for LISTEN, as
 * "[ADDR:]PORT" (PORT 0: any free one). 0, or -EINVAL with ERR.
 */
int mig_addr_parse(const char *s, bool listen, struct mig_addr *a, char *err, size_t errlen);
/* A to "HOST:PORT" ("[HOST]:PORT" for IPv6) in BUF. */
const char *mig_addr_str(const struct mig_addr *a, char *buf, size_t len);

/* A connection to A within TIMEOUT_MS (each address A's name gives, in
 * turn), blocking, with mig_sock_tune's options: its descriptor, or a
 * negative errno with ERR. */
int mig_addr_connect(const struct mig_addr *a, unsigned timeout_ms, char *err, size_t errlen);
/* A listening socket on A (close-on-exec, blocking), SO_REUSEADDR; BOUND
 * the address it got ("127.0.0.1:41234"). Its descriptor, or a negative
 * errno with ERR. */
int mig_addr_listen(const struct mig_addr *a, char *bound, size_t boundlen, char *err,
		    size_t errlen);
/* No Nagle delay (the pipe messages are small and waited for), keepalives
 * that find a dead peer within about a minute. */
void mig_sock_tune(int fd);
/* FD's peer as "ADDR:PORT" in BUF. */
const char *mig_sock_peer(int fd, char *buf, size_t len);
#endif
