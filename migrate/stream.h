/* stream: the numbers of the streams xcd reads and writes, as Xen publishes
 * them (docs/specs/libxl-migration-stream.pandoc,
 * docs/specs/libxc-migration-stream.pandoc, tools/xl/xl.h), plus the two
 * values of xcd's own for simulated guests (migrate/README.md says why they
 * cannot be taken for Xen's). Integers are little-endian on the wire except
 * the libxc image header and the libxl header (big-endian). */
#ifndef XCD_MIGRATE_STREAM_H
#define XCD_MIGRATE_STREAM_H
#include <endian.h>
#include <stdint.h>
#include <string.h>

/* xl's save-file header: 32 bytes of magic, then four u32 in the saving
 * host's order, then optional_data_len bytes: u32 config length and the
 * config (JSON, with its NUL) when the length is not 0. */
#define XL_MAGIC "Xen saved domain, xl format\n \0 \r"
#define XL_MAGIC_LEN 32
#define XL_HEADER_LEN 48
#define XL_BYTEORDER 0x01020304u
#define XL_FLAG_JSON (1u << 0)
#define XL_FLAG_STREAMV2 (1u << 1)
/* xcd's own flags (migrate/README.md, "Compression"), at the top of each
 * word, far from xl's. Mandatory: the file may hold XCD_PAGE_DATA_Z records
 * (a save xcd compressed: xl refuses it at its header, naming the flag).
 * Optional (xl ignores optional flags): the sender is xcd and takes the
 * receiver's "XCD reads" answer on the way back (pipe.h). */
#define XL_FLAG_XCD_COMPRESSED (1u << 31)
#define XL_FLAGS_KNOWN (XL_FLAG_JSON | XL_FLAG_STREAMV2 | XL_FLAG_XCD_COMPRESSED)
#define XL_OPTFLAG_XCD_ASKS (1u << 31)
#define XL_OPTFLAGS_KNOWN XL_OPTFLAG_XCD_ASKS

/* libxl's stream (version 2). */
#define LIBXL_IDENT 0x4c6962786c466d74ull /* "LibxlFmt" */
#define LIBXL_VERSION 2u
#define LIBXL_OPT_BIG_ENDIAN (1u << 0)
#define LIBXL_OPT_LEGACY (1u << 1)
#define LIBXL_HEADER_LEN 16
enum libxl_rec {
	LIBXL_REC_END = 0,
	LIBXL_REC_LIBXC_CONTEXT = 1,
	LIBXL_REC_EMULATOR_XENSTORE_DATA = 2,
	LIBXL_REC_EMULATOR_CONTEXT = 3,
	LIBXL_REC_CHECKPOINT_END = 4,
	LIBXL_REC_CHECKPOINT_STATE = 5,
};

/* libxc's stream: version 3 written (Xen 4.14 and later, 4.17 included),
 * 2 read too. */
#define LIBXC_MARKER 0xffffffffffffffffull
#define LIBXC_ID 0x58454e46u /* "XENF" */
#define LIBXC_VERSION 3u
#define LIBXC_OPT_BIG_ENDIAN (1u << 0)
#define LIBXC_IHDR_LEN 24
#define LIBXC_DHDR_LEN 16
enum libxc_dom_type {
	LIBXC_DOM_X86_PV = 1,
	LIBXC_DOM_X86_HVM = 2, /* PVH guests too */
	/* xcd's simulated guests: "XCSM". */
	LIBXC_DOM_XCD_SIM = 0x5843534du,
};
enum libxc_rec {
	LIBXC_REC_END = 0x00,
	LIBXC_REC_PAGE_DATA = 0x01,
	LIBXC_REC_X86_PV_INFO = 0x02,
	LIBXC_REC_X86_PV_P2M_FRAMES = 0x03,
	LIBXC_REC_X86_PV_VCPU_BASIC = 0x04,
	LIBXC_REC_X86_PV_VCPU_EXTENDED = 0x05,
	LIBXC_REC_X86_PV_VCPU_XSAVE = 0x06,
	LIBXC_REC_SHARED_INFO = 0x07,
	LIBXC_REC_X86_TSC_INFO = 0x08,
	LIBXC_REC_HVM_CONTEXT = 0x09,
	LIBXC_REC_HVM_PARAMS = 0x0a,
	LIBXC_REC_TOOLSTACK = 0x0b,
	LIBXC_REC_X86_PV_VCPU_MSRS = 0x0c,
	LIBXC_REC_VERIFY = 0x0d,
	LIBXC_REC_CHECKPOINT = 0x0e,
	LIBXC_REC_CHECKPOINT_DIRTY_PFN_LIST = 0x0f,
	LIBXC_REC_STATIC_DATA_END = 0x10,
	LIBXC_REC_X86_CPUID_POLICY = 0x11,
	LIBXC_REC_X86_MSR_POLICY = 0x12,
	/* xcd's: a simulated guest's vCPU context (u32 vcpu, u32 0, the blob
	 * hv_vcpu_get_context gives). "XC" then 1. */
	LIBXC_REC_XCD_SIM_VCPU = 0x58430001u,
	/* xcd's: a batch of pages whose data is compressed as one frame (u32
	 * count, u32 codec, u32 raw length, u32 0, the pfn words as
	 * PAGE_DATA's, the frame). "XC" then 2. Mandatory: a reader that does
	 * not know it refuses it. */
	LIBXC_REC_XCD_PAGE_DATA_Z = 0x58430002u,
};
#define LIBXC_REC_OPTIONAL 0x80000000u
/* libxc's own bound on a record (xg_sr_common.h): 128 MiB. */
#define LIBXC_REC_LENGTH_MAX (128u << 20)

/* PAGE_DATA's pfn words: the XEN_DOMCTL_PFINFO_* type in bits 63-60. */
#define PFN_MASK 0x000fffffffffffffull
#define PFN_TYPE_SHIFT 60
enum pfinfo {
	PFINFO_NOTAB = 0x0,
	PFINFO_L1TAB = 0x1,
	PFINFO_L4TAB = 0x4,
	PFINFO_L1TAB_PIN = 0x9,
	PFINFO_L4TAB_PIN = 0xc,
	PFINFO_BROKEN = 0xd,
	PFINFO_XALLOC = 0xe, /* allocated, no contents: xcd's zero pages */
	PFINFO_XTAB = 0xf,
};
/* Pages in one PAGE_DATA record xcd writes (libxc writes 1024 at most). */
#define MIG_BATCH_PAGES 1024u
/* XCD_PAGE_DATA_Z's header before its pfns. */
#define XCD_PAGE_Z_HEAD 16u

/* Sizes Xen's headers give (public/arch-x86/xen.h, domctl.h). */
#define X86_CPUID_LEAF_LEN 24 /* xen_cpuid_leaf_t */
#define X86_MSR_ENTRY_LEN 16  /* xen_msr_entry_t */
#define X86_TSC_INFO_LEN 24
#define HVM_PARAM_ENTRY_LEN 16
#define HVM_NR_PARAMS 39 /* public/hvm/params.h, 4.17 */
#define X86_TSC_MODE_MAX 3 /* Xen's TSC_MODE_* numbers are 0..3 (xen/include/asm-x86/time.h) */

/* Little-endian fields of records, at any alignment. */
static inline uint32_t mig_le32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
	return le32toh(v);
}
static inline uint64_t mig_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}
static inline void mig_put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, 4);
}
static inline void mig_put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, 8);
}
#endif
