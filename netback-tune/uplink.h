/*
 * uplink: what a bridge's guests share: the physical links under the
 * bridge (directly, or as members of a bond in it), the bandwidth those
 * links give at once in the bond's mode, and the guests with a vif on it.
 * Used by plan, verify and show alike, so that they tell the same figure.
 */
#ifndef XCD_NT_UPLINK_H
#define XCD_NT_UPLINK_H
#include "nethost.h"
#include "policy.h"
#include <stddef.h>

#define NT_UPLINK_MAX 64

struct nt_uplink {
	const struct nt_nic *links[NT_UPLINK_MAX]; /* physical NICs */
	size_t n_links;
	size_t n_up;      /* with carrier */
	size_t n_unknown; /* of those, how many report no speed (virtio-net: -1) */
	long usable_mbit; /* at once, in the bond's mode (one link for active-backup);
			   * -1 when a link up has no known speed */
	enum nt_bond_mode mode; /* NT_BOND_UNKNOWN: no bond, a NIC in the bridge */
	char what[96];    /* "2×1 GbE", "2×1 GbE in active-backup (one link at a time)",
			   * "2×unknown speed" */
	int numa_node;    /* of the first link that has one, else -1 */
	size_t n_guests;  /* distinct domids with a vif on the bridge */
	size_t n_vifs;
};

/*
 * The uplink of BRIDGE as the host has it now or, when POLICY puts bond B
 * under it (B non-NULL), as it will be once B is made: B's NICs in B's mode.
 */
void nt_uplink_of(const struct nt_host *h, const char *bridge, const struct nt_bond_policy *b,
		  struct nt_uplink *out);
/* The policy bond under BRIDGE (explicit, or inferred as the plan does), or NULL. */
const struct nt_bond_policy *nt_policy_bond_for(const struct nt_host *h,
						 const struct nt_policy *p, const char *bridge);
/* The bridge policy bond B goes under: B's bridge=, else the bridge its
 * first NIC is in now, else "". */
const char *nt_bond_bridge(const struct nt_host *h, const struct nt_bond_policy *b);
/* "1 GbE", "10 GbE", "100 Mbit/s", "2.5 GbE" into BUF. */
void nt_speed_text(long mbit, char *buf, size_t len);
/* Whether a link is up: carrier 1 (or operstate up when carrier is unknown). */
bool nt_nic_up(const struct nt_nic *n);
#endif
