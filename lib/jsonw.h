/* jsonw: the small steps of writing JSON with yajl_gen that every writer
 * here takes: a string, a number, a boolean, a key with its value. Each
 * returns 0, or -EINVAL when yajl refuses (invalid UTF-8, a generator in an
 * error state), so that a writer chains them with || and fails once. */
#ifndef XCD_JSONW_H
#define XCD_JSONW_H
#include <stdbool.h>
#include <yajl/yajl_gen.h>

int jw_str(yajl_gen g, const char *s);
int jw_int(yajl_gen g, long long v);
int jw_bool(yajl_gen g, bool v);
int jw_kv_str(yajl_gen g, const char *key, const char *v);
int jw_kv_int(yajl_gen g, const char *key, long long v);
int jw_kv_bool(yajl_gen g, const char *key, bool v);
#endif
