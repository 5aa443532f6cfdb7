/*
 * bonding: the parser of /proc/net/bonding/BOND, the Linux bonding driver's
 * report of a bond (mode, hash policy, MII monitoring, each member's link,
 * and with 802.3ad the LACP partner). Outside input: the parser is strict
 * on what it uses, bounded in size, line length and member count, and
 * fuzzed (fuzz/netback-tune/). Lines it does not use are skipped, since
 * kernel versions add lines.
 */
#ifndef XCD_NT_BONDING_H
#define XCD_NT_BONDING_H
#include <stdbool.h>
#include <stddef.h>

#define NT_BOND_MAX_SIZE (256u << 10)
#define NT_BOND_MAX_LINE 512
#define NT_BOND_MAX_SLAVES 64
#define NT_IFNAMSIZ 16 /* the kernel's IFNAMSIZ: 15 characters and the NUL */

/* The kernel's mode numbers (bonding.rst). */
enum nt_bond_mode {
	NT_BOND_UNKNOWN = -1,
	NT_BOND_BALANCE_RR = 0,
	NT_BOND_ACTIVE_BACKUP = 1,
	NT_BOND_BALANCE_XOR = 2,
	NT_BOND_BROADCAST = 3,
	NT_BOND_8023AD = 4,
	NT_BOND_BALANCE_TLB = 5,
	NT_BOND_BALANCE_ALB = 6,
};

struct nt_bond_slave {
	char name[NT_IFNAMSIZ];
	bool mii_up;
	int speed_mbit; /* -1: "Unknown" */
	unsigned link_failures;
	int aggregator_id; /* 802.3ad; -1 when not given */
	char partner_mac[18]; /* 802.3ad: the partner's system MAC ("" unknown) */
};

struct nt_bond_info {
	enum nt_bond_mode mode;
	char hash_policy[24]; /* "layer3+4" ("" when the mode has none) */
	bool mii_up;
	int miimon_ms; /* -1 when not given */
	char active_slave[NT_IFNAMSIZ]; /* active-backup, tlb, alb */
	/* 802.3ad: the active aggregator's partner ("00:00:00:00:00:00" when
	 * no switch answered LACP) and its ID. */
	bool lacp;
	char partner_mac[18];
	int active_aggregator;
	struct nt_bond_slave *slaves;
	size_t n_slaves;
};

/*
 * Parses TEXT (LEN bytes) into *OUT. On error returns -EINVAL (or
 * -E2BIG/-ENOMEM) and writes "line N: what" into ERR; *OUT is then empty.
 */
int nt_bonding_parse(const char *text, size_t len, struct nt_bond_info *out, char *err,
		     size_t errlen);
void nt_bond_info_free(struct nt_bond_info *b);

/* "802.3ad", "active-backup", ...: the names of sysfs and of io.conf. */
const char *nt_bond_mode_name(enum nt_bond_mode m);
/* From a name or the kernel's number as text; NT_BOND_UNKNOWN otherwise. */
enum nt_bond_mode nt_bond_mode_from_name(const char *s);
#endif
