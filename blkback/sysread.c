/* sysread: bounded reads of sysfs/procfs files under a sysroot. */
#include "sysread.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int join(const char *root, const char *rel, char *path, size_t size)
{
	int n = snprintf(path, size, "%s/%s", root && *root ? root : "", rel);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int sysread_whole(const char *root, const char *rel, size_t max, char **out, size_t *len)
{
	char path[PATH_MAX];
	int r = join(root, rel, path, sizeof(path));
	if (r < 0)
		return r;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	/* sysfs reports 4096 as every attribute's size: read until EOF. */
	size_t cap = 256, n = 0;
	char *buf = malloc(cap);
	for (;;) {
		if (!buf) {
			close(fd);
			return -ENOMEM;
		}
		if (n + 1 >= cap) {
			if (cap > max + 1) {
				free(buf);
				close(fd);
				return -EFBIG;
			}
			char *nb = realloc(buf, cap * 2);
			if (!nb)
				free(buf);
			buf = nb;
			cap *= 2;
			continue;
		}
		ssize_t got = read(fd, buf + n, cap - 1 - n);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			free(buf);
			close(fd);
			return r;
		}
		if (got == 0)
			break;
		n += (size_t)got;
		if (n > max) {
			free(buf);
			close(fd);
			return -EFBIG;
		}
	}
	close(fd);
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int sysread_file(const char *root, const char *rel, char *buf, size_t size)
{
	if (size < 2)
		return -EINVAL;
	char *data;
	size_t len;
	int r = sysread_whole(root, rel, size, &data, &len);
	if (r < 0)
		return r;
	if (len && data[len - 1] == '\n')
		data[--len] = '\0';
	if (len >= size || memchr(data, '\0', len)) {
		free(data);
		return len >= size ? -EFBIG : -EINVAL;
	}
	memcpy(buf, data, len + 1);
	free(data);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strverscmp(*(char *const *)a, *(char *const *)b);
}

void sysread_dir_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int sysread_dir(const char *root, const char *rel, const char *prefix, size_t max,
		char ***names, size_t *n)
{
	char path[PATH_MAX];
	int r = join(root, rel, path, sizeof(path));
	*names = NULL;
	*n = 0;
	if (r < 0)
		return r;
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	size_t plen = strlen(prefix);
	struct dirent *e;
	r = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, plen) != 0)
			continue;
		if (cnt == max) {
			r = -E2BIG;
			break;
		}
		if (cnt == cap) {
			cap = cap ? cap * 2 : 16;
			char **nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				r = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[cnt] = strdup(e->d_name))) {
			r = -ENOMEM;
			break;
		}
		cnt++;
	}
	closedir(d);
	if (r < 0) {
		sysread_dir_free(v, cnt);
		return r;
	}
	if (cnt)
		qsort(v, cnt, sizeof(*v), cmp_names);
	*names = v;
	*n = cnt;
	return 0;
}

int sysread_resolve(const char *root, const char *rel, char **out)
{
	char path[PATH_MAX];
	int r = join(root, rel, path, sizeof(path));
	if (r < 0)
		return r;
	char *real = realpath(path, NULL);
	if (!real)
		return -errno;
	char *croot = root && *root ? realpath(root, NULL) : NULL;
	if (croot && strcmp(croot, "/") != 0) {
		size_t l = strlen(croot);
		if (strncmp(real, croot, l) == 0 && (real[l] == '/' || real[l] == '\0'))
			memmove(real, real + l, strlen(real + l) + 1);
	}
	free(croot);
	*out = real;
	return 0;
}

int sysread_exists(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;
	return join(root, rel, path, sizeof(path)) == 0 && stat(path, &st) == 0;
}

void sysread_printable(char *s)
{
	for (; *s; s++)
		if (*s < 0x20 || *s > 0x7e)
			*s = '?';
}
