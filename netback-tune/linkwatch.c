/* linkwatch: rtnetlink's link messages and the table of interfaces (see
 * linkwatch.h). */
#include "linkwatch.h"
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef IFF_LOWER_UP /* linux/if.h's, which net/if.h leaves out */
#define IFF_LOWER_UP 0x10000
#endif

/* A string attribute into BUF (SIZE bytes, NUL-terminated); without one,
 * "". The policy checked its length and its NUL already. */
static void attr_str(const struct nlattr *a, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!a)
		return;
	size_t n = strnlen(nla_data(a), (size_t)nla_len(a));
	if (n >= size)
		n = size - 1;
	memcpy(buf, nla_data(a), n);
	buf[n] = '\0';
}

static void parse_kind(struct nlattr *li, struct nt_linkmsg *out)
{
	static struct nla_policy pol[IFLA_INFO_MAX + 1] = {
		[IFLA_INFO_KIND] = { .type = NLA_STRING, .maxlen = 16 },
	};
	struct nlattr *tb[IFLA_INFO_MAX + 1];
	if (nla_parse_nested(tb, IFLA_INFO_MAX, li, pol) == 0)
		attr_str(tb[IFLA_INFO_KIND], out->kind, sizeof(out->kind));
}

/* What the host reader takes besides (linkdump.h): the policy checked the
 * integers' sizes; an address is kept when it fits. */
static void parse_state(struct nlattr **tb, struct nt_linkmsg *out)
{
	if (tb[IFLA_MTU])
		out->mtu = (long)nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_OPERSTATE])
		out->operstate = nla_get_u8(tb[IFLA_OPERSTATE]);
	if (tb[IFLA_CARRIER])
		out->carrier = nla_get_u8(tb[IFLA_CARRIER]) ? 1 : 0;
	if (tb[IFLA_ADDRESS] && nla_len(tb[IFLA_ADDRESS]) > 0 &&
	    (size_t)nla_len(tb[IFLA_ADDRESS]) <= sizeof(out->addr)) {
		out->addr_len = (unsigned)nla_len(tb[IFLA_ADDRESS]);
		memcpy(out->addr, nla_data(tb[IFLA_ADDRESS]), out->addr_len);
	}
	attr_str(tb[IFLA_PARENT_DEV_NAME], out->parent, sizeof(out->parent));
}

int nt_linkmsg_parse(const void *buf, size_t len, struct nt_linkmsg *out)
{
	static struct nla_policy pol[IFLA_MAX + 1] = {
		[IFLA_IFNAME] = { .type = NLA_STRING, .maxlen = IFNAMSIZ },
		[IFLA_MASTER] = { .type = NLA_U32 },
		[IFLA_IFALIAS] = { .type = NLA_STRING, .maxlen = 256 },
		[IFLA_LINKINFO] = { .type = NLA_NESTED },
		[IFLA_MTU] = { .type = NLA_U32 },
		[IFLA_OPERSTATE] = { .type = NLA_U8 },
		[IFLA_CARRIER] = { .type = NLA_U8 },
		[IFLA_ADDRESS] = { .type = NLA_UNSPEC },
		[IFLA_PARENT_DEV_NAME] = { .type = NLA_STRING, .maxlen = 256 },
	};
	memset(out, 0, sizeof(*out));
	out->mtu = out->operstate = out->carrier = -1;
	const struct nlmsghdr *h = buf;
	if (len < sizeof(*h) || h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len)
		return -EINVAL;
	if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK)
		return 0;
	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(struct ifinfomsg)))
		return -EINVAL;
	/* nlmsg_parse takes a mutable header; it does not write to it. */
	struct nlmsghdr *mh = (struct nlmsghdr *)h;
	const struct ifinfomsg *ifi = nlmsg_data(mh);
	struct nlattr *tb[IFLA_MAX + 1];
	if (nlmsg_parse(mh, sizeof(*ifi), tb, IFLA_MAX, pol) < 0 || !tb[IFLA_IFNAME] ||
	    ifi->ifi_index <= 0)
		return -EINVAL;
	out->del = h->nlmsg_type == RTM_DELLINK;
	out->ifindex = ifi->ifi_index;
	out->flags = ifi->ifi_flags;
	attr_str(tb[IFLA_IFNAME], out->name, sizeof(out->name));
	if (!out->name[0])
		return -EINVAL;
	if (tb[IFLA_MASTER]) {
		uint32_t m = nla_get_u32(tb[IFLA_MASTER]);
		out->master = m > 0 && m <= 0x7fffffff ? (int)m : 0;
	}
	attr_str(tb[IFLA_IFALIAS], out->alias, sizeof(out->alias));
	if (tb[IFLA_LINKINFO])
		parse_kind(tb[IFLA_LINKINFO], out);
	parse_state(tb, out);
	return 1;
}

const struct nlmsghdr *nt_nlmsg_next(const void *buf, size_t len, size_t *off)
{
	if (*off > len || len - *off < sizeof(struct nlmsghdr))
		return NULL;
	const struct nlmsghdr *h = (const void *)((const char *)buf + *off);
	if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > len - *off)
		return NULL;
	*off += NLMSG_ALIGN(h->nlmsg_len);
	return h;
}

/* "PREFIX<domid>.<devid>" exactly, domid in 1..32751. */
static bool guest_name(const char *s, const char *prefix, unsigned *domid)
{
	size_t pl = strlen(prefix);
	unsigned d, n;
	int end = 0;
	if (strncmp(s, prefix, pl) || s[pl] < '0' || s[pl] > '9' ||
	    sscanf(s + pl, "%u.%u%n", &d, &n, &end) != 2 || s[pl + (size_t)end] || d == 0 ||
	    d > 0x7fef)
		return false;
	if (domid)
		*domid = d;
	return true;
}

bool nt_link_guest(const char *name, const char *alias, unsigned *domid)
{
	return guest_name(name, "vif", domid) || guest_name(name, "tap", domid) ||
	       guest_name(alias, "xcd vif ", domid);
}

bool nt_link_up(unsigned flags)
{
	return (flags & IFF_UP) && (flags & IFF_LOWER_UP);
}

void nt_linktab_free(struct nt_linktab *t)
{
	free(t->l);
	memset(t, 0, sizeof(*t));
}

/* The index where IFINDEX is or would go. */
static size_t slot(const struct nt_linktab *t, int ifindex)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (t->l[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct nt_linkmsg *nt_linktab_get(const struct nt_linktab *t, int ifindex)
{
	size_t i = slot(t, ifindex);
	return i < t->n && t->l[i].ifindex == ifindex ? &t->l[i] : NULL;
}

/* An uplink's state as a refresh sees it. */
static bool uplink(const struct nt_linkmsg *l)
{
	return l && l->master && !nt_link_guest(l->name, l->alias, NULL);
}

int nt_linktab_update(struct nt_linktab *t, const struct nt_linkmsg *m, bool *up_changed)
{
	size_t i = slot(t, m->ifindex);
	struct nt_linkmsg *old = i < t->n && t->l[i].ifindex == m->ifindex ? &t->l[i] : NULL;
	*up_changed = false;
	if (m->del) {
		*up_changed = uplink(old);
		if (old) {
			memmove(&t->l[i], &t->l[i + 1], (t->n - i - 1) * sizeof(*t->l));
			t->n--;
		}
		return 0;
	}
	if (old) {
		*up_changed = (uplink(old) || uplink(m)) &&
			      (old->master != m->master ||
			       nt_link_up(old->flags) != nt_link_up(m->flags) ||
			       strcmp(old->name, m->name) != 0);
		*old = *m;
		return 0;
	}
	if (t->n == NT_LINKTAB_MAX)
		return -E2BIG;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct nt_linkmsg *nl = realloc(t->l, cap * sizeof(*nl));
		if (!nl)
			return -ENOMEM;
		t->l = nl;
		t->cap = cap;
	}
	memmove(&t->l[i + 1], &t->l[i], (t->n - i) * sizeof(*t->l));
	t->l[i] = *m;
	t->n++;
	*up_changed = uplink(m);
	return 0;
}
