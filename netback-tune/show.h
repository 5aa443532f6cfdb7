/*
 * show: a host as nethost.h read it, as JSON (yajl) and as text readable at
 * a glance: NICs with speed, link and NUMA node; bonds with mode, hash
 * policy and each member's state; bridges with their uplink, bandwidth and
 * vifs; netback's parameters; dom0's CPUs; where each vif queue's threads
 * and interrupts run.
 */
#ifndef XCD_NT_SHOW_H
#define XCD_NT_SHOW_H
#include "nethost.h"
#include <yajl/yajl_gen.h>

int nt_show_json(yajl_gen g, const struct nt_host *h);
/* Into *OUT (malloc'd). 0 or -ENOMEM. */
int nt_show_text(const struct nt_host *h, char **out);
#endif
