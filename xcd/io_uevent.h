/*
 * io_uevent: the kernel's uevents in xcdd's loop, for the I/O watch
 * (io_watch.h): a NETLINK_KOBJECT_UEVENT socket on the kernel's group, each
 * datagram from the kernel (sender port 0) parsed by blkback/dmevent.h, and
 * a multipath path failed or reinstated told to the watch with the path's
 * device name, at once: multipathd's poll comes every refresh, this within
 * the instant dm-multipath acts.
 *
 * Only the host's own devices are meant: the socket is opened on a live
 * host (--sysroot /), and in its first network namespace's user namespace
 * (the kernel sends device uevents there).
 */
#ifndef XCD_IO_UEVENT_H
#define XCD_IO_UEVENT_H
#include "../blkback/dmevent.h"
#include "../lib/loop.h"
#include <sys/types.h>

struct io_uevent;
/* E: the event; DEV: its path's block device ("sdb"), or "" when
 * sys/dev/block no longer has it. */
typedef void io_uevent_fn(const struct dm_path_event *e, const char *dev, void *arg);
/* LOST: events were lost (the socket's buffer ran over): what they said is
 * to be read again. */
typedef void io_uevent_lost_fn(void *arg);

/*
 * One datagram from netlink socket FD (non-blocking) into BUF: its length
 * when the kernel sent it, whole; 0 when none is waiting; -ENOBUFS when
 * events were lost (the socket's buffer ran over); -EAGAIN for one to skip
 * (another sender's, or cut). The link socket (io_watch.c) reads so too.
 */
ssize_t io_nl_recv(int fd, void *buf, size_t size);

/* The socket in loop L. 0, or a negative errno (logged by the caller). */
int io_uevent_open(struct loop *l, const char *sysroot, io_uevent_fn *fn,
		   io_uevent_lost_fn *lost, void *arg, struct io_uevent **out);
void io_uevent_close(struct io_uevent *u);
#endif
