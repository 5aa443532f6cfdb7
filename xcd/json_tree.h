/* json_tree: a parsed JSON value carried into a document being generated,
 * and a parsed object's members read. */
#ifndef XCD_JSON_TREE_H
#define XCD_JSON_TREE_H
#include <yajl/yajl_gen.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

/* Emits the yajl tree V on G as it is (numbers keep their text): used to
 * carry JSON from one document into another (rpc_json.c; used by xcdd's
 * methods, the domain manager's journal records and xcd). 0 or -EINVAL. */
int json_gen_tree(yajl_gen g, yajl_val v);

/* T's member K: a string ("" when absent or not one), a positive integer
 * (0 otherwise), a number (0 otherwise). */
static inline const char *jt_str(yajl_val t, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(t, p, yajl_t_string);
	return v ? YAJL_GET_STRING(v) : "";
}
static inline uint64_t jt_u64(yajl_val t, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(t, p, yajl_t_number);
	return v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0 ? (uint64_t)YAJL_GET_INTEGER(v)
								  : 0;
}
static inline double jt_double(yajl_val t, const char *k)
{
	const char *p[] = { k, NULL };
	yajl_val v = yajl_tree_get(t, p, yajl_t_number);
	return v ? YAJL_GET_DOUBLE(v) : 0;
}
#endif
