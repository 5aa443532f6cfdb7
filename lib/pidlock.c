/* A daemon's pid file as its lock: see pidlock.h. */
#include "pidlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

pid_t pidlock_holder(const char *path)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int rc = fcntl(fd, F_GETLK, &q);
	int e = errno;
	close(fd);
	if (rc < 0)
		return -e;
	return q.l_type == F_UNLCK ? 0 : q.l_pid;
}

int pidlock_take(const char *path, const char *what, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	struct flock l = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_SETLK, &l) < 0) {
		int e = errno;
		struct flock q = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		if ((e == EAGAIN || e == EACCES) && fcntl(fd, F_GETLK, &q) == 0 &&
		    q.l_type != F_UNLCK) {
			snprintf(err, errlen, "another %s (pid %d) holds the pid file %s", what, (int)q.l_pid,
				 path);
			e = EAGAIN;
		} else {
			snprintf(err, errlen, "%s: lock: %s", path, strerror(e));
		}
		close(fd);
		return -e;
	}
	char line[32];
	int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n) {
		int rc = -errno;
		snprintf(err, errlen, "%s: cannot write the pid: %s", path, strerror(errno));
		close(fd);
		return rc ? rc : -EIO;
	}
	return fd;
}
