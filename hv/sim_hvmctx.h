/* sim_hvmctx: the HVM context blob of xcd-sim's PVH domains (hv.h,
 * hv_hvm_context_get), in Xen's HVM save format: records of a descriptor
 * {u16 typecode, u16 instance, u32 length} and LENGTH bytes; HEADER first
 * (xcd-sim's magic "XCSM" where Xen has HVM_FILE_MAGIC, so that each
 * hypervisor refuses the other's), one record of type 0x5843 per vCPU
 * holding its context (instance: the vCPU), END last. Written by
 * hv_sim_state.c from the vCPUs' contexts; parsed when a stream gives one
 * (outside input: fuzz/sim/fuzz-hvm-context.c). */
#ifndef XCD_HV_SIM_HVMCTX_H
#define XCD_HV_SIM_HVMCTX_H
#include <stddef.h>
#include <stdint.h>

/* The blob's size for NV vCPUs of contexts of CTX_LEN bytes. */
size_t sim_hvmctx_size(uint32_t nv, uint32_t ctx_len);
/* Each writes its record at P and returns the end: the header, vCPU V's
 * context, END. */
uint8_t *sim_hvmctx_header(uint8_t *p);
uint8_t *sim_hvmctx_vcpu(uint8_t *p, uint32_t v, const void *ctx, uint32_t len);
uint8_t *sim_hvmctx_end(uint8_t *p);
/* BUF (LEN bytes) checked whole: xcd-sim's header, one context of CTX_LEN
 * bytes for each of NV vCPUs (no more, none twice), END, nothing after.
 * AT[v] := vCPU v's context in BUF. 0, or -EINVAL with ERR saying what is
 * wrong and at which byte. */
int sim_hvmctx_parse(const uint8_t *buf, size_t len, uint32_t nv, uint32_t ctx_len,
		     const uint8_t **at, char *err, size_t errlen);
#endif
