#include "json_fields.h"
#include <stdio.h>
#include <string.h>

yajl_gen_status jf_key(yajl_gen g, const char *k)
{
	return yajl_gen_string(g, (const unsigned char *)k, strlen(k));
}

yajl_gen_status jf_str(yajl_gen g, const char *k, const char *v)
{
	if (!v)
		return yajl_gen_status_ok;
	yajl_gen_status s = jf_key(g, k);
	return s != yajl_gen_status_ok ? s : yajl_gen_string(g, (const unsigned char *)v, strlen(v));
}

yajl_gen_status jf_num(yajl_gen g, const char *k, long long v)
{
	yajl_gen_status s = jf_key(g, k);
	return s != yajl_gen_status_ok ? s : yajl_gen_integer(g, v);
}

yajl_gen_status jf_int(yajl_gen g, const char *k, long long v)
{
	return v ? jf_num(g, k, v) : yajl_gen_status_ok;
}

yajl_gen_status jf_u64(yajl_gen g, const char *k, uint64_t v)
{
	/* yajl_gen_integer is signed: MemKB and friends go as number text. */
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	yajl_gen_status s = jf_key(g, k);
	return s != yajl_gen_status_ok ? s : yajl_gen_number(g, buf, (size_t)n);
}

yajl_gen_status jf_defbool(yajl_gen g, const char *k, enum cfg_defbool b)
{
	if (b == CFG_DEFBOOL_DEFAULT)
		return yajl_gen_status_ok;
	return jf_str(g, k, b == CFG_DEFBOOL_TRUE ? "True" : "False");
}
