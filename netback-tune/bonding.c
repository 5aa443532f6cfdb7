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

/* The parse's state: the report so far, the block the line is in. */
struct bparse {
	struct nt_bond_info b;
	enum block blk;
	unsigned lineno;
	bool have_mode;
	char *err;
	size_t errlen;
};

#define BAD(ps, msg) fail((ps)->err, (ps)->errlen, (ps)->lineno, -EINVAL, msg)

/* "Slave Interface: NAME" opens a member's block. */
static int add_slave(struct bparse *ps, const char *val)
{
	struct nt_bond_info *b = &ps->b;
	if (!ps->have_mode)
		return BAD(ps, "a member before the bonding mode");
	if (b->n_slaves == NT_BOND_MAX_SLAVES)
		return fail(ps->err, ps->errlen, ps->lineno, -E2BIG, "more than 64 members");
	struct nt_bond_slave *ns = realloc(b->slaves, (b->n_slaves + 1) * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	b->slaves = ns;
	struct nt_bond_slave *sl = &b->slaves[b->n_slaves];
	memset(sl, 0, sizeof(*sl));
	sl->speed_mbit = -1;
	sl->aggregator_id = -1;
	if (ifname(val, sl->name))
		return BAD(ps, "a member name that is not an interface name");
	for (size_t i = 0; i < b->n_slaves; i++)
		if (!strcmp(b->slaves[i].name, sl->name))
			return BAD(ps, "a member listed twice");
	b->n_slaves++;
	ps->blk = B_SLAVE;
	return 0;
}

/* A line of the bond's own part, or of its 802.3ad info. */
static int bond_field(struct bparse *ps, const char *key, const char *val)
{
	struct nt_bond_info *b = &ps->b;
	long v;
	if (!strcmp(key, "Bonding Mode")) {
		if (ps->have_mode || ps->blk != B_BOND)
			return BAD(ps, "a second bonding mode");
		for (size_t i = 0; i < sizeof(mode_texts) / sizeof(*mode_texts); i++)
			if (!strcmp(val, mode_texts[i]))
				b->mode = (enum nt_bond_mode)i;
		if (b->mode == NT_BOND_UNKNOWN)
			return BAD(ps, "an unknown bonding mode");
		ps->have_mode = true;
	} else if (ps->blk == B_BOND && !strcmp(key, "Transmit Hash Policy")) {
		/* "layer3+4 (1)": the name, then the number in brackets. */
		size_t k = strcspn(val, " ");
		if (k == 0 || k >= sizeof(b->hash_policy))
			return BAD(ps, "a bad transmit hash policy");
		memcpy(b->hash_policy, val, k);
		b->hash_policy[k] = '\0';
	} else if (ps->blk == B_BOND && !strcmp(key, "MII Status")) {
		if (updown(val, &b->mii_up))
			return BAD(ps, "MII status neither up nor down");
	} else if (ps->blk == B_BOND && !strcmp(key, "MII Polling Interval (ms)")) {
		if (dec(val, &v))
			return BAD(ps, "a bad MII polling interval");
		b->miimon_ms = (int)v;
	} else if (ps->blk == B_BOND && !strcmp(key, "Currently Active Slave")) {
		if (strcmp(val, "None") && ifname(val, b->active_slave))
			return BAD(ps, "a bad active member name");
	} else if (ps->blk == B_AD_INFO && !strcmp(key, "Aggregator ID")) {
		if (dec(val, &v))
			return BAD(ps, "a bad aggregator ID");
		b->active_aggregator = (int)v;
	} else if (ps->blk == B_AD_INFO && !strcmp(key, "Partner Mac Address")) {
		if (mac(val, b->partner_mac))
			return BAD(ps, "a bad partner MAC address");
	}
	return 0;
}

/* A line of the last member's block (SL), or of its partner's LACP PDU. */
static int slave_field(struct bparse *ps, struct nt_bond_slave *sl, const char *key,
		       const char *val)
{
	long v;
	if (ps->blk == B_SLAVE && !strcmp(key, "MII Status")) {
		if (updown(val, &sl->mii_up))
			return BAD(ps, "MII status neither up nor down");
	} else if (ps->blk == B_SLAVE && !strcmp(key, "Speed")) {
		/* "1000 Mbps" or "Unknown" */
		char num[16];
		size_t k = strcspn(val, " ");
		if (!strcmp(val, "Unknown"))
			sl->speed_mbit = -1;
		else if (k >= sizeof(num) || strcmp(val + k, " Mbps") ||
			 (memcpy(num, val, k), num[k] = '\0', dec(num, &v)))
			return BAD(ps, "a bad member speed");
		else
			sl->speed_mbit = (int)v;
	} else if (ps->blk == B_SLAVE && !strcmp(key, "Link Failure Count")) {
		if (dec(val, &v))
			return BAD(ps, "a bad link failure count");
		sl->link_failures = (unsigned)v;
	} else if (ps->blk == B_SLAVE && !strcmp(key, "Aggregator ID")) {
		if (dec(val, &v))
			return BAD(ps, "a bad aggregator ID");
		sl->aggregator_id = (int)v;
	} else if (ps->blk == B_PARTNER_PDU && !strcmp(key, "system mac address")) {
		if (mac(val, sl->partner_mac))
			return BAD(ps, "a bad partner MAC address");
	}
	return 0;
}

/* One line, trimmed (S its text, INDENTED whether it started with blanks). */
static int parse_line(struct bparse *ps, char *s, bool indented)
{
	if (!*s)
		return 0;
	if (!strcmp(s, "802.3ad info")) {
		ps->blk = B_AD_INFO;
		ps->b.lacp = true;
		return 0;
	}
	if (!strcmp(s, "details actor lacp pdu:")) {
		ps->blk = B_ACTOR_PDU;
		return 0;
	}
	if (!strcmp(s, "details partner lacp pdu:")) {
		ps->blk = B_PARTNER_PDU;
		return 0;
	}
	char *colon = strchr(s, ':');
	if (!colon)
		return 0; /* a heading such as "Active Aggregator Info:" has one */
	*colon = '\0';
	const char *key = s, *val = colon + 1;
	while (*val == ' ' || *val == '\t')
		val++;
	if ((ps->blk == B_ACTOR_PDU || ps->blk == B_PARTNER_PDU) && !indented)
		ps->blk = B_SLAVE;
	if (!strcmp(key, "Slave Interface"))
		return add_slave(ps, val);
	struct nt_bond_slave *sl = ps->b.n_slaves ? &ps->b.slaves[ps->b.n_slaves - 1] : NULL;
	if (!strcmp(key, "Bonding Mode") || ps->blk == B_BOND || ps->blk == B_AD_INFO)
		return bond_field(ps, key, val);
	return sl ? slave_field(ps, sl, key, val) : 0;
}

int nt_bonding_parse(const char *text, size_t len, struct nt_bond_info *out, char *err,
		     size_t errlen)
{
	struct bparse ps = { .b = { .mode = NT_BOND_UNKNOWN, .miimon_ms = -1,
				    .active_aggregator = -1 },
			     .blk = B_BOND, .err = err, .errlen = errlen };
	int rc = 0;
	if (len > NT_BOND_MAX_SIZE)
		return fail(err, errlen, 0, -E2BIG, "the report is larger than 256 KiB");
	const char *p = text, *end = text + len;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		ps.lineno++;
		char line[NT_BOND_MAX_LINE];
		size_t n = (size_t)(le - p);
		if (n >= sizeof(line)) {
			rc = BAD(&ps, "line too long");
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (strlen(line) != n) {
			rc = BAD(&ps, "a NUL byte");
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
		rc = parse_line(&ps, s, indented);
	}
	if (rc == 0 && !ps.have_mode)
		rc = BAD(&ps, "no bonding mode: not a bonding report");
	if (rc) {
		free(ps.b.slaves);
		memset(out, 0, sizeof(*out));
		out->mode = NT_BOND_UNKNOWN;
		return rc;
	}
	*out = ps.b;
	return 0;
}
