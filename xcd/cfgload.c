/* cfgload: xl.cfg text plus overrides to a domcfg (see cfgload.h). */
#include "cfgload.h"
#include "../lib/cfgfile.h"
#include <stdio.h>

int cfgload(const char *file, const char *text, size_t len, char *const *overrides, size_t n,
	    struct domcfg **out, long *bad, char *err, size_t errlen)
{
	struct cfgfile *cf = NULL;
	*bad = -1;
	int rc = cfgfile_parse(file, text, len, &cf, err, errlen);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		char what[64];
		snprintf(what, sizeof(what), "command line argument %zu", i + 1);
		rc = cfgfile_override(cf, what, overrides[i], err, errlen);
		if (rc < 0) {
			*bad = (long)i;
			cfgfile_free(cf);
			return rc;
		}
	}
	rc = domcfg_from_cfg(cf, NULL, out, err, errlen);
	cfgfile_free(cf);
	return rc;
}
