/* A daemon's pid file as its lock: a POSIX record lock (fcntl F_SETLK),
 * which belongs to the process that took it. Unlike flock(2), a child
 * forked by the daemon (a job, a hotplug script before it closes its
 * descriptors) never holds it, so a daemon killed while a child of its is
 * still starting can be replaced at once; and it goes with the process that
 * took it, so take it after daemon(3)/fork, in the process that serves. */
#ifndef XCD_PIDLOCK_H
#define XCD_PIDLOCK_H

#include <stddef.h>
#include <sys/types.h>

/* The pid of the process holding PATH's lock, 0 when none does, or -errno
 * (PATH cannot be opened, or its lock not read). */
pid_t pidlock_holder(const char *path);

/* PATH (made 0644 when missing; a symbolic link refused) locked by this
 * process, with its pid written in it: the descriptor (close-on-exec; keep
 * it open for the life of the process, and open PATH through no other
 * descriptor: closing one drops the lock). -EAGAIN when another process holds it
 * (ERR says "another WHAT (pid N) holds the pid file PATH"), another -errno otherwise
 * (said in ERR). */
int pidlock_take(const char *path, const char *what, char *err, size_t errlen);

#endif
