/*
 * linkdump: every interface of the process's network namespace from one
 * rtnetlink dump (RTM_GETLINK), through libnl: what nethost.h's live reader
 * (NT_READ_LIVE) takes instead of reading each interface's sysfs files.
 * Each message goes through linkwatch.h's parser (libnl's attribute policy,
 * fuzzed in fuzz/netback-tune/), and its facts are put as sysfs puts them,
 * so that both readers give the same host.
 */
#ifndef XCD_NT_LINKDUMP_H
#define XCD_NT_LINKDUMP_H
#include "linkwatch.h"
#include <stddef.h>

/* The dump, by interface index (an nt_linktab: nt_linktab_free). 0, or a
 * negative errno with ERR saying what failed. A dump the kernel marks
 * interrupted (an interface came or went meanwhile) is asked again, up to
 * three times. */
int nt_linkdump_read(struct nt_linktab *t, char *err, size_t errlen);

/* An IF_OPER_* as sysfs's operstate writes it ("up", "lowerlayerdown"),
 * "unknown" for one it does not know. */
const char *nt_operstate_name(int operstate);
/* L's address as sysfs's address writes it ("52:54:00:12:34:56", lower
 * case), "" for none or for one longer than SIZE - 1 characters (where
 * the file reader's line does not fit either). */
void nt_link_address(const struct nt_linkmsg *l, char *buf, size_t size);
#endif
