/* test_linkwatch: rtnetlink's link messages and the table of interfaces
 * (netback-tune/linkwatch.c). */
#include "../../../netback-tune/linkdump.h"
#include "../../../netback-tune/linkwatch.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include "util.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <string.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#define UP (IFF_UP | IFF_LOWER_UP)

/* A link message as the kernel sends one (KIND, ALIAS: "" none; MASTER 0:
 * none; NAME NULL: no name). The caller frees it with nlmsg_free. */
static struct nl_msg *link_msg(int type, int index, const char *name, unsigned flags, int master,
			       const char *kind, const char *alias)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, 0);
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = flags };
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_EQUAL_FATAL(nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO), 0);
	if (name)
		CU_ASSERT_EQUAL(nla_put_string(m, IFLA_IFNAME, name), 0);
	if (master)
		CU_ASSERT_EQUAL(nla_put_u32(m, IFLA_MASTER, (uint32_t)master), 0);
	if (*alias)
		CU_ASSERT_EQUAL(nla_put_string(m, IFLA_IFALIAS, alias), 0);
	if (*kind) {
		struct nlattr *li = nla_nest_start(m, IFLA_LINKINFO);
		CU_ASSERT_EQUAL(nla_put_string(m, IFLA_INFO_KIND, kind), 0);
		nla_nest_end(m, li);
	}
	return m;
}

static int parse(struct nl_msg *m, struct nt_linkmsg *out)
{
	struct nlmsghdr *h = nlmsg_hdr(m);
	return nt_linkmsg_parse(h, h->nlmsg_len, out);
}

static void test_parse(void)
{
	struct nt_linkmsg l;
	struct nl_msg *m = link_msg(RTM_NEWLINK, 7, "eth1", UP, 12, "", "uplink A");
	CU_ASSERT_EQUAL(parse(m, &l), 1);
	CU_ASSERT_EQUAL(l.ifindex, 7);
	u_str_eq(l.name, "eth1", "name", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(l.master, 12);
	CU_ASSERT(nt_link_up(l.flags) && !l.del);
	u_str_eq(l.alias, "uplink A", "alias", __FILE__, __LINE__);
	u_str_eq(l.kind, "", "kind", __FILE__, __LINE__);
	nlmsg_free(m);
	m = link_msg(RTM_DELLINK, 12, "bond0", IFF_UP, 0, "bond", "");
	CU_ASSERT_EQUAL(parse(m, &l), 1);
	CU_ASSERT(l.del && !nt_link_up(l.flags) && l.master == 0);
	u_str_eq(l.kind, "bond", "kind", __FILE__, __LINE__);
	/* Cut short, or longer than its buffer: refused. */
	struct nlmsghdr *h = nlmsg_hdr(m);
	CU_ASSERT_EQUAL(nt_linkmsg_parse(h, h->nlmsg_len - 1, &l), -EINVAL);
	CU_ASSERT_EQUAL(nt_linkmsg_parse(h, sizeof(*h) - 1, &l), -EINVAL);
	uint32_t len = h->nlmsg_len;
	h->nlmsg_len = (uint32_t)sizeof(*h) + 2;
	CU_ASSERT_EQUAL(nt_linkmsg_parse(h, len, &l), -EINVAL); /* no room for ifinfomsg */
	h->nlmsg_len = len;
	nlmsg_free(m);
	/* No name, index 0: refused; another type: not a link message. */
	m = link_msg(RTM_NEWLINK, 3, NULL, UP, 0, "", "");
	CU_ASSERT_EQUAL(parse(m, &l), -EINVAL);
	nlmsg_free(m);
	m = link_msg(RTM_NEWLINK, 0, "eth0", UP, 0, "", "");
	CU_ASSERT_EQUAL(parse(m, &l), -EINVAL);
	nlmsg_free(m);
	m = link_msg(RTM_NEWADDR, 3, "eth0", UP, 0, "", "");
	CU_ASSERT_EQUAL(parse(m, &l), 0);
	nlmsg_free(m);
	/* A name longer than IFNAMSIZ, or without its NUL: refused. */
	m = link_msg(RTM_NEWLINK, 3, "a-name-far-too-long-for-linux", UP, 0, "", "");
	CU_ASSERT_EQUAL(parse(m, &l), -EINVAL);
	nlmsg_free(m);
	m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	struct ifinfomsg ifi = { .ifi_index = 3 };
	nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	nla_put(m, IFLA_IFNAME, 4, "eth0"); /* no NUL */
	CU_ASSERT_EQUAL(parse(m, &l), -EINVAL);
	nlmsg_free(m);
	/* A master too short for a u32: refused. */
	m = nlmsg_alloc_simple(RTM_NEWLINK, 0);
	nlmsg_append(m, &ifi, sizeof(ifi), NLMSG_ALIGNTO);
	nla_put_string(m, IFLA_IFNAME, "eth0");
	nla_put(m, IFLA_MASTER, 2, "\x01\x00");
	CU_ASSERT_EQUAL(parse(m, &l), -EINVAL);
	nlmsg_free(m);
}

/* The facts the live host reader takes (linkdump.h): as sysfs puts them. */
static void test_state(void)
{
	struct nt_linkmsg l;
	char addr[18];
	static const unsigned char mac[6] = { 0x52, 0x54, 0x00, 0xab, 0x0c, 0xff };
	struct nl_msg *m = link_msg(RTM_NEWLINK, 9, "vif3.0", UP, 4, "", "");
	nla_put_u32(m, IFLA_MTU, 9000);
	nla_put_u8(m, IFLA_OPERSTATE, 6);
	nla_put_u8(m, IFLA_CARRIER, 2); /* any non-zero: a carrier */
	nla_put(m, IFLA_ADDRESS, 6, mac);
	nla_put_string(m, IFLA_PARENT_DEV_NAME, "vif-3-0");
	CU_ASSERT_EQUAL(parse(m, &l), 1);
	CU_ASSERT(l.mtu == 9000 && l.operstate == 6 && l.carrier == 1 && l.addr_len == 6);
	u_str_eq(l.parent, "vif-3-0", "parent", __FILE__, __LINE__);
	nt_link_address(&l, addr, sizeof(addr));
	u_str_eq(addr, "52:54:00:ab:0c:ff", "address", __FILE__, __LINE__);
	u_str_eq(nt_operstate_name(l.operstate), "up", "operstate", __FILE__, __LINE__);
	nlmsg_free(m);
	/* None of them: unknown, as a missing file is. */
	m = link_msg(RTM_NEWLINK, 9, "lo", UP, 0, "", "");
	CU_ASSERT_EQUAL(parse(m, &l), 1);
	CU_ASSERT(l.mtu == -1 && l.operstate == -1 && l.carrier == -1 && l.addr_len == 0);
	u_str_eq(l.parent, "", "parent", __FILE__, __LINE__);
	nt_link_address(&l, addr, sizeof(addr));
	u_str_eq(addr, "", "no address", __FILE__, __LINE__);
	u_str_eq(nt_operstate_name(l.operstate), "unknown", "operstate", __FILE__, __LINE__);
	u_str_eq(nt_operstate_name(7), "unknown", "operstate 7", __FILE__, __LINE__);
	u_str_eq(nt_operstate_name(5), "dormant", "operstate 5", __FILE__, __LINE__);
	nlmsg_free(m);
	/* An address of 4 bytes (ipip) is written; one of 16 (ip6tnl) does not
	 * fit the reader's line, as sysfs's file does not: none. */
	static const unsigned char a16[16] = { 0xfe, 0x80 };
	m = link_msg(RTM_NEWLINK, 9, "t4", UP, 0, "ipip", "");
	nla_put(m, IFLA_ADDRESS, 4, "\x0a\x00\x00\x01");
	CU_ASSERT_EQUAL(parse(m, &l), 1);
	nt_link_address(&l, addr, sizeof(addr));
	u_str_eq(addr, "0a:00:00:01", "4-byte address", __FILE__, __LINE__);
	nlmsg_free(m);
	m = link_msg(RTM_NEWLINK, 9, "t6", UP, 0, "ip6tnl", "");
	nla_put(m, IFLA_ADDRESS, 16, a16);
	CU_ASSERT_EQUAL(parse(m, &l), 1);
	CU_ASSERT_EQUAL(l.addr_len, 16);
	nt_link_address(&l, addr, sizeof(addr));
	u_str_eq(addr, "", "16-byte address", __FILE__, __LINE__);
	nlmsg_free(m);
	/* An MTU or an operstate of the wrong size: refused (libnl's policy). */
	m = link_msg(RTM_NEWLINK, 9, "eth0", UP, 0, "", "");
	nla_put(m, IFLA_MTU, 2, "\x00\x10");
	CU_ASSERT_EQUAL(parse(m, &l), -EINVAL);
	nlmsg_free(m);
	m = link_msg(RTM_NEWLINK, 9, "eth0", UP, 0, "", "");
	nla_put(m, IFLA_PARENT_DEV_NAME, 3, "vif"); /* no NUL */
	CU_ASSERT_EQUAL(parse(m, &l), -EINVAL);
	nlmsg_free(m);
}

static void test_datagram(void)
{
	struct nl_msg *a = link_msg(RTM_NEWLINK, 2, "eth0", UP, 0, "", "");
	struct nl_msg *b = link_msg(RTM_NEWLINK, 3, "eth1", UP, 0, "", "");
	struct nlmsghdr *ha = nlmsg_hdr(a), *hb = nlmsg_hdr(b);
	static uint32_t buf[256];
	size_t la = NLMSG_ALIGN(ha->nlmsg_len), off = 0;
	CU_ASSERT_FATAL(la + hb->nlmsg_len <= sizeof(buf));
	memcpy(buf, ha, ha->nlmsg_len);
	memcpy((char *)buf + la, hb, hb->nlmsg_len);
	size_t len = la + hb->nlmsg_len;
	const struct nlmsghdr *h = nt_nlmsg_next(buf, len, &off);
	CU_ASSERT(h == (void *)buf && off == la);
	h = nt_nlmsg_next(buf, len, &off);
	CU_ASSERT(h == (void *)((char *)buf + la));
	CU_ASSERT_PTR_NULL(nt_nlmsg_next(buf, len, &off));
	/* The last one's length one byte past the end, or odd and its
	 * alignment past the end: no wrap-around. */
	struct nlmsghdr *last = (struct nlmsghdr *)((char *)buf + la);
	last->nlmsg_len = (uint32_t)(len - la + 1);
	off = 0;
	CU_ASSERT_PTR_NOT_NULL(nt_nlmsg_next(buf, len, &off));
	CU_ASSERT_PTR_NULL(nt_nlmsg_next(buf, len, &off));
	last->nlmsg_len = (uint32_t)(len - la - 1);
	off = la;
	CU_ASSERT_PTR_NOT_NULL(nt_nlmsg_next(buf, len - 1, &off));
	CU_ASSERT(off > len - 1);
	CU_ASSERT_PTR_NULL(nt_nlmsg_next(buf, len - 1, &off));
	last->nlmsg_len = 3; /* below a header's */
	off = la;
	CU_ASSERT_PTR_NULL(nt_nlmsg_next(buf, len, &off));
	nlmsg_free(a);
	nlmsg_free(b);
}

static void test_guest(void)
{
	unsigned d = 0;
	CU_ASSERT(nt_link_guest("vif5.0", "", &d) && d == 5);
	CU_ASSERT(nt_link_guest("tap12.1", "", &d) && d == 12);
	CU_ASSERT(nt_link_guest("web-nic", "xcd vif 7.0", &d) && d == 7);
	const char *not[] = { "vif5", "vifx.0", "vif5.0x", "eth0", "vif0.0", "vif32752.0", "vif.0",
			      "tap", NULL };
	for (int i = 0; not[i]; i++)
		if (nt_link_guest(not[i], "", NULL)) {
			fprintf(stderr, "\n%s taken for a guest's\n", not[i]);
			CU_FAIL("not a guest's interface");
		}
	CU_ASSERT(!nt_link_guest("eth0", "xcd vif", NULL));
	CU_ASSERT(!nt_link_guest("eth0", "uplink", NULL));
}

/* UPD: M into T, and whether it changed an uplink. */
static bool upd(struct nt_linktab *t, int type, int index, const char *name, unsigned flags,
		int master, const char *kind)
{
	struct nl_msg *m = link_msg(type, index, name, flags, master, kind, "");
	struct nt_linkmsg l;
	bool changed = false;
	CU_ASSERT_EQUAL(parse(m, &l), 1);
	CU_ASSERT_EQUAL(nt_linktab_update(t, &l, &changed), 0);
	nlmsg_free(m);
	return changed;
}

static void test_table(void)
{
	struct nt_linktab t = { 0 };
	CU_ASSERT(!upd(&t, RTM_NEWLINK, 10, "br0", UP, 0, "bridge"));
	CU_ASSERT(upd(&t, RTM_NEWLINK, 2, "eth0", UP, 10, ""));	 /* a new uplink */
	CU_ASSERT(!upd(&t, RTM_NEWLINK, 2, "eth0", UP, 10, ""));	 /* nothing new */
	CU_ASSERT(upd(&t, RTM_NEWLINK, 2, "eth0", IFF_UP, 10, "")); /* its carrier lost */
	CU_ASSERT(upd(&t, RTM_NEWLINK, 2, "eth0", UP, 10, ""));	 /* and back */
	CU_ASSERT(!upd(&t, RTM_NEWLINK, 30, "vif5.0", UP, 10, "")); /* a guest's */
	CU_ASSERT(!upd(&t, RTM_NEWLINK, 30, "vif5.0", 0, 10, ""));
	CU_ASSERT(!upd(&t, RTM_NEWLINK, 3, "eth1", UP, 0, ""));	 /* in nothing */
	CU_ASSERT(!upd(&t, RTM_NEWLINK, 3, "eth1", 0, 0, ""));
	CU_ASSERT(upd(&t, RTM_NEWLINK, 3, "eth1", 0, 10, ""));	 /* into br0 */
	CU_ASSERT(upd(&t, RTM_NEWLINK, 2, "eth0", UP, 0, ""));	 /* out of it */
	CU_ASSERT(!upd(&t, RTM_DELLINK, 2, "eth0", UP, 0, ""));	 /* gone, in nothing */
	CU_ASSERT(upd(&t, RTM_DELLINK, 3, "eth1", 0, 10, ""));	 /* gone from br0 */
	CU_ASSERT_PTR_NULL(nt_linktab_get(&t, 2));
	CU_ASSERT_PTR_NULL(nt_linktab_get(&t, 3));
	CU_ASSERT_PTR_NOT_NULL(nt_linktab_get(&t, 30));
	CU_ASSERT_EQUAL(t.n, 2);
	/* Sorted by index, whatever the order they came in. */
	for (int i = 100; i > 40; i -= 3)
		upd(&t, RTM_NEWLINK, i, "x", UP, 0, "");
	for (size_t i = 1; i < t.n; i++)
		CU_ASSERT(t.l[i - 1].ifindex < t.l[i].ifindex);
	nt_linktab_free(&t);
}

void register_linkwatch(void)
{
	CU_pSuite s = CU_add_suite("linkwatch", NULL, NULL);
	CU_add_test(s, "link messages: good, short, bad attributes", test_parse);
	CU_add_test(s, "link messages: the live reader's MTU, operstate, carrier, address, parent",
		    test_state);
	CU_add_test(s, "a datagram's messages: none read past its end", test_datagram);
	CU_add_test(s, "a guest's interface: names and vif-bridge's alias", test_guest);
	CU_add_test(s, "the table: what changes an uplink", test_table);
}
