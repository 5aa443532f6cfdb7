/*
 * plan: what netback-tune proposes for a host under a policy, as a
 * lib/tuneplan.h plan. Changes come in the order apply must make them:
 *
 *   area "bond", object BOND            from ""        to "bond"     create it
 *   area "bond", object BOND/mode       from MODE      to MODE       set while down, no members
 *   area "bond", object BOND/xmit_hash_policy, BOND/miimon           likewise
 *   area "nic",  object NIC/master      from MASTER    to BOND|""    enslave (NIC down first) or release
 *   area "bond", object BOND/master     from MASTER    to BRIDGE     the bond under the guests' bridge
 *   area "bond", object BOND/mtu        from MTU       to MTU
 *   area "netback", object NT_NB_PARAM_DIR/max_queues (with a leading /)
 *                                       from N         to N          written at run time; on_reload when
 *                                                                    the module is not loaded (modprobe.d)
 *   area "vif-queue", object VIF-qN     from "guest-rx=L,dealloc=L,tx=L,rx=L" (the found ones)
 *                                       to CPU                       threads (kernel threads, by name prefix) and
 *                                                                    IRQs (by name) pinned to CPU
 *
 * `from` is what revert restores. Items that touch management_nic (or the
 * bond holding it) are risky. Warnings: area "bandwidth" (object: bridge),
 * "bond" (one member, a member down), "nic" (speed unknown).
 */
#ifndef XCD_NT_PLAN_H
#define XCD_NT_PLAN_H
#include "../lib/tuneplan.h"
#include "nethost.h"
#include "policy.h"

/* netfront's default queue count per vif is at most 8 (MAX_QUEUES_DEFAULT):
 * "auto" asks for no more, and no more than dom0's CPUs near the NICs. */
#define NT_AUTO_QUEUES_MAX 8

/* Fills OUT (initialised by the caller) with the plan. 0 or -ENOMEM. */
int nt_plan(const struct nt_host *h, const struct nt_policy *p, struct tune_plan *out);
/* The max_queues the policy wants on this host ("auto" resolved), and the
 * CPUs the guests' queues go to (those of the uplinks' NUMA node). */
long nt_plan_want_queues(const struct nt_host *h, const struct nt_policy *p);
#endif
