/* sim_hvmctx: xcd-sim's HVM context blob, written and parsed (sim_hvmctx.h). */
#include "sim_hvmctx.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

struct desc {
	uint16_t typecode, instance;
	uint32_t length;
};
struct header {
	uint32_t magic, version;
	uint64_t changeset;
	uint32_t cpuid, gtsc_khz;
};
#define CODE_END 0
#define CODE_HEADER 1
#define CODE_VCPU 0x5843	  /* "XC": beyond Xen's codes */
#define SIM_HVM_MAGIC 0x5843534du /* "XCSM" */
#define SIM_HVM_VERSION 1

size_t sim_hvmctx_size(uint32_t nv, uint32_t ctx_len)
{
	return 2 * sizeof(struct desc) + sizeof(struct header) +
	       (size_t)nv * (sizeof(struct desc) + ctx_len);
}

static uint8_t *put(uint8_t *p, uint16_t code, uint16_t inst, const void *data, uint32_t len)
{
	struct desc d = { code, inst, len };
	memcpy(p, &d, sizeof(d));
	if (len)
		memcpy(p + sizeof(d), data, len);
	return p + sizeof(d) + len;
}

uint8_t *sim_hvmctx_header(uint8_t *p)
{
	struct header h = { SIM_HVM_MAGIC, SIM_HVM_VERSION, 0, 0, 0 };
	return put(p, CODE_HEADER, 0, &h, sizeof(h));
}

uint8_t *sim_hvmctx_vcpu(uint8_t *p, uint32_t v, const void *ctx, uint32_t len)
{
	return put(p, CODE_VCPU, (uint16_t)v, ctx, len);
}

uint8_t *sim_hvmctx_end(uint8_t *p) { return put(p, CODE_END, 0, NULL, 0); }

static int header_ok(const struct desc *d, const uint8_t *body, char *err, size_t errlen)
{
	struct header h;
	if (d->typecode != CODE_HEADER || d->length != sizeof(h)) {
		snprintf(err, errlen, "no header first (another host's?)");
		return -EINVAL;
	}
	memcpy(&h, body, sizeof(h));
	if (h.magic != SIM_HVM_MAGIC || h.version != SIM_HVM_VERSION) {
		snprintf(err, errlen, "magic %#x version %u, not xcd-sim's (a Xen guest's?)",
			 h.magic, h.version);
		return -EINVAL;
	}
	return 0;
}

int sim_hvmctx_parse(const uint8_t *buf, size_t len, uint32_t nv, uint32_t ctx_len,
		     const uint8_t **at, char *err, size_t errlen)
{
	size_t off = 0;
	for (uint32_t v = 0; v < nv; v++)
		at[v] = NULL;
	for (int first = 1;; first = 0) {
		struct desc d;
		if (len - off < sizeof(d)) {
			snprintf(err, errlen, "it ends at byte %zu without its END record", off);
			return -EINVAL;
		}
		memcpy(&d, buf + off, sizeof(d));
		off += sizeof(d);
		if (d.length > len - off) {
			snprintf(err, errlen, "record %#x at byte %zu runs past its end", d.typecode,
				 off - sizeof(d));
			return -EINVAL;
		}
		const uint8_t *body = buf + off;
		off += d.length;
		if (first) {
			if (header_ok(&d, body, err, errlen) < 0)
				return -EINVAL;
		} else if (d.typecode == CODE_END) {
			if (d.length || off != len) {
				snprintf(err, errlen, "bytes after its END record");
				return -EINVAL;
			}
			break;
		} else if (d.typecode != CODE_VCPU || d.instance >= nv || d.length != ctx_len ||
			   at[d.instance]) {
			snprintf(err, errlen, "record %#x instance %u of %u bytes at byte %zu: not a "
				 "vCPU context of its %u (or one twice)", d.typecode, d.instance,
				 d.length, off - d.length - sizeof(d), nv);
			return -EINVAL;
		} else {
			at[d.instance] = body;
		}
	}
	for (uint32_t v = 0; v < nv; v++)
		if (!at[v]) {
			snprintf(err, errlen, "no context for vCPU %u", v);
			return -EINVAL;
		}
	return 0;
}
