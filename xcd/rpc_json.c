/* rpc_json: copying a parsed JSON value into a document being generated. */
#include "json_tree.h"
#include <errno.h>
#include <string.h>

int json_gen_tree(yajl_gen g, yajl_val v)
{
	yajl_gen_status s = yajl_gen_status_ok;
	if (!v)
		return yajl_gen_null(g) == yajl_gen_status_ok ? 0 : -EINVAL;
	switch (v->type) {
	case yajl_t_string:
		s = yajl_gen_string(g, (const unsigned char *)v->u.string, strlen(v->u.string));
		break;
	case yajl_t_number:
		s = yajl_gen_number(g, v->u.number.r, strlen(v->u.number.r));
		break;
	case yajl_t_true:
		s = yajl_gen_bool(g, 1);
		break;
	case yajl_t_false:
		s = yajl_gen_bool(g, 0);
		break;
	case yajl_t_null:
		s = yajl_gen_null(g);
		break;
	case yajl_t_object:
		if (yajl_gen_map_open(g) != yajl_gen_status_ok)
			return -EINVAL;
		for (size_t i = 0; i < v->u.object.len; i++) {
			const char *k = v->u.object.keys[i];
			if (yajl_gen_string(g, (const unsigned char *)k, strlen(k)) !=
			    yajl_gen_status_ok)
				return -EINVAL;
			int rc = json_gen_tree(g, v->u.object.values[i]);
			if (rc < 0)
				return rc;
		}
		s = yajl_gen_map_close(g);
		break;
	case yajl_t_array:
		if (yajl_gen_array_open(g) != yajl_gen_status_ok)
			return -EINVAL;
		for (size_t i = 0; i < v->u.array.len; i++) {
			int rc = json_gen_tree(g, v->u.array.values[i]);
			if (rc < 0)
				return rc;
		}
		s = yajl_gen_array_close(g);
		break;
	default:
		return -EINVAL;
	}
	return s == yajl_gen_status_ok ? 0 : -EINVAL;
}
