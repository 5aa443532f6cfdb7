/* uplink: links, bandwidth and guests of a bridge (see uplink.h). */
#include "uplink.h"
#include <stdio.h>
#include <string.h>

bool nt_nic_up(const struct nt_nic *n)
{
	return n->carrier == 1 || (n->carrier < 0 && !strcmp(n->operstate, "up"));
}

void nt_speed_text(long mbit, char *buf, size_t len)
{
	if (mbit < 0)
		snprintf(buf, len, "unknown speed");
	else if (mbit >= 1000 && mbit % 1000 == 0)
		snprintf(buf, len, "%ld GbE", mbit / 1000);
	else if (mbit >= 1000 && mbit % 100 == 0)
		snprintf(buf, len, "%ld.%ld GbE", mbit / 1000, (mbit % 1000) / 100);
	else
		snprintf(buf, len, "%ld Mbit/s", mbit);
}

const char *nt_bond_bridge(const struct nt_host *h, const struct nt_bond_policy *b)
{
	if (b->bridge[0])
		return b->bridge;
	const struct nt_nic *bond = nt_host_nic(h, b->name);
	if (bond && bond->master[0])
		return bond->master;
	for (size_t i = 0; i < b->n_nics; i++) {
		const struct nt_nic *n = nt_host_nic(h, b->nics[i]);
		if (!n || !n->master[0])
			continue;
		const struct nt_nic *m = nt_host_nic(h, n->master);
		if (m && m->kind == NT_NIC_BRIDGE)
			return m->name;
	}
	return "";
}

const struct nt_bond_policy *nt_policy_bond_for(const struct nt_host *h,
						 const struct nt_policy *p, const char *bridge)
{
	for (size_t i = 0; p && *bridge && i < p->n_bonds; i++)
		if (!strcmp(nt_bond_bridge(h, &p->bonds[i]), bridge))
			return &p->bonds[i];
	return NULL;
}

static void add_link(struct nt_uplink *u, const struct nt_nic *n)
{
	for (size_t i = 0; i < u->n_links; i++)
		if (u->links[i] == n)
			return;
	if (n && n->kind == NT_NIC_PHYS && u->n_links < NT_UPLINK_MAX)
		u->links[u->n_links++] = n;
}

void nt_uplink_of(const struct nt_host *h, const char *bridge, const struct nt_bond_policy *b,
		  struct nt_uplink *out)
{
	struct nt_uplink u = { .mode = NT_BOND_UNKNOWN, .numa_node = -1 };
	if (b) {
		u.mode = b->mode;
		for (size_t i = 0; i < b->n_nics; i++)
			add_link(&u, nt_host_nic(h, b->nics[i]));
	}
	/* Guests on the bridge, and (without B) its ports: NICs, or bonds and
	 * their members. Domids are counted with a bitmap: at most 32752. */
	static const size_t ndom = 0x8000;
	unsigned char seen[0x8000 / 8];
	memset(seen, 0, sizeof(seen));
	for (size_t i = 0; *bridge && i < h->n_nics; i++) {
		const struct nt_nic *n = &h->nics[i];
		if (strcmp(n->master, bridge))
			continue;
		if (n->kind == NT_NIC_VIF) {
			u.n_vifs++;
			if (n->domid >= 0 && (size_t)n->domid < ndom &&
			    !(seen[n->domid / 8] & (1u << (n->domid % 8)))) {
				seen[n->domid / 8] |= (unsigned char)(1u << (n->domid % 8));
				u.n_guests++;
			}
		} else if (!b && n->kind == NT_NIC_PHYS) {
			add_link(&u, n);
		} else if (!b && n->kind == NT_NIC_BOND) {
			u.mode = n->has_report ? n->bond.mode : NT_BOND_UNKNOWN;
			for (size_t j = 0; j < h->n_nics; j++)
				if (!strcmp(h->nics[j].master, n->name))
					add_link(&u, &h->nics[j]);
		}
	}
	/* A link with carrier whose driver reports no speed (virtio-net,
	 * some virtual and older NICs: -1) is up, of unknown speed: what the
	 * links give at once is then unknown too. */
	long sum = 0, max = 0, first = 0;
	bool same = true;
	for (size_t i = 0; i < u.n_links; i++) {
		const struct nt_nic *n = u.links[i];
		if (u.numa_node < 0)
			u.numa_node = n->numa_node;
		if (!nt_nic_up(n))
			continue;
		long sp = n->speed_mbit > 0 ? n->speed_mbit : -1;
		if (u.n_up++ == 0)
			first = sp;
		else if (first != sp)
			same = false;
		if (sp < 0) {
			u.n_unknown++;
			continue;
		}
		sum += sp;
		if (sp > max)
			max = sp;
	}
	bool one_at_a_time = u.mode == NT_BOND_ACTIVE_BACKUP || u.mode == NT_BOND_BROADCAST;
	u.usable_mbit = u.n_unknown ? -1 : one_at_a_time ? max : sum;
	char sp[32];
	size_t off = 0;
	if (u.n_up == 0)
		snprintf(u.what, sizeof(u.what), "no link up");
	else if (same) {
		nt_speed_text(first, sp, sizeof(sp));
		off = (size_t)snprintf(u.what, sizeof(u.what), "%zu×%s", u.n_up, sp);
	} else {
		for (size_t i = 0; i < u.n_links && off < sizeof(u.what); i++) {
			const struct nt_nic *n = u.links[i];
			if (!nt_nic_up(n))
				continue;
			nt_speed_text(n->speed_mbit > 0 ? n->speed_mbit : -1, sp, sizeof(sp));
			off += (size_t)snprintf(u.what + off, sizeof(u.what) - off, "%s%s",
						off ? " + " : "", sp);
		}
	}
	if (u.n_up > 1 && one_at_a_time && off < sizeof(u.what))
		snprintf(u.what + off, sizeof(u.what) - off, " in %s (one link at a time)",
			 nt_bond_mode_name(u.mode));
	*out = u;
}
