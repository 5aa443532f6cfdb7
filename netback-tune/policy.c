/* policy: io.conf's net keys (see policy.h and man/io.conf.5). */
#include "policy.h"
#include "../lib/cfgfile.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int perr(char *err, size_t errlen, const struct cfg_pos *pos, unsigned col_off,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int perr(char *err, size_t errlen, const struct cfg_pos *pos, unsigned col_off,
		const char *fmt, ...)
{
	if (!errlen)
		return -EINVAL;
	int n = snprintf(err, errlen, "%s:%u:%u: ", pos->file, pos->line, pos->column + col_off);
	if (n >= 0 && (size_t)n < errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static bool ifname_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= NT_IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || s[i] == '/' ||
		    s[i] == ':' || s[i] == ',' || s[i] == '+' || s[i] == '=')
			return false;
	return true;
}

static int need_number(const struct cfg_setting *s, long lo, long hi, long *out, char *err,
		       size_t errlen)
{
	const struct cfg_value *v = &s->value;
	if (v->type != CFG_NUMBER || v->num < lo || v->num > hi)
		return perr(err, errlen, &v->pos, 0, "%s: a number from %ld to %ld expected", s->key,
			    lo, hi);
	*out = (long)v->num;
	return 0;
}

/* A decimal in [lo, hi] from a bond entry's value. */
static int spec_number(const char *v, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (errno || end == v || *end || *v == '-' || *v == '+' || *v == ' ' || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

static int spec_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "1") || !strcmp(v, "true"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "0") || !strcmp(v, "false"))
		*out = false;
	else
		return -1;
	return 0;
}

/*
 * One bond entry: "name=bond0,nics=eth0+eth1,lacp=yes,bridge=xenbr0,mtu=1500,
 * miimon=100[,alb=yes][,mode=M]". Columns in messages point into the string
 * (exact when it holds no escapes).
 */
static int parse_bond(const struct cfg_value *v, const struct nt_policy *pol,
		      const struct nt_host *host, struct nt_bond_policy *b, char *err,
		      size_t errlen)
{
	const struct cfg_pos *pos = &v->pos;
	if (v->type != CFG_STRING)
		return perr(err, errlen, pos, 0, "bond: each entry is a string \"name=...,nics=...\"");
	memset(b, 0, sizeof(*b));
	b->mode = NT_BOND_UNKNOWN;
	b->miimon_ms = NT_DEFAULT_MIIMON;
	snprintf(b->where, sizeof(b->where), "%s:%u:%u", pos->file, pos->line, pos->column);
	char *spec = strdup(v->text);
	if (!spec)
		return -ENOMEM;
	int rc = 0;
	bool have_lacp = false, alb = false, have_alb = false;
	unsigned mode_col = 0, lacp_col = 0;
	char *save = NULL;
	for (char *kv = strtok_r(spec, ",", &save); kv && rc == 0; kv = strtok_r(NULL, ",", &save)) {
		unsigned col = 1 + (unsigned)(kv - spec); /* +1: the opening quote */
		char *eq = strchr(kv, '=');
		if (!eq) {
			rc = perr(err, errlen, pos, col, "bond: '%s' is not KEY=VALUE", kv);
			break;
		}
		*eq = '\0';
		const char *k = kv, *val = eq + 1;
		long n;
		if (!strcmp(k, "name")) {
			if (!ifname_ok(val))
				rc = perr(err, errlen, pos, col, "bond: name '%s' is not an interface name (1-15 characters, no '/', ':', ',', '+', '=' or space)", val);
			else
				strcpy(b->name, val);
		} else if (!strcmp(k, "nics")) {
			char *s2 = NULL;
			b->n_nics = 0;
			for (char *nic = strtok_r((char *)val, "+", &s2); nic && rc == 0;
			     nic = strtok_r(NULL, "+", &s2)) {
				unsigned ncol = 1 + (unsigned)(nic - spec);
				if (b->n_nics == NT_POLICY_MAX_NICS)
					rc = perr(err, errlen, pos, ncol, "bond: more than %d NICs", NT_POLICY_MAX_NICS);
				else if (!ifname_ok(nic))
					rc = perr(err, errlen, pos, ncol, "bond: '%s' is not an interface name", nic);
				else if (host && !nt_host_nic(host, nic))
					rc = perr(err, errlen, pos, ncol, "bond: NIC %s does not exist on this host", nic);
				/* A NIC, or a virtual Ethernet device (veth, dummy:
				 * "other"); not a bridge, a bond, a vif or lo. */
				else if (host && ((nt_host_nic(host, nic)->kind != NT_NIC_PHYS &&
						   nt_host_nic(host, nic)->kind != NT_NIC_OTHER) ||
						  !strcmp(nic, "lo")))
					rc = perr(err, errlen, pos, ncol, "bond: %s is a %s, not a physical NIC", nic,
						  strcmp(nic, "lo") ? nt_nic_kind_name(nt_host_nic(host, nic)->kind)
								    : "loopback");
				for (size_t i = 0; i < b->n_nics && rc == 0; i++)
					if (!strcmp(b->nics[i], nic))
						rc = perr(err, errlen, pos, ncol, "bond: %s named twice", nic);
				if (rc == 0)
					strcpy(b->nics[b->n_nics++], nic);
			}
		} else if (!strcmp(k, "lacp")) {
			if (spec_bool(val, &b->lacp))
				rc = perr(err, errlen, pos, col, "bond: lacp is yes or no, not '%s'", val);
			have_lacp = true;
			lacp_col = col;
		} else if (!strcmp(k, "alb")) {
			if (spec_bool(val, &alb))
				rc = perr(err, errlen, pos, col, "bond: alb is yes or no, not '%s'", val);
			have_alb = true;
		} else if (!strcmp(k, "mode")) {
			b->mode = nt_bond_mode_from_name(val);
			mode_col = col;
			if (b->mode == NT_BOND_UNKNOWN)
				rc = perr(err, errlen, pos, col, "bond: unknown mode '%s' (802.3ad, active-backup, balance-alb, balance-tlb)", val);
			else if (b->mode == NT_BOND_BALANCE_RR || b->mode == NT_BOND_BALANCE_XOR ||
				 b->mode == NT_BOND_BROADCAST)
				rc = perr(err, errlen, pos, col, "bond: mode %s needs a static link aggregation on the switch, which io.conf cannot check: use 802.3ad with lacp=yes, or active-backup", val);
		} else if (!strcmp(k, "bridge")) {
			if (!ifname_ok(val))
				rc = perr(err, errlen, pos, col, "bond: bridge '%s' is not an interface name", val);
			else if (host && !nt_host_nic(host, val))
				rc = perr(err, errlen, pos, col, "bond: bridge %s does not exist on this host", val);
			else if (host && nt_host_nic(host, val)->kind != NT_NIC_BRIDGE)
				rc = perr(err, errlen, pos, col, "bond: %s is not a bridge", val);
			else
				strcpy(b->bridge, val);
		} else if (!strcmp(k, "mtu")) {
			if (spec_number(val, 68, 65535, &n))
				rc = perr(err, errlen, pos, col, "bond: mtu is a number from 68 to 65535, not '%s'", val);
			else
				b->mtu = n;
		} else if (!strcmp(k, "miimon")) {
			if (spec_number(val, 1, 10000, &n))
				rc = perr(err, errlen, pos, col, "bond: miimon is a number of ms from 1 to 10000, not '%s'", val);
			else
				b->miimon_ms = n;
		} else
			rc = perr(err, errlen, pos, col, "bond: unknown key '%s' (name, nics, lacp, alb, mode, bridge, mtu, miimon)", k);
	}
	free(spec);
	if (rc)
		return rc;
	if (!b->name[0])
		return perr(err, errlen, pos, 0, "bond: no name=");
	if (b->n_nics == 0)
		return perr(err, errlen, pos, 0, "bond %s: no nics=", b->name);
	if (host) {
		const struct nt_nic *n = nt_host_nic(host, b->name);
		if (n && n->kind != NT_NIC_BOND)
			return perr(err, errlen, pos, 0, "bond %s: a %s of that name exists", b->name,
				    nt_nic_kind_name(n->kind));
	}
	if (!have_lacp)
		return perr(err, errlen, pos, 0, "bond %s: lacp=yes or lacp=no is needed: whether the switch speaks LACP decides the mode", b->name);
	if (b->mode == NT_BOND_UNKNOWN)
		b->mode = b->lacp ? NT_BOND_8023AD : alb ? NT_BOND_BALANCE_ALB : NT_BOND_ACTIVE_BACKUP;
	if (b->lacp && b->mode != NT_BOND_8023AD)
		return perr(err, errlen, pos, mode_col ? mode_col : lacp_col,
			    "bond %s: lacp=yes with mode %s: only 802.3ad uses LACP", b->name,
			    nt_bond_mode_name(b->mode));
	if (!b->lacp && b->mode == NT_BOND_8023AD)
		return perr(err, errlen, pos, mode_col ? mode_col : lacp_col,
			    "bond %s: mode 802.3ad needs a switch that speaks LACP, and lacp=no says it does not", b->name);
	if (have_alb && alb && b->mode != NT_BOND_BALANCE_ALB)
		return perr(err, errlen, pos, mode_col ? mode_col : lacp_col,
			    "bond %s: alb=yes with mode %s", b->name, nt_bond_mode_name(b->mode));
	if (b->mode == NT_BOND_8023AD)
		strcpy(b->hash_policy, "layer3+4");
	for (size_t i = 0; i < b->n_nics; i++)
		if (pol->management_nic[0] && !strcmp(b->nics[i], pol->management_nic))
			b->over_management = true;
	return 0;
}

int nt_policy_from_cfg(const struct cfgfile *cf, const struct nt_host *host,
		       struct nt_policy *out, char *err, size_t errlen)
{
	struct nt_policy *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	int rc = 0;
	/* management_nic first: the bonds need it. */
	const struct cfg_setting *m = cfgfile_get(cf, "management_nic");
	if (m) {
		if (m->value.type != CFG_STRING || !ifname_ok(m->value.text))
			rc = perr(err, errlen, &m->value.pos, 0, "management_nic: an interface name in quotes expected");
		else if (host && !nt_host_nic(host, m->value.text))
			rc = perr(err, errlen, &m->value.pos, 0, "management_nic: NIC %s does not exist on this host", m->value.text);
		else
			strcpy(p->management_nic, m->value.text);
	}
	for (size_t i = 0; i < cf->n_settings && rc == 0; i++) {
		const struct cfg_setting *s = &cf->settings[i];
		if (!strcmp(s->key, "management_nic")) {
			continue;
		} else if (!strcmp(s->key, "bond")) {
			if (s->value.type != CFG_LIST) {
				rc = perr(err, errlen, &s->value.pos, 0, "bond: a list [ \"name=...,nics=...\", ... ] expected");
				break;
			}
			if (s->value.n_items > NT_POLICY_MAX_BONDS) {
				rc = perr(err, errlen, &s->value.pos, 0, "bond: more than %d bonds", NT_POLICY_MAX_BONDS);
				break;
			}
			for (size_t j = 0; j < s->value.n_items && rc == 0; j++) {
				struct nt_bond_policy *b = &p->bonds[p->n_bonds];
				rc = parse_bond(&s->value.items[j], p, host, b, err, errlen);
				for (size_t k = 0; k < p->n_bonds && rc == 0; k++) {
					if (!strcmp(p->bonds[k].name, b->name))
						rc = perr(err, errlen, &s->value.items[j].pos, 0, "bond %s: named twice (first at %s)", b->name, p->bonds[k].where);
					for (size_t a = 0; a < b->n_nics && rc == 0; a++)
						for (size_t c = 0; c < p->bonds[k].n_nics && rc == 0; c++)
							if (!strcmp(b->nics[a], p->bonds[k].nics[c]))
								rc = perr(err, errlen, &s->value.items[j].pos, 0, "bond %s: %s is already in bond %s", b->name, b->nics[a], p->bonds[k].name);
				}
				if (rc == 0)
					p->n_bonds++;
			}
		} else if (!strcmp(s->key, "net_guest_mbit")) {
			rc = need_number(s, 1, 10000000, &p->guest_mbit, err, errlen);
		} else if (!strcmp(s->key, "net_queues")) {
			if (s->value.type == CFG_STRING && !strcmp(s->value.text, "auto"))
				p->queues = 0;
			else
				rc = need_number(s, 1, 1024, &p->queues, err, errlen) ? perr(err, errlen, &s->value.pos, 0, "net_queues: \"auto\" or a number from 1 to 1024 expected") : 0;
		} else if (!strncmp(s->key, "net_", 4)) {
			rc = perr(err, errlen, &s->pos, 0, "unknown key %s (the net keys: management_nic, bond, net_guest_mbit, net_queues)", s->key);
		}
	}
	if (rc) {
		free(p);
		return rc;
	}
	*out = *p;
	free(p);
	return 0;
}

int nt_policy_parse(const char *name, const char *text, size_t len, const struct nt_host *host,
		    struct nt_policy *out, char *err, size_t errlen)
{
	struct cfgfile *cf;
	int rc = cfgfile_parse(name, text, len, &cf, err, errlen);
	if (rc)
		return rc;
	rc = nt_policy_from_cfg(cf, host, out, err, errlen);
	cfgfile_free(cf);
	return rc;
}

int nt_policy_load(const char *path, const struct nt_host *host, struct nt_policy *out,
		   char *err, size_t errlen)
{
	struct cfgfile *cf;
	int rc = cfgfile_load(path, &cf, err, errlen);
	if (rc)
		return rc;
	rc = nt_policy_from_cfg(cf, host, out, err, errlen);
	cfgfile_free(cf);
	return rc;
}
