/*
 * errmsg: the one size of the buffers error messages travel in. A function
 * that can fail takes (char *err, size_t errlen) and writes one sentence
 * there; its callers declare "char err[XCD_ERR_MAX]" and pass sizeof(err),
 * and the structs that carry a message on (struct jsonrpc_error, struct
 * dm_error, hv's backend) hold XCD_ERR_MAX too, so that a message is not
 * cut short where it passes from one layer to the next. A buffer of another
 * size says why next to it.
 */
#ifndef XCD_ERRMSG_H
#define XCD_ERRMSG_H
/* Room for a sentence that names a path or two (paths in messages are
 * printed with a bound, "%.300s", where they come from outside). */
#define XCD_ERR_MAX 1024
#endif
