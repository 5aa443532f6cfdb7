/* path: xenstore path syntax, canonical forms and relations. */
#ifndef XS_PATH_H
#define XS_PATH_H
#include <stdbool.h>
#include <stddef.h>

/* Valid absolute node path: "/" or "/a/b", charset [A-Za-z0-9-/_@], no "//",
 * no trailing '/', at most max_len bytes. */
bool xs_path_valid(const char *path, size_t max_len);
/* Valid watch path: a node path or a special "@name[/...]" one. */
bool xs_path_valid_watch(const char *path, size_t max_len);
/* Absolute form of a client's path: relative paths are under
 * /local/domain/<domid>. Returns a malloc'd string or NULL (*err set). */
char *xs_path_canon(const char *path, unsigned domid, size_t max_len, int *err);
/* Parent of an absolute path, malloc'd ("/" for "/a"); NULL for "/". */
char *xs_path_parent(const char *path);
/* Last component of an absolute path (points into path). */
const char *xs_path_basename(const char *path);
/* true when child is parent itself or below it. */
bool xs_path_is_child(const char *child, const char *parent);
/* Levels of child below parent (child must be below or equal). */
unsigned xs_path_depth_below(const char *child, const char *parent);
#endif
