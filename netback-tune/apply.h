/*
 * apply: how netback-tune's plan (plan.h) is carried out, as the changes
 * lib/tuneapply.h journals and makes, and how its own undo records (links
 * and bonds, over netlink: linknl.h) are undone.
 *
 *   bond BOND                 create it (up, no members)
 *   bond BOND/mode, /xmit_hash_policy, /miimon
 *                             its options (a new mode: down, members out,
 *                             the mode, members back, up as it was)
 *   nic NIC/master            NIC down, out of its master, into the bond
 *                             (or none), up as it was
 *   bond BOND/master, BOND/mtu  the bond under its bridge, its MTU
 *   netback /sys/.../max_queues  the parameter written and kept in the
 *                             option line of /etc/modprobe.d/xcd-netback.conf
 *                             for the module's next load; when netback is
 *                             not loaded, that option line only
 *   vif-queue VIF-qN          each thread of the queue (a kernel thread of
 *                             its name when the host was read, checked
 *                             again, name and kernel thread, before it is
 *                             moved) and each of its IRQs'
 *                             smp_affinity_list to the CPU
 *
 * Bonds and NICs are changed in xcdd's own network namespace: refused up
 * front (nothing applied) unless SYSROOT/sys is sysfs and shows the same
 * interfaces (by index) as netlink does.
 */
#ifndef XCD_NT_APPLY_H
#define XCD_NT_APPLY_H
#include "../lib/tuneapply.h"
#include "nethost.h"

#define NT_MODPROBE_FILE "etc/modprobe.d/xcd-netback.conf"

struct nl_sock;
struct nt_apply {
	struct ta_ext ext; /* ctx->ext = &a->ext */
	struct nl_sock *sk; /* opened on first use */
};

void nt_apply_init(struct nt_apply *a);
void nt_apply_fini(struct nt_apply *a);

/*
 * The changes (*OUT, N of them; free each with ta_change_free, then the
 * array) that make PLAN's changes on H, the host read under C's sysroot.
 * 0, or -errno with ERR saying what cannot be done; nothing is changed.
 */
int nt_apply_changes(struct ta_ctx *c, struct nt_apply *a, const struct nt_host *h,
		     const struct tune_plan *plan, struct ta_change **out, size_t *n, char *err,
		     size_t errlen);
#endif
