/* caps: a process that parses what the network sends gives up what root
 * could do beyond its own files: every capability (effective, permitted,
 * inheritable, the bounding set) and the right to gain any (no_new_privs).
 * It keeps uid 0, so that the files it needs (owned by root, 0600) and
 * xcdd's socket (root's full access) stay open to it; what it loses is
 * what an exploit in it would use most: mounts, modules, raw devices,
 * other processes (ptrace of xcdd), network configuration. */
#ifndef XCD_CAPS_H
#define XCD_CAPS_H
#include <stddef.h>

/* In the calling process, for good: 0, or a negative errno with ERR. */
int caps_drop_all(char *err, size_t errlen);
#endif
