/*
 * xlfmt: xl's text formats, byte for byte, for xcd and xcdd: memory sizes
 * (xl mem-set), CPU maps (xl vcpu-list's affinity), and the rows of xl list,
 * xl vcpu-list and xl uptime. Pure functions: no I/O, no allocation.
 */
#ifndef XCD_XLFMT_H
#define XCD_XLFMT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A memory size as xl's parse_mem_size_kb reads it: a decimal number and an
 * optional suffix b, k, m, g or t (either case); no suffix means MiB. *KB is
 * the size in KiB. 0, or -EINVAL (empty, not a number, negative, bad suffix,
 * too large) or -ERANGE (0 KiB) with ERR saying which.
 */
int xlfmt_parse_mem_kb(const char *s, uint64_t *kb, char *err, size_t errlen);

/* The NBITS bits of MAP (bit i in byte i/8) as xl's print_bitmap: "all",
 * "none", or ranges "0-3,6". OUT is cut at LEN. */
void xlfmt_cpumap(const uint8_t *map, unsigned nbits, char *out, size_t len);

/* xl list's header line and one row (no newline). */
#define XLFMT_LIST_HEADER "Name                                        ID   Mem VCPUs\tState\tTime(s)"
void xlfmt_list_row(char *out, size_t len, const char *name, long long domid,
		    long long mem_mib, long long vcpus, const char *state, double time_s);

/* xl vcpu-list's header line and one row (no newline). */
#define XLFMT_VCPU_HEADER                                                                  \
	"Name                                ID  VCPU   CPU State   Time(s) Affinity (Hard / Soft)"
struct xlfmt_vcpu {
	const char *name;
	uint32_t domid, vcpu, cpu;
	bool online, running, blocked;
	double time_s;
	const char *hard, *soft; /* xlfmt_cpumap's text */
};
void xlfmt_vcpu_row(char *out, size_t len, const struct xlfmt_vcpu *v);

/* xl uptime's header line, the uptime text ("1 day,  2:03:04") and one row. */
#define XLFMT_UPTIME_HEADER "Name                                ID Uptime"
void xlfmt_uptime(uint64_t seconds, char *out, size_t len);
void xlfmt_uptime_row(char *out, size_t len, const char *name, long long domid,
		      uint64_t seconds);
#endif
