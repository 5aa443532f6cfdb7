/* io_uevent: multipath path uevents in xcdd's loop (see io_uevent.h). */
#include "io_uevent.h"
#include "../lib/errmsg.h"
#include "../lib/log.h"
#include <errno.h>
#include <linux/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define UEVENT_TURN 64		 /* datagrams read per turn of the loop */
#define UEVENT_RCVBUF (1u << 20) /* a boot storm's worth */

struct io_uevent {
	struct loop *loop;
	int fd;
	const char *sysroot;
	io_uevent_fn *fn;
	io_uevent_lost_fn *lost;
	void *arg;
};

/* One datagram of LEN bytes from the kernel. */
static void datagram(struct io_uevent *u, const char *buf, size_t len)
{
	struct dm_path_event e;
	char err[XCD_ERR_MAX], dev[64] = "";
	int r = dm_uevent_parse(buf, len, &e, err, sizeof(err));
	if (r < 0)
		log_debug("%s", err);
	if (r <= 0)
		return;
	if (dm_path_dev(u->sysroot, e.major, e.minor, dev, sizeof(dev)) < 0)
		dev[0] = '\0';
	log_debug("uevent: map %s (%s): path %u:%u (%s) %s, %d valid", e.map, e.wwid, e.major,
		  e.minor, dev[0] ? dev : "gone", e.reinstated ? "reinstated" : "failed",
		  e.nr_valid);
	u->fn(&e, dev, u->arg);
}

ssize_t io_nl_recv(int fd, void *buf, size_t size)
{
	struct sockaddr_nl from;
	struct iovec iov = { buf, size };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov,
			     .msg_iovlen = 1 };
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);
	if (n < 0 && errno == ENOBUFS)
		return -ENOBUFS;
	if (n <= 0)
		return 0;
	/* Only the kernel's: port 0 (a process cannot take it, though one of
	 * the namespace may send to the socket too); whole. */
	if (from.nl_pid != 0 || (mh.msg_flags & MSG_TRUNC))
		return -EAGAIN;
	return n;
}

static void uevent_cb(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct io_uevent *u = arg;
	static char buf[DM_UEVENT_MAX + 1];
	for (int i = 0; i < UEVENT_TURN; i++) {
		ssize_t n = io_nl_recv(fd, buf, sizeof(buf));
		if (n == -ENOBUFS)
			u->lost(u->arg);
		else if (n > 0 && (size_t)n <= DM_UEVENT_MAX)
			datagram(u, buf, (size_t)n);
		else if (n == 0)
			return;
	}
}

int io_uevent_open(struct loop *l, const char *sysroot, io_uevent_fn *fn,
		   io_uevent_lost_fn *lost, void *arg, struct io_uevent **out)
{
	struct io_uevent *u = calloc(1, sizeof(*u));
	if (!u)
		return -ENOMEM;
	*u = (struct io_uevent){ .loop = l, .sysroot = sysroot, .fn = fn, .lost = lost, .arg = arg };
	u->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       NETLINK_KOBJECT_UEVENT);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int size = UEVENT_RCVBUF, rc = 0;
	if (u->fd < 0 || bind(u->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		rc = -errno;
	else if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
		 setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0)
		rc = -errno;
	else
		rc = loop_add(l, u->fd, EPOLLIN, uevent_cb, u);
	if (rc < 0) {
		if (u->fd >= 0)
			close(u->fd);
		free(u);
		return rc;
	}
	*out = u;
	return 0;
}

void io_uevent_close(struct io_uevent *u)
{
	if (!u)
		return;
	loop_del(u->loop, u->fd);
	close(u->fd);
	free(u);
}
