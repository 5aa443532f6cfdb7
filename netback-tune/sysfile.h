/*
 * sysfile: reading /sys and /proc under a root directory (the sysroot), so
 * that fixture trees stand for a host: "/" on a real host, a directory of
 * plain files and relative symlinks in the tests. Paths are relative to the
 * root and never start with '/'.
 */
#ifndef XCD_NT_SYSFILE_H
#define XCD_NT_SYSFILE_H
#include <stdbool.h>
#include <stddef.h>

/* A sysroot opened once: DIRFD is the root, every read is relative to it. */
struct sysroot {
	int dirfd;
	const char *path; /* as given, for messages */
};

/* 0 or -errno (the root is not a directory). */
int sysroot_open(struct sysroot *r, const char *path);
void sysroot_close(struct sysroot *r);

/*
 * Reads ROOT/PATH whole into a malloc'd, NUL-terminated *OUT (*LEN bytes,
 * not counting the NUL). A file longer than MAX bytes is refused with
 * -EFBIG (procfs files report size 0, so the bound is on what is read).
 */
int sf_read(const struct sysroot *r, const char *path, size_t max, char **out, size_t *len);
/*
 * Reads a small one-line file into BUF (LEN bytes) without its trailing
 * newline: -EFBIG when longer, -EINVAL when it holds a NUL or a second line.
 */
int sf_line(const struct sysroot *r, const char *path, char *buf, size_t len);
/* sf_line, then a decimal (possibly negative) integer: -EINVAL otherwise. */
int sf_long(const struct sysroot *r, const char *path, long *out);
/* The last component of a symlink's target (e.g. "xenbr0" from
 * "../xenbr0", "vif-3-0" from ".../xen-backend/vif-3-0") into BUF. */
int sf_link_base(const struct sysroot *r, const char *path, char *buf, size_t len);
bool sf_exists(const struct sysroot *r, const char *path);
/* The names in a directory but "." and "..", sorted, malloc'd (free with
 * sf_names_free). At most MAX names, else -E2BIG. */
int sf_list(const struct sysroot *r, const char *path, size_t max, char ***names, size_t *n);
void sf_names_free(char **names, size_t n);
#endif
