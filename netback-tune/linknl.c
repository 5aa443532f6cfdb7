/* linknl: interfaces over rtnetlink with libnl (see linknl.h). */
#include "linknl.h"
#include <errno.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bonding.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const hash_names[] = { "layer2", "layer3+4", "layer2+3", "encap2+3",
					  "encap3+4", "vlan+srcmac" };

int nt_bond_hash_from_name(const char *s)
{
	for (int i = 0; i < (int)(sizeof(hash_names) / sizeof(hash_names[0])); i++)
		if (!strcmp(hash_names[i], s))
			return i;
	return -1;
}

const char *nt_bond_hash_name(int h)
{
	return h >= 0 && h < (int)(sizeof(hash_names) / sizeof(hash_names[0])) ? hash_names[h] : "";
}

/* A libnl error as an errno, and its text in ERR after WHAT. */
static int nlfail(int nlerr, char *err, size_t errlen, const char *fmt, const char *name)
{
	char what[96];
	snprintf(what, sizeof(what), fmt, name);
	snprintf(err, errlen, "%s: %s", what, nl_geterror(nlerr));
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NODEV: return -ENODEV;
	case NLE_EXIST: return -EEXIST;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_PERM: return -EPERM;
	case NLE_BUSY: return -EBUSY;
	case NLE_NOMEM: return -ENOMEM;
	case NLE_INVAL: return -EINVAL;
	default: return -EIO;
	}
}

int nt_nl_open(struct nl_sock **sk, char *err, size_t errlen)
{
	*sk = nl_socket_alloc();
	if (!*sk) {
		snprintf(err, errlen, "netlink: out of memory");
		return -ENOMEM;
	}
	int rc = nl_connect(*sk, NETLINK_ROUTE);
	if (rc < 0) {
		nl_socket_free(*sk);
		*sk = NULL;
		return nlfail(rc, err, errlen, "%s", "netlink: connect");
	}
	return 0;
}

void nt_nl_close(struct nl_sock *sk)
{
	if (sk)
		nl_socket_free(sk);
}

/* ---- reading: RTM_GETLINK, parsed here (libnl-route 3.7 does not read a
 * bond's IFLA_INFO_DATA) ---- */

struct get_arg {
	struct nt_link *one;	/* a single interface */
	int master_ifindex;	/* a dump: collect those with this master */
	char (*names)[NT_IFNAMSIZ];
	size_t max, n;
};

static void parse_bond(struct nlattr *data, struct nt_link *l)
{
	struct nlattr *tb[IFLA_BOND_MAX + 1];
	if (nla_parse_nested(tb, IFLA_BOND_MAX, data, NULL) < 0)
		return;
	if (tb[IFLA_BOND_MODE])
		l->mode = nla_get_u8(tb[IFLA_BOND_MODE]);
	if (tb[IFLA_BOND_MIIMON])
		l->miimon = (int)nla_get_u32(tb[IFLA_BOND_MIIMON]);
	if (tb[IFLA_BOND_XMIT_HASH_POLICY])
		l->hash = nla_get_u8(tb[IFLA_BOND_XMIT_HASH_POLICY]);
}

static void parse_linkinfo(struct nlattr *li, struct nt_link *l)
{
	struct nlattr *tb[IFLA_INFO_MAX + 1];
	if (nla_parse_nested(tb, IFLA_INFO_MAX, li, NULL) < 0)
		return;
	if (tb[IFLA_INFO_KIND])
		snprintf(l->kind, sizeof(l->kind), "%.*s", nla_len(tb[IFLA_INFO_KIND]),
			 (const char *)nla_data(tb[IFLA_INFO_KIND]));
	if (!strcmp(l->kind, "bond") && tb[IFLA_INFO_DATA])
		parse_bond(tb[IFLA_INFO_DATA], l);
}

static int on_link(struct nl_msg *msg, void *arg)
{
	struct get_arg *a = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	if (h->nlmsg_type != RTM_NEWLINK)
		return NL_SKIP;
	struct ifinfomsg *ifi = nlmsg_data(h);
	struct nlattr *tb[IFLA_MAX + 1];
	if (nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, NULL) < 0 || !tb[IFLA_IFNAME])
		return NL_SKIP;
	int master = tb[IFLA_MASTER] ? (int)nla_get_u32(tb[IFLA_MASTER]) : 0;
	if (!a->one) {
		if (master == a->master_ifindex && master && a->n < a->max)
			snprintf(a->names[a->n++], NT_IFNAMSIZ, "%s", nla_get_string(tb[IFLA_IFNAME]));
		return NL_OK;
	}
	struct nt_link *l = a->one;
	l->exists = true;
	l->ifindex = ifi->ifi_index;
	l->up = (ifi->ifi_flags & IFF_UP) != 0;
	l->mtu = tb[IFLA_MTU] ? (long)nla_get_u32(tb[IFLA_MTU]) : -1;
	if (master && !if_indextoname((unsigned)master, l->master))
		snprintf(l->master, sizeof(l->master), "?%d", master);
	if (tb[IFLA_LINKINFO])
		parse_linkinfo(tb[IFLA_LINKINFO], l);
	return NL_OK;
}

/* One interface (then its acknowledgement, so that none is left to be
 * taken for the answer to the next request), or a dump (which ends with
 * NLMSG_DONE and asks for none). */
static int get_req(struct nl_sock *sk, const char *name, bool dump, struct get_arg *a)
{
	struct nl_msg *m = nlmsg_alloc_simple(RTM_GETLINK, dump ? NLM_F_DUMP : 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	if (!m)
		return -NLE_NOMEM;
	int rc = nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (rc == 0 && name)
		rc = nla_put_string(m, IFLA_IFNAME, name);
	if (dump)
		nl_socket_disable_auto_ack(sk);
	if (rc == 0)
		rc = nl_send_auto(sk, m);
	nlmsg_free(m);
	struct nl_cb *cb = rc < 0 ? NULL : nl_cb_alloc(NL_CB_DEFAULT);
	if (cb) {
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_link, a);
		rc = nl_recvmsgs(sk, cb);
		nl_cb_put(cb);
		if (rc >= 0 && !dump)
			rc = nl_wait_for_ack(sk);
	} else if (rc >= 0) {
		rc = -NLE_NOMEM;
	}
	if (dump)
		nl_socket_enable_auto_ack(sk);
	return rc < 0 ? rc : 0;
}

int nt_nl_get(struct nl_sock *sk, const char *name, struct nt_link *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->mtu = -1;
	out->mode = out->miimon = out->hash = -1;
	struct get_arg a = { .one = out };
	int rc = get_req(sk, name, false, &a);
	if (rc == -NLE_NODEV || rc == -NLE_OBJ_NOTFOUND) {
		memset(out, 0, sizeof(*out));
		out->mtu = -1;
		out->mode = out->miimon = out->hash = -1;
		return 0;
	}
	return rc < 0 ? nlfail(rc, err, errlen, "%s: read", name) : 0;
}

static int cmp_names(const void *a, const void *b) { return strcmp(a, b); }

int nt_nl_members(struct nl_sock *sk, const char *name, char (*names)[NT_IFNAMSIZ], size_t max,
		  size_t *n, char *err, size_t errlen)
{
	struct nt_link l;
	int rc = nt_nl_get(sk, name, &l, err, errlen);
	*n = 0;
	if (rc || !l.exists)
		return rc;
	struct get_arg a = { .master_ifindex = l.ifindex, .names = names, .max = max };
	if ((rc = get_req(sk, NULL, true, &a)) < 0)
		return nlfail(rc, err, errlen, "%s: list its members", name);
	qsort(names, a.n, NT_IFNAMSIZ, cmp_names);
	*n = a.n;
	return 0;
}

/* ---- changes ---- */

/* The kernel's object for NAME (rtnl_link_put it). */
static int kernel_link(struct nl_sock *sk, const char *name, struct rtnl_link **out, char *err,
		       size_t errlen)
{
	int rc = rtnl_link_get_kernel(sk, 0, name, out);
	return rc < 0 ? nlfail(rc, err, errlen, "%s", name) : 0;
}

int nt_nl_bond_create(struct nl_sock *sk, const char *name, char *err, size_t errlen)
{
	int rc = rtnl_link_bond_add(sk, name, NULL);
	if (rc < 0) {
		int e = nlfail(rc, err, errlen, "create bond %s", name);
		if (e == -EOPNOTSUPP) {
			size_t l = strlen(err);
			snprintf(err + l, errlen - l, " (this kernel has no bonding driver)");
		}
		return e;
	}
	return 0;
}

int nt_nl_bond_options(struct nl_sock *sk, const char *name, int mode, int miimon, int hash,
		       char *err, size_t errlen)
{
	struct nt_link l;
	int rc = nt_nl_get(sk, name, &l, err, errlen);
	if (rc)
		return rc;
	if (!l.exists) {
		snprintf(err, errlen, "bond %s: no such interface", name);
		return -ENODEV;
	}
	struct nl_msg *m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = l.ifindex };
	if (!m)
		return nlfail(-NLE_NOMEM, err, errlen, "bond %s", name);
	struct nlattr *li, *data;
	rc = nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	if (rc == 0 && (!(li = nla_nest_start(m, IFLA_LINKINFO)) ||
			nla_put_string(m, IFLA_INFO_KIND, "bond") < 0 ||
			!(data = nla_nest_start(m, IFLA_INFO_DATA)) ||
			(mode >= 0 && nla_put_u8(m, IFLA_BOND_MODE, (uint8_t)mode) < 0) ||
			(miimon >= 0 && nla_put_u32(m, IFLA_BOND_MIIMON, (uint32_t)miimon) < 0) ||
			(hash >= 0 && nla_put_u8(m, IFLA_BOND_XMIT_HASH_POLICY, (uint8_t)hash) < 0) ||
			nla_nest_end(m, data) < 0 || nla_nest_end(m, li) < 0))
		rc = -NLE_NOMEM;
	if (rc < 0) {
		nlmsg_free(m);
		return nlfail(rc, err, errlen, "bond %s: options", name);
	}
	rc = nl_send_sync(sk, m); /* frees M */
	if (rc < 0) {
		char what[64];
		snprintf(what, sizeof(what), "bond %%s: mode %s, miimon %d, xmit_hash_policy %s",
			 mode >= 0 ? nt_bond_mode_name((enum nt_bond_mode)mode) : "(same)", miimon,
			 hash >= 0 ? nt_bond_hash_name(hash) : "(same)");
		return nlfail(rc, err, errlen, what, name);
	}
	return 0;
}

int nt_nl_set_master(struct nl_sock *sk, const char *name, const char *master, char *err,
		     size_t errlen)
{
	struct rtnl_link *l = NULL, *ch = NULL;
	int rc = kernel_link(sk, name, &l, err, errlen);
	if (rc)
		return rc;
	int mi = 0;
	if (*master) {
		struct rtnl_link *m = NULL;
		if ((rc = kernel_link(sk, master, &m, err, errlen))) {
			rtnl_link_put(l);
			return rc;
		}
		mi = rtnl_link_get_ifindex(m);
		rtnl_link_put(m);
	}
	if (!(ch = rtnl_link_alloc())) {
		rtnl_link_put(l);
		return nlfail(-NLE_NOMEM, err, errlen, "%s", name);
	}
	rtnl_link_set_master(ch, mi);
	rc = rtnl_link_change(sk, l, ch, 0);
	rtnl_link_put(ch);
	rtnl_link_put(l);
	if (rc < 0) {
		char what[64];
		snprintf(what, sizeof(what), *master ? "%%s into %s" : "%%s out of its master", master);
		return nlfail(rc, err, errlen, what, name);
	}
	return 0;
}

static int change(struct nl_sock *sk, const char *name, long mtu, int up, char *err,
		  size_t errlen)
{
	struct rtnl_link *l = NULL, *ch = NULL;
	int rc = kernel_link(sk, name, &l, err, errlen);
	if (rc)
		return rc;
	if (!(ch = rtnl_link_alloc())) {
		rtnl_link_put(l);
		return nlfail(-NLE_NOMEM, err, errlen, "%s", name);
	}
	if (mtu > 0)
		rtnl_link_set_mtu(ch, (unsigned)mtu);
	if (up > 0)
		rtnl_link_set_flags(ch, IFF_UP);
	else if (up == 0)
		rtnl_link_unset_flags(ch, IFF_UP);
	rc = rtnl_link_change(sk, l, ch, 0);
	rtnl_link_put(ch);
	rtnl_link_put(l);
	if (rc < 0) {
		char what[64];
		if (mtu > 0)
			snprintf(what, sizeof(what), "%%s: MTU %ld", mtu);
		else
			snprintf(what, sizeof(what), "%%s: %s", up ? "up" : "down");
		return nlfail(rc, err, errlen, what, name);
	}
	return 0;
}

int nt_nl_set_mtu(struct nl_sock *sk, const char *name, long mtu, char *err, size_t errlen)
{
	return change(sk, name, mtu, -1, err, errlen);
}

int nt_nl_set_up(struct nl_sock *sk, const char *name, bool up, char *err, size_t errlen)
{
	return change(sk, name, 0, up, err, errlen);
}

int nt_nl_delete(struct nl_sock *sk, const char *name, char *err, size_t errlen)
{
	struct rtnl_link *l = NULL;
	int rc = kernel_link(sk, name, &l, err, errlen);
	if (rc)
		return rc;
	rc = rtnl_link_delete(sk, l);
	rtnl_link_put(l);
	return rc < 0 ? nlfail(rc, err, errlen, "delete %s", name) : 0;
}
