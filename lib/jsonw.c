/* jsonw: yajl_gen's small steps, checked (see jsonw.h). */
#include "jsonw.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int jw_str(yajl_gen g, const char *s)
{
	return yajl_gen_string(g, (const unsigned char *)s, strlen(s)) == yajl_gen_status_ok
		       ? 0
		       : -EINVAL;
}

int jw_int(yajl_gen g, long long v)
{
	return yajl_gen_integer(g, v) == yajl_gen_status_ok ? 0 : -EINVAL;
}

int jw_bool(yajl_gen g, bool v)
{
	return yajl_gen_bool(g, v) == yajl_gen_status_ok ? 0 : -EINVAL;
}

int jw_kv_str(yajl_gen g, const char *key, const char *v)
{
	return jw_str(g, key) || jw_str(g, v) ? -EINVAL : 0;
}

int jw_kv_int(yajl_gen g, const char *key, long long v)
{
	return jw_str(g, key) || jw_int(g, v) ? -EINVAL : 0;
}

int jw_kv_bool(yajl_gen g, const char *key, bool v)
{
	return jw_str(g, key) || jw_bool(g, v) ? -EINVAL : 0;
}

int jw_doc(jw_doc_fn *fn, void *arg, bool pretty, char **out, size_t *len)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return -ENOMEM;
	yajl_gen_config(g, yajl_gen_validate_utf8, 1);
	if (pretty)
		yajl_gen_config(g, yajl_gen_beautify, 1);
	int rc = fn(g, arg);
	const unsigned char *buf;
	size_t n;
	if (rc == 0 && yajl_gen_get_buf(g, &buf, &n) != yajl_gen_status_ok)
		rc = -EINVAL;
	if (rc == 0 && !(*out = malloc(n + 2)))
		rc = -ENOMEM;
	if (rc == 0) {
		memcpy(*out, buf, n);
		if (!pretty)
			(*out)[n++] = '\n';
		(*out)[n] = '\0';
		*len = n;
	}
	yajl_gen_free(g);
	return rc;
}
