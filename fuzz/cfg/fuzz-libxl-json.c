/*
 * fuzz-libxl-json: libFuzzer target of the libxl JSON reader
 * (domcfg_from_libxl_json, xcd/domcfg_libxl.c): the input is the
 * configuration an xl save file or migration stream carries. What it reads
 * is written back (domcfg_to_json) and read again: the two texts must be
 * equal (a mismatch aborts: a logic bug becomes a crash). Everything is
 * freed: leaks are findings too.
 */
#include "../../xcd/domcfg.h"
#include "../../lib/errmsg.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[XCD_ERR_MAX];
	struct domcfg *d = NULL, *again = NULL;
	if (domcfg_from_libxl_json((const char *)data, size, &d, err, sizeof(err)) < 0)
		return 0;
	domcfg_honoured(d, err, sizeof(err));
	char *a = domcfg_to_json_string(d);
	if (a && domcfg_from_libxl_json(a, strlen(a), &again, err, sizeof(err)) < 0) {
		fprintf(stderr, "what was read does not read again: %s\n%s\n", err, a);
		abort();
	}
	char *b = again ? domcfg_to_json_string(again) : NULL;
	if (a && b && strcmp(a, b)) {
		fprintf(stderr, "not the same once read back:\n%s\n---\n%s\n", a, b);
		abort();
	}
	free(a);
	free(b);
	domcfg_free(d);
	domcfg_free(again);
	return 0;
}
