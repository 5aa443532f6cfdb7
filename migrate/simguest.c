/* simguest: a simulated guest's records, over hv only (hv_vcpu_get_context):
 * one XCD_SIM_VCPU per vCPU after its memory, in a stream of xcd's own guest
 * type (stream.h); restore.c applies them. */
#include "migrate.h"
#include "../hv/hv.h"
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int out_err(int rc, char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "writing the stream (%s): %s", what, strerror(-rc));
	return rc;
}

static int save_vcpus(struct hv *hv, uint32_t domid, uint32_t nvcpus, struct mig_out *o,
		      char *err, size_t errlen)
{
	uint8_t *ctx = malloc(HV_VCPU_CONTEXT_MAX);
	if (!ctx) {
		snprintf(err, errlen, "no memory for a vCPU context");
		return -ENOMEM;
	}
	int rc = 0;
	for (uint32_t v = 0; rc == 0 && v < nvcpus; v++) {
		size_t len = HV_VCPU_CONTEXT_MAX;
		rc = hv_vcpu_get_context(hv, domid, v, ctx, &len);
		if (rc < 0) {
			snprintf(err, errlen, "vCPU %u's context: %s", v, hv_error(hv));
			break;
		}
		uint32_t head[2] = { htole32(v), 0 };
		rc = mig_write_libxc_rec(o, LIBXC_REC_XCD_SIM_VCPU, head, sizeof(head), ctx,
					 (uint32_t)len);
		if (rc < 0)
			out_err(rc, err, errlen, "XCD_SIM_VCPU");
	}
	free(ctx);
	return rc;
}

const struct mig_guest_ops mig_guest_sim = {
	.dom_type = LIBXC_DOM_XCD_SIM,
	.state_records = save_vcpus,
};

