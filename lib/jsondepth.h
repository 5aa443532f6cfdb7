/* jsondepth: how deep a JSON text nests, asked before a tree parser sees
 * outside input: yajl_tree_parse and yajl_tree_free recurse once per level,
 * so a megabyte of '[' takes the process down. */
#ifndef XCD_JSONDEPTH_H
#define XCD_JSONDEPTH_H
#include <stdbool.h>
#include <stddef.h>

/* Whether the LEN bytes of T nest objects and arrays no deeper than MAX
 * (strings skipped, escapes included; the text need not be valid JSON). */
bool json_depth_ok(const char *t, size_t len, int max);
#endif
