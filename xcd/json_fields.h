/* json_fields: writing libxl-style JSON objects, where a field at its default
 * is left out. */
#ifndef XCD_JSON_FIELDS_H
#define XCD_JSON_FIELDS_H
#include <stdint.h>
#include <yajl/yajl_gen.h>
#include "../lib/cfgfile.h"

yajl_gen_status jf_key(yajl_gen g, const char *k);
/* Left out when v is NULL. */
yajl_gen_status jf_str(yajl_gen g, const char *k, const char *v);
/* Left out when v is 0. */
yajl_gen_status jf_int(yajl_gen g, const char *k, long long v);
/* Always written. */
yajl_gen_status jf_num(yajl_gen g, const char *k, long long v);
yajl_gen_status jf_u64(yajl_gen g, const char *k, uint64_t v);
/* libxl's defbool: "True"/"False", left out at its default. */
yajl_gen_status jf_defbool(yajl_gen g, const char *k, enum cfg_defbool b);
#endif
