/*
 * route: which interface carries the host's default route, from
 * /proc/net/route (IPv4: destination and mask 00000000) and else
 * /proc/net/ipv6_route (::/0): a bond or bridge change touching it could
 * cut the host off, so the plan marks such changes risky (apply --confirm).
 * Outside input: bounded, strict on the fields it uses, fuzzed.
 */
#ifndef XCD_NT_ROUTE_H
#define XCD_NT_ROUTE_H
#include "bonding.h"
#include <stddef.h>

#define NT_ROUTE_MAX_SIZE (4u << 20)

/* The default route's interface from /proc/net/route's TEXT (LEN bytes)
 * into DEV (NT_IFNAMSIZ): 0 (DEV "" when there is none), or -EINVAL with
 * "line N: what" in ERR. */
int nt_route4_default(const char *text, size_t len, char *dev, char *err, size_t errlen);
/* The same from /proc/net/ipv6_route. */
int nt_route6_default(const char *text, size_t len, char *dev, char *err, size_t errlen);
#endif
