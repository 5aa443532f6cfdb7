/*
 * cfgload: an xl.cfg text and its command line's KEY=VALUE overrides to a
 * domain configuration: the one path that xcdd's domain.create and
 * `xcd create --dry-run` (which needs no daemon) share.
 */
#ifndef XCD_CFGLOAD_H
#define XCD_CFGLOAD_H
#include "domcfg.h"
#include <stddef.h>

/*
 * Parses TEXT (LEN bytes) read from FILE (the name errors carry), applies
 * OVERRIDES[0..N) in order (named "command line argument K" in errors, K
 * from 1), and builds *OUT. Returns 0, or a negative errno with ERR filled
 * ("FILE:LINE:COLUMN: KEY: what is wrong") and *BAD set to the index of the
 * override at fault, or to -1 when the fault is in the file (or in the
 * configuration as a whole).
 */
int cfgload(const char *file, const char *text, size_t len, char *const *overrides, size_t n,
	    struct domcfg **out, long *bad, char *err, size_t errlen);
#endif
