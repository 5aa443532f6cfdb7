/* fdio: whole writes and the monotonic clock (see fdio.h). */
#include "fdio.h"
#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int fd_write_all(int fd, const void *p, size_t n)
{
	const char *b = p;
	while (n > 0) {
		ssize_t w = write(fd, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

int fd_read_all(int fd, size_t max, char **out, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	int rc = buf ? 0 : -ENOMEM;
	while (rc == 0) {
		if (n == cap) {
			char *nb = cap > max ? NULL : realloc(buf, cap * 2 + 1);
			if (!nb) {
				rc = cap > max ? -EFBIG : -ENOMEM;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t k = read(fd, buf + n, cap - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			rc = -errno;
		else if (k == 0)
			break;
		else
			n += (size_t)k;
	}
	if (rc == 0 && n > max)
		rc = -EFBIG;
	if (rc) {
		free(buf);
		return rc;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
