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

int sf_list(const struct sysroot *r, const char *path, size_t max, char ***names, size_t *n)
{
	int fd = openat(r->dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	char **v = NULL;
	size_t k = 0, cap = 0;
	int rc = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (k == max) {
			rc = -E2BIG;
			break;
		}
		if (k == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				rc = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[k] = strdup(de->d_name))) {
			rc = -ENOMEM;
			break;
		}
		k++;
	}
	closedir(d);
	if (rc) {
		sf_names_free(v, k);
		return rc;
	}
	if (k)
		qsort(v, k, sizeof(*v), cmp_names);
	*names = v;
	*n = k;
	return 0;
}
