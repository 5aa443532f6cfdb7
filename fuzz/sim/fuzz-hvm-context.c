/* fuzz-hvm-context: xcd-sim's HVM context blob parser (hv/sim_hvmctx.c)
 * against any bytes, as a save file or a migration stream gives them to
 * hv_hvm_context_set: the first byte is the domain's vCPU count (1 to 8),
 * the rest the blob. What the parser accepts must lie within the blob and
 * name each vCPU once; a blob written for those vCPUs must parse back. */
#include "../../hv/sim_hvmctx.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CTX_LEN 64 /* sizeof(struct sim_vcpu_context) */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint32_t nv = (uint32_t)(data[0] % 8) + 1;
	const uint8_t *at[8];
	char err[256];
	if (sim_hvmctx_parse(data + 1, size - 1, nv, CTX_LEN, at, err, sizeof(err)) == 0) {
		for (uint32_t v = 0; v < nv; v++)
			if (!at[v] || at[v] < data + 1 || at[v] + CTX_LEN > data + size)
				abort();
	} else if (!memchr(err, '\0', sizeof(err)) || !err[0]) {
		abort(); /* a refusal always says why */
	}
	/* the writer's blob for these vCPUs (their contexts from the input) parses back */
	uint8_t buf[1024], ctx[CTX_LEN] = { 0 };
	memcpy(ctx, data + 1, size - 1 < CTX_LEN ? size - 1 : CTX_LEN);
	uint8_t *p = sim_hvmctx_header(buf);
	for (uint32_t v = 0; v < nv; v++)
		p = sim_hvmctx_vcpu(p, v, ctx, CTX_LEN);
	p = sim_hvmctx_end(p);
	if ((size_t)(p - buf) != sim_hvmctx_size(nv, CTX_LEN) ||
	    sim_hvmctx_parse(buf, (size_t)(p - buf), nv, CTX_LEN, at, err, sizeof(err)) != 0 ||
	    memcmp(at[nv - 1], ctx, CTX_LEN) != 0)
		abort();
	return 0;
}
