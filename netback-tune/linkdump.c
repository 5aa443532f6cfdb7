/* linkdump: the interfaces from one rtnetlink dump (see linkdump.h), and
 * nethost.h's NICs made of them. */
#include "linkdump.h"
#include "nethost.h"
#include "sysfile.h"
#include <errno.h>
#include <linux/if.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DUMP_TRIES 3

const char *nt_operstate_name(int operstate)
{
	/* include/linux/netdevice.h's IF_OPER_*, as net-sysfs.c names them */
	static const char *const names[] = { "unknown", "notpresent", "down",	"lowerlayerdown",
					     "testing", "dormant",    "up" };
	return operstate >= 0 && operstate < (int)(sizeof(names) / sizeof(names[0]))
		       ? names[operstate]
		       : "unknown";
}

void nt_link_address(const struct nt_linkmsg *l, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	buf[0] = '\0';
	if (!size || l->addr_len == 0 || (size_t)l->addr_len * 3 > size)
		return;
	char *p = buf;
	for (unsigned i = 0; i < l->addr_len; i++) {
		*p++ = hex[l->addr[i] >> 4];
		*p++ = hex[l->addr[i] & 15];
		*p++ = i + 1 < l->addr_len ? ':' : '\0';
	}
}

struct dump_arg {
	struct nt_linktab *t;
	int rc; /* -ENOMEM, -E2BIG */
};

static int on_msg(struct nl_msg *msg, void *arg)
{
	struct dump_arg *a = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nt_linkmsg m;
	bool changed;
	if (nt_linkmsg_parse(h, h->nlmsg_len, &m) != 1 || m.del)
		return NL_SKIP; /* not an interface's: the parser is strict */
	int rc = nt_linktab_update(a->t, &m, &changed);
	if (rc) {
		a->rc = rc;
		return NL_STOP;
	}
	return NL_OK;
}

/* One dump on SK into T: 0, a libnl error (negative NLE_*), or A's rc. */
static int dump_once(struct nl_sock *sk, struct nt_linktab *t)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct dump_arg a = { t, 0 };
	int rc = nl_send_simple(sk, RTM_GETLINK, NLM_F_DUMP, &ifi, sizeof(ifi));
	if (rc < 0)
		return rc;
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -NLE_NOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_msg, &a);
	rc = nl_recvmsgs(sk, cb);
	nl_cb_put(cb);
	return a.rc ? a.rc : rc < 0 ? rc : 0;
}

int nt_linkdump_read(struct nt_linktab *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk) {
		snprintf(err, errlen, "netlink: out of memory");
		return -ENOMEM;
	}
	int rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc == 0) {
		/* a dump's datagrams are up to a page or two each: one read
		 * each, without peeking at its size first */
		nl_socket_disable_msg_peek(sk);
		rc = nl_socket_set_msg_buf_size(sk, 32768);
	}
	for (int i = 0; rc == 0 && i < DUMP_TRIES; i++) {
		if ((rc = dump_once(sk, t)) != -NLE_DUMP_INTR)
			break;
		nt_linktab_free(t);
	}
	nl_socket_free(sk);
	if (rc == 0)
		return 0;
	nt_linktab_free(t);
	if (rc == -ENOMEM || rc == -E2BIG) {
		snprintf(err, errlen, "netlink: interfaces: %s", strerror(-rc));
		return rc;
	}
	snprintf(err, errlen, "netlink: dump of the interfaces: %s", nl_geterror(rc));
	return -EIO;
}

/* What the dump tells of one interface L, as sysfs would; the master's
 * name from T. */
static void nic_from_link(const struct nt_linktab *t, const struct nt_linkmsg *l,
			  struct nt_nic *n)
{
	nt_nic_init(n);
	snprintf(n->name, sizeof(n->name), "%s", l->name);
	if (l->parent[0] && nt_vif_ids(l->parent, &n->domid, &n->devid) == 0)
		n->kind = NT_NIC_VIF;
	else if (!strcmp(l->kind, "bond"))
		n->kind = NT_NIC_BOND;
	else if (!strcmp(l->kind, "bridge"))
		n->kind = NT_NIC_BRIDGE;
	else if (l->parent[0])
		n->kind = NT_NIC_PHYS;
	else
		n->kind = NT_NIC_OTHER;
	/* sysfs: operstate "down" and no carrier when the device is not
	 * running; the dump sends the former so, the latter as it is */
	snprintf(n->operstate, sizeof(n->operstate), "%s", nt_operstate_name(l->operstate));
	if ((l->flags & IFF_UP) && (l->carrier == 0 || l->carrier == 1))
		n->carrier = l->carrier;
	if (l->mtu > 0 && l->mtu <= 65536)
		n->mtu = l->mtu;
	nt_link_address(l, n->address, sizeof(n->address));
	const struct nt_linkmsg *m = l->master ? nt_linktab_get(t, l->master) : NULL;
	if (m)
		snprintf(n->master, sizeof(n->master), "%s", m->name);
}

static int cmp_nic_name(const void *a, const void *b)
{
	return strcmp(((const struct nt_nic *)a)->name, ((const struct nt_nic *)b)->name);
}

int nt_read_nics_dump(struct nt_host *h, const struct sysroot *r, const struct sysroot *net,
		      char *err, size_t errlen)
{
	struct nt_linktab t;
	int rc = nt_linkdump_read(&t, err, errlen);
	if (rc)
		return rc;
	h->nics = calloc(t.n ? t.n : 1, sizeof(*h->nics));
	if (!h->nics) {
		nt_linktab_free(&t);
		snprintf(err, errlen, "reading the host: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (size_t i = 0; i < t.n; i++)
		nic_from_link(&t, &t.l[i], &h->nics[h->n_nics++]);
	nt_linktab_free(&t);
	qsort(h->nics, h->n_nics, sizeof(*h->nics), cmp_nic_name);
	for (size_t i = 0; i < h->n_nics && rc == 0; i++) {
		struct nt_nic *n = &h->nics[i];
		char prefix[NT_IFNAMSIZ + 1];
		if (n->kind == NT_NIC_OTHER || n->kind == NT_NIC_BRIDGE)
			continue; /* nothing more to read */
		snprintf(prefix, sizeof(prefix), "%s/", n->name);
		rc = nt_nic_extras(h, r, net, prefix, n);
	}
	if (rc)
		snprintf(err, errlen, "reading the host: %s", strerror(-rc));
	return rc;
}
