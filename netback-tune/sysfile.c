/* sysfile: /sys and /proc under a sysroot (see sysfile.h). */
#include "sysfile.h"
#include "../lib/fdio.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int sysroot_open(struct sysroot *r, const char *path)
{
	r->path = path;
	r->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return r->dirfd < 0 ? -errno : 0;
}

int sysroot_sub(const struct sysroot *r, const char *path, struct sysroot *sub)
{
	sub->path = r->path;
	sub->dirfd = openat(r->dirfd, path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	return sub->dirfd < 0 ? -errno : 0;
}

void sysroot_close(struct sysroot *r)
{
	if (r->dirfd >= 0)
		close(r->dirfd);
	r->dirfd = -1;
}

int sf_read(const struct sysroot *r, const char *path, size_t max, char **out, size_t *len)
{
	int fd = openat(r->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fd_read_all(fd, max, out, len);
	close(fd);
	return rc;
}

int sf_read_buf(const struct sysroot *r, const char *path, char *buf, size_t size, size_t *len)
{
	if (size < 2)
		return -EINVAL;
	int fd = openat(r->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t n = 0;
	int rc = 0;
	for (;;) {
		size_t want = size - n;
		ssize_t k = read(fd, buf + n, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			rc = -errno;
			break;
		}
		n += (size_t)k;
		if (n == size) {
			rc = -EFBIG;
			break;
		}
		/* Less than asked for: the end (procfs's and sysfs's files
		 * and regular files give a small file whole), so no read of
		 * 0 bytes to learn it. */
		if ((size_t)k < want)
			break;
	}
	close(fd);
	if (rc)
		return rc;
	buf[n] = '\0';
	if (strlen(buf) != n)
		return -EINVAL;
	*len = n;
	return 0;
}

int sf_line(const struct sysroot *r, const char *path, char *buf, size_t len)
{
	int fd = openat(r->dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t k;
	do
		k = read(fd, buf, len);
	while (k < 0 && errno == EINTR);
	int e = errno;
	close(fd);
	if (k < 0)
		return -e;
	size_t n = (size_t)k;
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	else if (n == len)
		return -EFBIG;
	if (n >= len)
		return -EFBIG;
	buf[n] = '\0';
	if (memchr(buf, '\n', n) || strlen(buf) != n)
		return -EINVAL;
	return 0;
}

int sf_long(const struct sysroot *r, const char *path, long *out)
{
	char buf[32];
	int rc = sf_line(r, path, buf, sizeof(buf));
	if (rc)
		return rc;
	char *end;
	errno = 0;
	long v = strtol(buf, &end, 10);
	if (errno || end == buf || *end || buf[0] == ' ' || buf[0] == '+')
		return -EINVAL;
	*out = v;
	return 0;
}

int sf_link_base(const struct sysroot *r, const char *path, char *buf, size_t len)
{
	char t[PATH_MAX];
	ssize_t k = readlinkat(r->dirfd, path, t, sizeof(t) - 1);
	if (k < 0)
		return -errno;
	t[k] = '\0';
	while (k > 1 && t[k - 1] == '/')
		t[--k] = '\0';
	const char *b = strrchr(t, '/');
	b = b ? b + 1 : t;
	if (strlen(b) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, b);
	return 0;
}

bool sf_exists(const struct sysroot *r, const char *path)
{
	return faccessat(r->dirfd, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void sf_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int sf_each(const struct sysroot *r, const char *path, size_t max,
	    int (*fn)(const char *name, void *arg), void *arg)
{
	int fd = openat(r->dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* getdents64 straight into a buffer: a directory of a few thousand
	 * entries in a call or two, without fdopendir's fstat and fcntl. */
	char buf[32768] __attribute__((aligned(8)));
	size_t k = 0;
	int rc = 0;
	while (rc == 0) {
		ssize_t n = getdents64(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = -errno;
		if (n <= 0)
			break;
		for (size_t off = 0; off < (size_t)n && rc == 0;) {
			const struct dirent64 *de = (const void *)(buf + off);
			off += de->d_reclen;
			const char *nm = de->d_name;
			if (nm[0] == '.' && (!nm[1] || (nm[1] == '.' && !nm[2])))
				continue;
			if (k++ == max)
				rc = -E2BIG;
			else
				rc = fn(nm, arg);
		}
	}
	close(fd);
	return rc;
}

struct name_list {
	char **v;
	size_t n, cap;
};

static int add_name(const char *name, void *arg)
{
	struct name_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **nv = realloc(l->v, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		l->v = nv;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(name)))
		return -ENOMEM;
	l->n++;
	return 0;
}

int sf_list(const struct sysroot *r, const char *path, size_t max, char ***names, size_t *n)
{
	struct name_list l = { NULL, 0, 0 };
	int rc = sf_each(r, path, max, add_name, &l);
	if (rc) {
		sf_names_free(l.v, l.n);
		return rc;
	}
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_names);
	*names = l.v;
	*n = l.n;
	return 0;
}
