/* bonding: /proc/net/bonding/BOND (see bonding.h). */
#include "bonding.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const mode_names[] = { "balance-rr", "active-backup", "balance-xor",
					  "broadcast", "802.3ad", "balance-tlb",
					  "balance-alb" };
/* How the driver names each mode in /proc (bond_mode_name()). */
static const char *const mode_texts[] = { "load balancing (round-robin)",
					  "fault-tolerance (active-backup)",
					  "load balancing (xor)",
					  "fault-tolerance (broadcast)",
					  "IEEE 802.3ad Dynamic link aggregation",
					  "transmit load balancing",
					  "adaptive load balancing" };

const char *nt_bond_mode_name(enum nt_bond_mode m)
{
	return m >= 0 && (size_t)m < sizeof(mode_names) / sizeof(*mode_names) ? mode_names[m]
									       : "unknown";
}

enum nt_bond_mode nt_bond_mode_from_name(const char *s)
{
	for (size_t i = 0; i < sizeof(mode_names) / sizeof(*mode_names); i++)
		if (!strcmp(s, mode_names[i]) || (s[0] == (char)('0' + i) && !s[1]))
			return (enum nt_bond_mode)i;
	return NT_BOND_UNKNOWN;
}

void nt_bond_info_free(struct nt_bond_info *b)
{
	free(b->slaves);
	memset(b, 0, sizeof(*b));
}

static int fail(char *err, size_t errlen, unsigned line, int rc, const char *what)
{
	if (errlen)
		snprintf(err, errlen, "line %u: %s", line, what);
	return rc;
}

/* A non-negative decimal below 10^9, whole value. */
static int dec(const char *s, long *out)
{
	long v = 0;
	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 99999999)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

/* An interface name as the kernel allows it: 1-15 bytes, printable, no
 * '/', ':' or space. */
static int ifname(const char *s, char out[NT_IFNAMSIZ])
{
	size_t n = strlen(s);
	if (n == 0 || n >= NT_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '/' ||
		    s[i] == ':')
			return -1;
	memcpy(out, s, n + 1);
	return 0;
}

static int mac(const char *s, char out[18])
{
	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 17; i++) {
		char c = s[i];
		bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			   (c >= 'A' && c <= 'F');
		if (i % 3 == 2 ? c != ':' : !hex)
			return -1;
	}
	memcpy(out, s, 18);
	return 0;
}

static int updown(const char *s, bool *out)
{
	if (!strcmp(s, "up"))
		*out = true;
	else if (!strcmp(s, "down") || !strcmp(s, "going down") || !strcmp(s, "going back"))
		*out = false;
	else
		return -1;
	return 0;
}

/* Which block of the report a line belongs to. */
enum block { B_BOND, B_AD_INFO, B_SLAVE, B_ACTOR_PDU, B_PARTNER_PDU };

int nt_bonding_parse(const char *text, size_t len, struct nt_bond_info *out, char *err,
		     size_t errlen)
{
	struct nt_bond_info b = { .mode = NT_BOND_UNKNOWN, .miimon_ms = -1,
				  .active_aggregator = -1 };
	enum block blk = B_BOND;
	unsigned lineno = 0;
	bool have_mode = false;
	int rc = 0;
	if (len > NT_BOND_MAX_SIZE)
		return fail(err, errlen, 0, -E2BIG, "the report is larger than 256 KiB");
	const char *p = text, *end = text + len;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		lineno++;
		char line[NT_BOND_MAX_LINE];
		size_t n = (size_t)(le - p);
		if (n >= sizeof(line)) {
			rc = fail(err, errlen, lineno, -EINVAL, "line too long");
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (strlen(line) != n) {
			rc = fail(err, errlen, lineno, -EINVAL, "a NUL byte");
			break;
		}
		/* The PDU details are indented; everything else starts at column 1. */
		char *s = line;
		bool indented = *s == ' ' || *s == '\t';
		while (*s == ' ' || *s == '\t')
			s++;
		char *t = s + strlen(s);
		while (t > s && (t[-1] == ' ' || t[-1] == '\t' || t[-1] == '\r'))
			*--t = '\0';
		if (!*s)
			continue;
		if (!strcmp(s, "802.3ad info")) {
			blk = B_AD_INFO;
			b.lacp = true;
			continue;
		}
		if (!strcmp(s, "details actor lacp pdu:")) {
			blk = B_ACTOR_PDU;
			continue;
		}
		if (!strcmp(s, "details partner lacp pdu:")) {
			blk = B_PARTNER_PDU;
			continue;
		}
		char *colon = strchr(s, ':');
		if (!colon)
			continue; /* a heading such as "Active Aggregator Info:" has one */
		*colon = '\0';
		const char *key = s, *val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		if ((blk == B_ACTOR_PDU || blk == B_PARTNER_PDU) && !indented)
			blk = B_SLAVE;
		struct nt_bond_slave *sl = b.n_slaves ? &b.slaves[b.n_slaves - 1] : NULL;
		long v;
		if (!strcmp(key, "Slave Interface")) {
			if (!have_mode) {
				rc = fail(err, errlen, lineno, -EINVAL,
					  "a member before the bonding mode");
				break;
			}
			if (b.n_slaves == NT_BOND_MAX_SLAVES) {
				rc = fail(err, errlen, lineno, -E2BIG, "more than 64 members");
				break;
			}
			struct nt_bond_slave *ns =
				realloc(b.slaves, (b.n_slaves + 1) * sizeof(*ns));
			if (!ns) {
				rc = -ENOMEM;
				break;
			}
			b.slaves = ns;
			sl = &b.slaves[b.n_slaves];
			memset(sl, 0, sizeof(*sl));
			sl->speed_mbit = -1;
			sl->aggregator_id = -1;
			if (ifname(val, sl->name)) {
				rc = fail(err, errlen, lineno, -EINVAL, "a member name that is not an interface name");
				break;
			}
			for (size_t i = 0; i < b.n_slaves; i++)
				if (!strcmp(b.slaves[i].name, sl->name))
					rc = fail(err, errlen, lineno, -EINVAL, "a member listed twice");
			if (rc)
				break;
			b.n_slaves++;
			blk = B_SLAVE;
		} else if (!strcmp(key, "Bonding Mode")) {
			if (have_mode || blk != B_BOND) {
				rc = fail(err, errlen, lineno, -EINVAL, "a second bonding mode");
				break;
			}
			for (size_t i = 0; i < sizeof(mode_texts) / sizeof(*mode_texts); i++)
				if (!strcmp(val, mode_texts[i]))
					b.mode = (enum nt_bond_mode)i;
			if (b.mode == NT_BOND_UNKNOWN) {
				rc = fail(err, errlen, lineno, -EINVAL, "an unknown bonding mode");
				break;
			}
			have_mode = true;
		} else if (blk == B_BOND && !strcmp(key, "Transmit Hash Policy")) {
			/* "layer3+4 (1)": the name, then the number in brackets. */
			size_t k = strcspn(val, " ");
			if (k == 0 || k >= sizeof(b.hash_policy)) {
				rc = fail(err, errlen, lineno, -EINVAL, "a bad transmit hash policy");
				break;
			}
			memcpy(b.hash_policy, val, k);
			b.hash_policy[k] = '\0';
		} else if (blk == B_BOND && !strcmp(key, "MII Status")) {
			if (updown(val, &b.mii_up))
				rc = fail(err, errlen, lineno, -EINVAL, "MII status neither up nor down");
		} else if (blk == B_BOND && !strcmp(key, "MII Polling Interval (ms)")) {
			if (dec(val, &v))
				rc = fail(err, errlen, lineno, -EINVAL, "a bad MII polling interval");
			else
				b.miimon_ms = (int)v;
		} else if (blk == B_BOND && !strcmp(key, "Currently Active Slave")) {
			if (strcmp(val, "None") && ifname(val, b.active_slave))
				rc = fail(err, errlen, lineno, -EINVAL, "a bad active member name");
		} else if (blk == B_AD_INFO && !strcmp(key, "Aggregator ID")) {
			if (dec(val, &v))
				rc = fail(err, errlen, lineno, -EINVAL, "a bad aggregator ID");
			else
				b.active_aggregator = (int)v;
		} else if (blk == B_AD_INFO && !strcmp(key, "Partner Mac Address")) {
			if (mac(val, b.partner_mac))
				rc = fail(err, errlen, lineno, -EINVAL, "a bad partner MAC address");
		} else if (blk == B_SLAVE && sl && !strcmp(key, "MII Status")) {
			if (updown(val, &sl->mii_up))
				rc = fail(err, errlen, lineno, -EINVAL, "MII status neither up nor down");
		} else if (blk == B_SLAVE && sl && !strcmp(key, "Speed")) {
			/* "1000 Mbps" or "Unknown" */
			char num[16];
			size_t k = strcspn(val, " ");
			if (!strcmp(val, "Unknown"))
				sl->speed_mbit = -1;
			else if (k >= sizeof(num) || strcmp(val + k, " Mbps") ||
				 (memcpy(num, val, k), num[k] = '\0', dec(num, &v)))
				rc = fail(err, errlen, lineno, -EINVAL, "a bad member speed");
			else
				sl->speed_mbit = (int)v;
		} else if (blk == B_SLAVE && sl && !strcmp(key, "Link Failure Count")) {
			if (dec(val, &v))
				rc = fail(err, errlen, lineno, -EINVAL, "a bad link failure count");
			else
				sl->link_failures = (unsigned)v;
		} else if (blk == B_SLAVE && sl && !strcmp(key, "Aggregator ID")) {
			if (dec(val, &v))
				rc = fail(err, errlen, lineno, -EINVAL, "a bad aggregator ID");
			else
				sl->aggregator_id = (int)v;
		} else if (blk == B_PARTNER_PDU && sl && !strcmp(key, "system mac address")) {
			if (mac(val, sl->partner_mac))
				rc = fail(err, errlen, lineno, -EINVAL, "a bad partner MAC address");
		}
	}
	if (rc == 0 && !have_mode)
		rc = fail(err, errlen, lineno, -EINVAL, "no bonding mode: not a bonding report");
	if (rc) {
		free(b.slaves);
		memset(out, 0, sizeof(*out));
		out->mode = NT_BOND_UNKNOWN;
		return rc;
	}
	*out = b;
	return 0;
}
