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
 * The directory PATH under R as a root of its own (SUB, closed with
 * sysroot_close), for many reads below one directory: each then walks one
 * or two components instead of the whole path, and a symlink on the way
 * (sys/class/net/NAME) is followed once. 0 or -errno.
 */
int sysroot_sub(const struct sysroot *r, const char *path, struct sysroot *sub);

/*
 * Reads ROOT/PATH whole into a malloc'd, NUL-terminated *OUT (*LEN bytes,
 * not counting the NUL). A file longer than MAX bytes is refused with
 * -EFBIG (procfs files report size 0, so the bound is on what is read).
 */
int sf_read(const struct sysroot *r, const char *path, size_t max, char **out, size_t *len);
/*
 * Reads ROOT/PATH whole into BUF (SIZE bytes) with a NUL after it, *LEN its
 * length: one open and, for a file that fits, one read (a read that gives
 * less than asked for is taken as the end: procfs, sysfs and regular files
 * give a small file whole), nothing allocated.
 * -EFBIG when it does not fit (SIZE - 1 bytes at most), -EINVAL when it
 * holds a NUL.
 */
int sf_read_buf(const struct sysroot *r, const char *path, char *buf, size_t size, size_t *len);
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
/*
 * Calls FN(NAME, ARG) for each name in directory PATH but "." and "..", in
 * the directory's own order, without copying or sorting them: the cheap
 * walk for a caller that only counts or looks names up. At most MAX names,
 * else -E2BIG. FN returns 0 to go on; anything else stops the walk and is
 * returned. 0 or -errno.
 */
int sf_each(const struct sysroot *r, const char *path, size_t max,
	    int (*fn)(const char *name, void *arg), void *arg);
#endif
