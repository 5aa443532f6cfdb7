/*
 * policy: the network part of /etc/xcd/io.conf (man/io.conf.5), in xl.cfg
 * syntax (lib/cfgfile.h): management_nic, bond = [ "name=...,nics=...,..." ],
 * net_guest_mbit, net_queues. Keys of netback-tune's own (net_*, bond) that
 * it does not know are refused; storage keys are left to blkback/. Every
 * error a person can make says FILE:LINE:COLUMN.
 */
#ifndef XCD_NT_POLICY_H
#define XCD_NT_POLICY_H
#include "bonding.h"
#include "nethost.h"
#include <stdbool.h>
#include <stddef.h>

struct cfgfile;

#define NT_POLICY_MAX_BONDS 64
#define NT_POLICY_MAX_NICS 16 /* per bond */
#define NT_DEFAULT_MIIMON 100

struct nt_bond_policy {
	char name[NT_IFNAMSIZ];
	char nics[NT_POLICY_MAX_NICS][NT_IFNAMSIZ];
	size_t n_nics;
	bool lacp;                /* the switch speaks LACP */
	enum nt_bond_mode mode;   /* from mode=, else 802.3ad (lacp) or active-backup / balance-alb (alb) */
	char hash_policy[24];     /* "layer3+4" for 802.3ad, else "" */
	char bridge[NT_IFNAMSIZ]; /* "" : the bridge the first member is in now, if any */
	long mtu;                 /* 0: leave as it is */
	long miimon_ms;
	bool over_management;     /* a member is management_nic: its changes are risky */
	char where[256];          /* "FILE:LINE:COLUMN" of the entry, for messages */
};

struct nt_policy {
	char management_nic[NT_IFNAMSIZ]; /* "" when not given */
	struct nt_bond_policy bonds[NT_POLICY_MAX_BONDS];
	size_t n_bonds;
	long guest_mbit; /* 0: no target */
	long queues;     /* 0: "auto" */
};

/*
 * Reads the net keys of CF into *OUT. With HOST, NICs and bridges named
 * must exist on it. 0, or -EINVAL with "FILE:LINE:COLUMN: what" in ERR.
 */
int nt_policy_from_cfg(const struct cfgfile *cf, const struct nt_host *host,
		       struct nt_policy *out, char *err, size_t errlen);
/* cfgfile_load, then nt_policy_from_cfg. */
int nt_policy_load(const char *path, const struct nt_host *host, struct nt_policy *out,
		   char *err, size_t errlen);
/* From text in memory, NAME naming it in messages. */
int nt_policy_parse(const char *name, const char *text, size_t len, const struct nt_host *host,
		    struct nt_policy *out, char *err, size_t errlen);
#endif
