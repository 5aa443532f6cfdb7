/*
 * fuzz-tunejournal: libFuzzer target of the I/O tuners' apply journal
 * parser (lib/tunejournal.c), the file xcdd reads back on revert and at
 * start. An input that parses is written again (tj_to_json) and that text
 * must parse to the same journal, written the same (a round trip); every
 * record's path must be one tj_path_ok allows; everything is freed.
 */
#include "../../lib/tunejournal.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tj j, k;
	char err[512];
	int rc = tj_parse((const char *)data, size, &j, err, sizeof(err));
	if (rc == 0) {
		char *a, *b;
		size_t al, bl;
		for (size_t i = 0; i < tj_count(&j); i++)
			for (size_t r = 0; r < j.steps[i].n_recs; r++) {
				const struct tj_rec *x = &j.steps[i].recs[r];
				if ((x->kind == TJ_ATTR || x->kind == TJ_FILE || x->kind == TJ_DIR) &&
				    !tj_path_ok(x->kind, x->path))
					abort();
			}
		if (tj_to_json(&j, &a, &al) == 0) {
			if (tj_parse(a, al, &k, err, sizeof(err)) != 0)
				abort();
			if (tj_to_json(&k, &b, &bl) == 0) {
				if (al != bl || memcmp(a, b, al))
					abort();
				free(b);
			}
			tj_free(&k);
			free(a);
		}
	}
	tj_free(&j);
	return 0;
}
