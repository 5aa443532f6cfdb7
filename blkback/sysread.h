/*
 * sysread: small files of sysfs and procfs read under a root directory (the
 * sysroot), so that fixture trees stand for /sys and /proc in tests. Every
 * read is bounded: these files are one value each, and a file longer than
 * the caller's buffer is an error, not something to truncate silently.
 */
#ifndef XCD_BLKBACK_SYSREAD_H
#define XCD_BLKBACK_SYSREAD_H
#include <stddef.h>

/* ROOT/REL into BUF (NUL-terminated, one trailing newline removed).
 * 0, -ENOENT when absent, -EFBIG when it does not fit, or another -errno. */
int sysread_file(const char *root, const char *rel, char *buf, size_t size);

/* As sysread_file, for a file of any size up to MAX bytes, malloc'd into
 * *OUT (NUL-terminated) with its length in *LEN. */
int sysread_whole(const char *root, const char *rel, size_t max, char **out, size_t *len);

/* The entries of directory ROOT/REL whose names start with PREFIX, sorted
 * (strverscmp, so host10 follows host9), malloc'd; at most MAX of them
 * (-E2BIG beyond). 0 with *N = 0 when the directory does not exist. */
int sysread_dir(const char *root, const char *rel, const char *prefix, size_t max,
		char ***names, size_t *n);
void sysread_dir_free(char **names, size_t n);

/* The canonical path of ROOT/REL with symlinks resolved, malloc'd, with the
 * canonical ROOT taken off its front when it is there. */
int sysread_resolve(const char *root, const char *rel, char **out);

/* Replaces bytes outside printable ASCII by '?': free-text attributes
 * (port_type, access_state) reach JSON and terminals. */
void sysread_printable(char *s);

/* ROOT/REL exists. */
int sysread_exists(const char *root, const char *rel);
#endif
