/* json_tree: a parsed JSON value carried into a document being generated. */
#ifndef XCD_JSON_TREE_H
#define XCD_JSON_TREE_H
#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/* Emits the yajl tree V on G as it is (numbers keep their text): used to
 * carry JSON from one document into another (rpc_json.c; used by xcdd's
 * methods, the domain manager's journal records and xcd). 0 or -EINVAL. */
int json_gen_tree(yajl_gen g, yajl_val v);
#endif
