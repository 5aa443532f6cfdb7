/*
 * linkwatch: what xcdd's watch of the network makes of rtnetlink's link
 * messages (RTM_NEWLINK and RTM_DELLINK, from a dump or from the
 * RTNLGRP_LINK group): each interface's index, name, flags, master, kind
 * and alias (and its MTU, operstate, carrier, address and parent device, for
 * the host reader of linkdump.h); and a table of them by index that tells when an uplink
 * changes: an interface in a bond or a bridge that is not a guest's (its
 * up or carrier flags, its master, or its going). A guest's interface is
 * netback's vifD.N, QEMU's tapD.N, or one vif-bridge renamed and marked
 * with the alias "xcd vif D.N".
 *
 * The messages come from the kernel, through a socket any process of the
 * namespace could also send on: the parser is strict on what it keeps
 * (lengths checked by libnl's policy, strings bounded), and fuzzed
 * (fuzz/netback-tune/).
 */
#ifndef XCD_NT_LINKWATCH_H
#define XCD_NT_LINKWATCH_H
#include "bonding.h"
#include <stdbool.h>
#include <linux/netlink.h>
#include <stddef.h>

#define NT_LINKTAB_MAX 65536 /* interfaces the table keeps */

struct nt_linkmsg {
	bool del;	/* RTM_DELLINK */
	int ifindex;	/* > 0 */
	char name[NT_IFNAMSIZ];
	unsigned flags; /* IFF_UP, IFF_LOWER_UP, ... */
	int master;	/* its master's index; 0 none */
	char kind[16];	/* IFLA_INFO_KIND: "bond", "bridge", "veth"; "" */
	char alias[64]; /* IFLA_IFALIAS; "" */
	/* What nethost.h's live reader takes from a dump (linkdump.h): */
	long mtu;	/* IFLA_MTU; -1 none */
	int operstate;	/* IFLA_OPERSTATE (IF_OPER_*); -1 none */
	int carrier;	/* IFLA_CARRIER, 0 or 1; -1 none */
	unsigned char addr[32]; /* IFLA_ADDRESS, ADDR_LEN bytes (0: none) */
	unsigned addr_len;
	/* IFLA_PARENT_DEV_NAME (Linux 5.14): the device sysfs links as the
	 * interface's "device" ("vif-3-0", "0000:01:00.0"); "" none. A longer
	 * name is cut (no vif's is). */
	char parent[48];
};

/*
 * One message of LEN bytes at BUF (a struct nlmsghdr and what follows).
 * 1 with *OUT filled for a link message; 0 for another type (an error, a
 * dump's end: the caller looks at the header); -EINVAL for one that does
 * not parse (lengths, a missing index or name).
 */
int nt_linkmsg_parse(const void *buf, size_t len, struct nt_linkmsg *out);

/*
 * The message of the datagram BUF (LEN bytes, 4-byte aligned) at *OFF, and
 * *OFF moved past it; NULL when none is left whole (a header that does not
 * fit, a length below a header's or past the end).
 */
const struct nlmsghdr *nt_nlmsg_next(const void *buf, size_t len, size_t *off);

/* Whether the interface NAME with alias ALIAS is a guest's, and whose
 * (*DOMID, may be NULL). */
bool nt_link_guest(const char *name, const char *alias, unsigned *domid);
/* Up for traffic: IFF_UP and IFF_LOWER_UP (the carrier). */
bool nt_link_up(unsigned flags);

struct nt_linktab {
	struct nt_linkmsg *l; /* sorted by ifindex */
	size_t n, cap;
};
void nt_linktab_free(struct nt_linktab *t);
const struct nt_linkmsg *nt_linktab_get(const struct nt_linktab *t, int ifindex);
/*
 * M into T (a deletion takes its interface out). *UPLINK: whether the
 * message changes an uplink as above (one that is or was in a bond or a
 * bridge, not a guest's: it came or went, its master changed, or its up
 * or carrier flag did), which a refresh of the host's picture must see.
 * 0 or -ENOMEM (-E2BIG past NT_LINKTAB_MAX: T unchanged).
 */
int nt_linktab_update(struct nt_linktab *t, const struct nt_linkmsg *m, bool *uplink);
#endif
