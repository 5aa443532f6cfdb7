/*
 * linknl: the network interfaces of xcdd's network namespace over rtnetlink,
 * with libnl (libnl-route-3): what apply reads of an interface before
 * changing it, and the changes themselves (a bond made and deleted, its
 * options, an interface put into or out of a bond or bridge, its MTU and
 * up state). Never through `ip`. The bond options, which libnl-route 3.7
 * has no calls for, are IFLA_INFO_DATA attributes of an RTM_NEWLINK
 * message built with libnl's own message calls.
 */
#ifndef XCD_NT_LINKNL_H
#define XCD_NT_LINKNL_H
#include "bonding.h"
#include <stdbool.h>
#include <stddef.h>

struct nl_sock;

/* What apply records of an interface. */
struct nt_link {
	bool exists;
	int ifindex;
	char kind[16];		  /* "bond", "bridge", "veth", "" (a NIC) */
	char master[NT_IFNAMSIZ]; /* "" none */
	long mtu;
	bool up;		  /* IFF_UP, as set, not the carrier */
	/* kind "bond": the kernel's numbers (bonding.rst), -1 unknown */
	int mode, miimon, hash;
};

/* 0, or a negative errno with ERR. */
int nt_nl_open(struct nl_sock **sk, char *err, size_t errlen);
void nt_nl_close(struct nl_sock *sk);

/* NAME's state; an absent NAME is OUT->exists false and 0. Each call
 * below: 0, or a negative errno with ERR saying what the kernel refused. */
int nt_nl_get(struct nl_sock *sk, const char *name, struct nt_link *out, char *err,
	      size_t errlen);
/* The interfaces whose master is NAME, sorted (at most MAX). */
int nt_nl_members(struct nl_sock *sk, const char *name, char (*names)[NT_IFNAMSIZ], size_t max,
		  size_t *n, char *err, size_t errlen);
int nt_nl_bond_create(struct nl_sock *sk, const char *name, char *err, size_t errlen);
/* The bond's mode, miimon and transmit hash (each < 0: left as it is). The
 * kernel takes a mode only from a bond that is down and has no members. */
int nt_nl_bond_options(struct nl_sock *sk, const char *name, int mode, int miimon, int hash,
		       char *err, size_t errlen);
/* MASTER "" releases NAME from its master. */
int nt_nl_set_master(struct nl_sock *sk, const char *name, const char *master, char *err,
		     size_t errlen);
int nt_nl_set_mtu(struct nl_sock *sk, const char *name, long mtu, char *err, size_t errlen);
int nt_nl_set_up(struct nl_sock *sk, const char *name, bool up, char *err, size_t errlen);
int nt_nl_delete(struct nl_sock *sk, const char *name, char *err, size_t errlen);

/* The kernel's transmit hash numbers: "layer2" 0, "layer3+4" 1, ... (-1). */
int nt_bond_hash_from_name(const char *s);
const char *nt_bond_hash_name(int h);
#endif
