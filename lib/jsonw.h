/* jsonw: the small steps of writing JSON with yajl_gen that every writer
 * here takes: a string, a number, a boolean, a key with its value. Each
 * returns 0, or -EINVAL when yajl refuses (invalid UTF-8, a generator in an
 * error state), so that a writer chains them with || and fails once. */
#ifndef XCD_JSONW_H
#define XCD_JSONW_H
#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>

int jw_str(yajl_gen g, const char *s);
int jw_int(yajl_gen g, long long v);
int jw_bool(yajl_gen g, bool v);
int jw_kv_str(yajl_gen g, const char *key, const char *v);
int jw_kv_int(yajl_gen g, const char *key, long long v);
int jw_kv_bool(yajl_gen g, const char *key, bool v);

/* A whole document, which FN(G, ARG) writes, in *OUT (malloc'd, NUL-
 * terminated, *LEN bytes without the NUL): PRETTY indented as yajl's
 * beautify does, else on one line ending in a newline. Strings are checked
 * UTF-8. 0, -ENOMEM, or FN's error (-EINVAL). */
typedef int jw_doc_fn(yajl_gen g, void *arg);
int jw_doc(jw_doc_fn *fn, void *arg, bool pretty, char **out, size_t *len);
#endif
