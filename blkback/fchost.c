/* fchost: FC HBA ports and remote ports from sysfs (see fchost.h). */
#include "fchost.h"
#include "sysread.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fc_parse_wwn(const char *s, uint64_t *out)
{
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') || !s[2])
		return -EINVAL;
	uint64_t v = 0;
	size_t i = 2;
	for (; s[i]; i++) {
		if (i - 2 >= 16 || !isxdigit((unsigned char)s[i]))
			return -EINVAL;
		int d = isdigit((unsigned char)s[i]) ? s[i] - '0' : (tolower((unsigned char)s[i]) - 'a' + 10);
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

/* "N Gbit" with N in 1..9999; *REST past it. */
static int one_speed(const char *s, unsigned *gbit, const char **rest)
{
	unsigned v = 0;
	size_t i = 0;
	for (; isdigit((unsigned char)s[i]); i++) {
		if (i >= 4)
			return -EINVAL;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (i == 0 || v == 0 || strncmp(s + i, " Gbit", 5) != 0)
		return -EINVAL;
	*gbit = v;
	*rest = s + i + 5;
	return 0;
}

int fc_parse_speed(const char *s, unsigned *gbit)
{
	if (strcmp(s, "unknown") == 0 || strcmp(s, "Not Negotiated") == 0) {
		*gbit = 0;
		return 0;
	}
	const char *rest;
	unsigned v;
	if (one_speed(s, &v, &rest) < 0 || *rest)
		return -EINVAL;
	*gbit = v;
	return 0;
}

int fc_parse_speeds(const char *s, unsigned *max_gbit)
{
	if (strcmp(s, "unknown") == 0 || !*s) {
		*max_gbit = 0;
		return 0;
	}
	unsigned best = 0;
	for (;;) {
		unsigned v;
		const char *rest;
		if (strncmp(s, "Not Negotiated", 14) == 0) {
			v = 0;
			rest = s + 14;
		} else if (one_speed(s, &v, &rest) < 0) {
			return -EINVAL;
		}
		if (v > best)
			best = v;
		if (!*rest)
			break;
		if (strncmp(rest, ", ", 2) != 0)
			return -EINVAL;
		s = rest + 2;
	}
	*max_gbit = best;
	return 0;
}

static const char *const port_states[] = {
	"Unknown", "Not Present", "Online", "Offline", "Blocked", "Bypassed", "Diagnostics",
	"Linkdown", "Error", "Loopback", "Deleted", "Marginal",
};

int fc_parse_state(const char *s, bool *online)
{
	for (size_t i = 0; i < sizeof(port_states) / sizeof(port_states[0]); i++)
		if (strcmp(s, port_states[i]) == 0) {
			/* A marginal port still carries I/O: multipathd only
			 * prefers others. */
			*online = strcmp(s, "Online") == 0 || strcmp(s, "Marginal") == 0;
			return 0;
		}
	return -EINVAL;
}

static const char *const roles[] = {
	"FCP Target", "FCP Initiator", "IP Port", "FCP Dummy Initiator",
	"FC-NVMe Initiator", "FC-NVMe Target", "FC-NVMe Discovery",
};

int fc_parse_roles(const char *s, bool *target)
{
	*target = false;
	if (strcmp(s, "unknown") == 0)
		return 0;
	for (;;) {
		size_t i, len = 0;
		for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
			len = strlen(roles[i]);
			if (strncmp(s, roles[i], len) == 0 && (s[len] == '\0' || s[len] == ','))
				break;
		}
		if (i == sizeof(roles) / sizeof(roles[0]))
			return -EINVAL;
		if (i == 0)
			*target = true;
		s += len;
		if (!*s)
			return 0;
		if (strncmp(s, ", ", 2) != 0)
			return -EINVAL;
		s += 2;
	}
}

int fc_parse_tmo(const char *s, bool off_allowed, int *out)
{
	if (off_allowed && strcmp(s, "off") == 0) {
		*out = -1;
		return 0;
	}
	long v = 0;
	size_t i = 0;
	for (; isdigit((unsigned char)s[i]); i++) {
		v = v * 10 + (s[i] - '0');
		if (v > 0x7fffffffL)
			return -EINVAL;
	}
	if (i == 0 || s[i])
		return -EINVAL;
	*out = (int)v;
	return 0;
}

static int parse_uint(const char **s, unsigned *out)
{
	unsigned long v = 0;
	const char *p = *s;
	if (!isdigit((unsigned char)*p))
		return -EINVAL;
	for (; isdigit((unsigned char)*p); p++) {
		v = v * 10 + (unsigned long)(*p - '0');
		if (v > 0xffffffUL)
			return -EINVAL;
	}
	*out = (unsigned)v;
	*s = p;
	return 0;
}

int fc_parse_rport_name(const char *s, unsigned *host)
{
	unsigned h, b, r;
	if (strncmp(s, "rport-", 6) != 0)
		return -EINVAL;
	s += 6;
	if (parse_uint(&s, &h) < 0 || *s++ != ':' || parse_uint(&s, &b) < 0 || *s++ != '-' ||
	    parse_uint(&s, &r) < 0 || *s)
		return -EINVAL;
	*host = h;
	return 0;
}

static bool is_pci_name(const char *s, size_t len)
{
	/* dddd:bb:ss.f */
	static const char shape[] = "xxxx:xx:xx.x";
	if (len != sizeof(shape) - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (shape[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != shape[i])
			return false;
	}
	return true;
}

int fc_pci_of_path(const char *path, char pci[16], size_t *end)
{
	int found = -ENOENT;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		const char *e = strchrnul(p, '/');
		if (is_pci_name(p, (size_t)(e - p))) {
			memcpy(pci, p, (size_t)(e - p));
			pci[e - p] = '\0';
			*end = (size_t)(e - path);
			found = 0;
		}
		p = e;
	}
	return found;
}

unsigned fc_speed_mbytes(unsigned gbit)
{
	if (gbit == 10)
		return 1200;
	if (gbit == 20)
		return 2400;
	return gbit * 100;
}

void fc_free(struct fc_transport *t)
{
	free(t->ports);
	free(t->rports);
	memset(t, 0, sizeof(*t));
}

static int attr(const char *root, const char *dir, const char *name, char *buf, size_t size,
		char *err, size_t errlen)
{
	char rel[512];
	snprintf(rel, sizeof(rel), "%s/%s", dir, name);
	int r = sysread_file(root, rel, buf, size);
	if (r < 0 && err)
		snprintf(err, errlen, "%s/%s: %s", root, rel,
			 r == -EFBIG ? "longer than any value the kernel writes" : strerror(-r));
	return r;
}

static int bad(char *err, size_t errlen, const char *root, const char *dir, const char *name,
	       const char *val, const char *want)
{
	snprintf(err, errlen, "%s/%s/%s: '%.64s' is not %s", root, dir, name, val, want);
	return -EINVAL;
}

static int read_port(const char *root, const char *name, struct fc_host_port *p, char *err,
		     size_t errlen)
{
	char dir[128], v[160];
	snprintf(dir, sizeof(dir), "sys/class/fc_host/%s", name);
	memset(p, 0, sizeof(*p));
	p->numa_node = -1;
	const char *num = name + 4;
	if (parse_uint(&num, &p->host) < 0 || *num)
		return bad(err, errlen, root, "sys/class/fc_host", name, name, "a SCSI host (hostN)");
	int r;
	if ((r = attr(root, dir, "port_name", v, sizeof(v), err, errlen)) < 0)
		return r;
	if (fc_parse_wwn(v, &p->port_name) < 0)
		return bad(err, errlen, root, dir, "port_name", v, "a WWN (0x and 16 hex digits)");
	if ((r = attr(root, dir, "node_name", v, sizeof(v), err, errlen)) < 0)
		return r;
	if (fc_parse_wwn(v, &p->node_name) < 0)
		return bad(err, errlen, root, dir, "node_name", v, "a WWN (0x and 16 hex digits)");
	if ((r = attr(root, dir, "port_state", p->state, sizeof(p->state), err, errlen)) < 0)
		return r;
	if (fc_parse_state(p->state, &p->online) < 0)
		return bad(err, errlen, root, dir, "port_state", p->state, "an FC port state");
	if ((r = attr(root, dir, "speed", v, sizeof(v), err, errlen)) < 0)
		return r;
	if (fc_parse_speed(v, &p->speed_gbit) < 0)
		return bad(err, errlen, root, dir, "speed", v, "an FC speed (\"8 Gbit\", \"unknown\")");
	/* The attributes below are optional: a driver may not provide them. */
	if (attr(root, dir, "supported_speeds", v, sizeof(v), NULL, 0) == 0 &&
	    fc_parse_speeds(v, &p->max_supported_gbit) < 0)
		return bad(err, errlen, root, dir, "supported_speeds", v, "a list of FC speeds");
	if (attr(root, dir, "port_type", p->port_type, sizeof(p->port_type), NULL, 0) < 0)
		p->port_type[0] = '\0';
	sysread_printable(p->port_type);
	if (attr(root, dir, "fabric_name", v, sizeof(v), NULL, 0) == 0 &&
	    fc_parse_wwn(v, &p->fabric_name) < 0)
		return bad(err, errlen, root, dir, "fabric_name", v, "a WWN (0x and 16 hex digits)");

	/* The class entry links to the device: the PCI function above it is
	 * the HBA port, and its numa_node where the card sits. */
	char *real;
	if (sysread_resolve(root, dir, &real) == 0) {
		size_t end;
		if (fc_pci_of_path(real, p->pci, &end) == 0) {
			char *dot = strrchr(p->pci, '.');
			memcpy(p->card, p->pci, (size_t)(dot - p->pci));
			p->card[dot - p->pci] = '\0';
			char rel[4096];
			snprintf(rel, sizeof(rel), "%.*s/numa_node", (int)end, real);
			if (sysread_file(root, rel, v, sizeof(v)) == 0) {
				int node;
				/* The kernel writes -1 when it does not know. */
				if (strcmp(v, "-1") == 0)
					node = -1;
				else if (fc_parse_tmo(v, false, &node) < 0 || node > 4095) {
					free(real);
					return bad(err, errlen, root, rel, "", v, "a NUMA node");
				}
				p->numa_node = node;
			}
		}
		free(real);
	}
	return 0;
}

static int read_rport(const char *root, const char *name, struct fc_rport *rp, char *err,
		      size_t errlen)
{
	char dir[128], v[160];
	snprintf(dir, sizeof(dir), "sys/class/fc_remote_ports/%s", name);
	memset(rp, 0, sizeof(*rp));
	if (strlen(name) >= sizeof(rp->name) || fc_parse_rport_name(name, &rp->host) < 0)
		return bad(err, errlen, root, "sys/class/fc_remote_ports", name, name,
			   "a remote port (rport-H:B-R)");
	strcpy(rp->name, name);
	int r;
	if ((r = attr(root, dir, "port_name", v, sizeof(v), err, errlen)) < 0)
		return r;
	if (fc_parse_wwn(v, &rp->port_name) < 0)
		return bad(err, errlen, root, dir, "port_name", v, "a WWN (0x and 16 hex digits)");
	if (attr(root, dir, "node_name", v, sizeof(v), NULL, 0) == 0 &&
	    fc_parse_wwn(v, &rp->node_name) < 0)
		return bad(err, errlen, root, dir, "node_name", v, "a WWN (0x and 16 hex digits)");
	if ((r = attr(root, dir, "port_state", rp->state, sizeof(rp->state), err, errlen)) < 0)
		return r;
	if (fc_parse_state(rp->state, &rp->online) < 0)
		return bad(err, errlen, root, dir, "port_state", rp->state, "an FC port state");
	if ((r = attr(root, dir, "roles", rp->roles, sizeof(rp->roles), err, errlen)) < 0)
		return r;
	if (fc_parse_roles(rp->roles, &rp->target) < 0)
		return bad(err, errlen, root, dir, "roles", rp->roles, "a list of FC port roles");
	rp->dev_loss_tmo = -1;
	rp->fast_io_fail_tmo = -2;
	if (attr(root, dir, "dev_loss_tmo", v, sizeof(v), NULL, 0) == 0 &&
	    fc_parse_tmo(v, false, &rp->dev_loss_tmo) < 0)
		return bad(err, errlen, root, dir, "dev_loss_tmo", v, "a number of seconds");
	if (attr(root, dir, "fast_io_fail_tmo", v, sizeof(v), NULL, 0) == 0 &&
	    fc_parse_tmo(v, true, &rp->fast_io_fail_tmo) < 0)
		return bad(err, errlen, root, dir, "fast_io_fail_tmo", v,
			   "a number of seconds or \"off\"");
	return 0;
}

int fc_read(const char *root, struct fc_transport *t, char *err, size_t errlen)
{
	memset(t, 0, sizeof(*t));
	char **names;
	size_t n;
	int r = sysread_dir(root, "sys/class/fc_host", "host", FC_MAX_HOST_PORTS, &names, &n);
	if (r < 0) {
		snprintf(err, errlen, "%s/sys/class/fc_host: %s", root,
			 r == -E2BIG ? "more than 256 FC ports" : strerror(-r));
		return r;
	}
	if (n && !(t->ports = calloc(n, sizeof(*t->ports))))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = read_port(root, names[i], &t->ports[i], err, errlen);
		if (r == 0)
			t->n_ports++;
	}
	sysread_dir_free(names, n);
	if (r < 0) {
		fc_free(t);
		return r;
	}
	r = sysread_dir(root, "sys/class/fc_remote_ports", "rport-", FC_MAX_RPORTS, &names, &n);
	if (r < 0) {
		snprintf(err, errlen, "%s/sys/class/fc_remote_ports: %s", root,
			 r == -E2BIG ? "more than 8192 remote ports" : strerror(-r));
		fc_free(t);
		return r;
	}
	if (n && !(t->rports = calloc(n, sizeof(*t->rports))))
		r = -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		r = read_rport(root, names[i], &t->rports[i], err, errlen);
		if (r == 0)
			t->n_rports++;
	}
	sysread_dir_free(names, n);
	if (r < 0)
		fc_free(t);
	return r;
}

const struct fc_host_port *fc_port_by_wwpn(const struct fc_transport *t, uint64_t wwpn)
{
	for (size_t i = 0; i < t->n_ports; i++)
		if (t->ports[i].port_name == wwpn)
			return &t->ports[i];
	return NULL;
}

const struct fc_host_port *fc_port_by_host(const struct fc_transport *t, unsigned host)
{
	for (size_t i = 0; i < t->n_ports; i++)
		if (t->ports[i].host == host)
			return &t->ports[i];
	return NULL;
}

const struct fc_rport *fc_rport_find(const struct fc_transport *t, unsigned host, uint64_t wwpn)
{
	for (size_t i = 0; i < t->n_rports; i++)
		if (t->rports[i].host == host && t->rports[i].port_name == wwpn)
			return &t->rports[i];
	return NULL;
}
