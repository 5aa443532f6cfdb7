/* nethost: reading a host's NICs, bonds and CPUs (see nethost.h). */
#include "nethost.h"
#include "../lib/errmsg.h"
#include "../lib/strv.h"
#include "route.h"
#include "sysfile.h"
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* Bounds on what a directory listing may hold. */
#define MAX_NICS 65536
#define MAX_QUEUE_ENTRIES 4096
#define MAX_NODES 1024

static const char *const kind_names[] = { "physical", "bond", "bridge", "vif", "other" };

const char *nt_nic_kind_name(enum nt_nic_kind k) { return kind_names[k]; }

int nt_host_note(struct nt_host *h, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = strv_vaddf(&h->notes, &h->n_notes, fmt, ap);
	va_end(ap);
	return r;
}

void nt_host_free(struct nt_host *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_nics; i++) {
		free(h->nics[i].queues);
		nt_bond_info_free(&h->nics[i].bond);
	}
	free(h->nics);
	free(h->nodes);
	nt_interrupts_free(&h->irqs);
	strv_free(h->notes, h->n_notes);
	free(h);
}

static int cmp_nic(const void *key, const void *elem)
{
	return strcmp(key, ((const struct nt_nic *)elem)->name);
}

const struct nt_nic *nt_host_nic(const struct nt_host *h, const char *name)
{
	if (!h->n_nics)
		return NULL;
	return bsearch(name, h->nics, h->n_nics, sizeof(*h->nics), cmp_nic);
}

void nt_host_node_cpus(const struct nt_host *h, int node, struct cpuset *out)
{
	if (node >= 0 && (unsigned)node < h->n_nodes) {
		cpuset_and(&h->nodes[node], &h->online, out);
		if (cpuset_count(out))
			return;
	}
	*out = h->online;
}

int nt_vif_ids(const char *s, int *domid, int *devid)
{
	unsigned d, n;
	int end = 0;
	if (sscanf(s, "vif-%u-%u%n", &d, &n, &end) != 2 || s[end] || d > 0x7fef ||
	    n > 0xffff)
		return -1;
	*domid = (int)d;
	*devid = (int)n;
	return 0;
}

static int read_bond(struct nt_host *h, const struct sysroot *r, struct nt_nic *n)
{
	char path[96], err[XCD_ERR_MAX], *text;
	size_t len;
	snprintf(path, sizeof(path), "proc/net/bonding/%s", n->name);
	int rc = sf_read(r, path, NT_BOND_MAX_SIZE, &text, &len);
	if (rc)
		return nt_host_note(h, "/%s: %s", path, strerror(-rc));
	rc = nt_bonding_parse(text, len, &n->bond, err, sizeof(err));
	free(text);
	if (rc)
		return rc == -ENOMEM ? rc : nt_host_note(h, "/%s: %s", path, err);
	n->has_report = true;
	return 0;
}

struct queue_count {
	unsigned rx, tx;
};

static int count_queue(const char *name, void *arg)
{
	struct queue_count *c = arg;
	c->rx += !strncmp(name, "rx-", 3);
	c->tx += !strncmp(name, "tx-", 3);
	return 0;
}

/* Where a NIC's files are: below DIR, at PREFIX ("" when DIR is the NIC's
 * own directory, "NAME/" when it is sys/class/net) followed by LEAF. */
static const char *nic_path(char *buf, size_t size, const char *prefix, const char *leaf)
{
	if (!*prefix)
		return leaf;
	size_t pl = strlen(prefix), ll = strlen(leaf);
	if (pl + ll >= size)
		return leaf; /* cannot happen: a name is under NT_IFNAMSIZ */
	memcpy(buf, prefix, pl);
	memcpy(buf + pl, leaf, ll + 1);
	return buf;
}

int nt_nic_extras(struct nt_host *h, const struct sysroot *r, const struct sysroot *dir,
		  const char *prefix, struct nt_nic *n)
{
	char path[NT_IFNAMSIZ + 32];
	long v;
	if ((n->kind == NT_NIC_PHYS || n->kind == NT_NIC_BOND) &&
	    sf_long(dir, nic_path(path, sizeof(path), prefix, "speed"), &v) == 0 && v > 0 &&
	    v < 100000000)
		n->speed_mbit = v;
	if (n->kind == NT_NIC_PHYS &&
	    sf_long(dir, nic_path(path, sizeof(path), prefix, "device/numa_node"), &v) == 0 &&
	    v >= 0 && v < MAX_NODES)
		n->numa_node = (int)v;
	if (n->kind == NT_NIC_VIF || n->kind == NT_NIC_PHYS) {
		struct queue_count c = { 0, 0 };
		if (sf_each(dir, nic_path(path, sizeof(path), prefix, "queues"), MAX_QUEUE_ENTRIES,
			    count_queue, &c) == 0) {
			n->n_rx = c.rx;
			n->n_tx = c.tx;
		}
	}
	if (n->kind == NT_NIC_VIF) {
		n->n_queues = n->n_rx > n->n_tx ? n->n_rx : n->n_tx;
		if (n->n_queues) {
			n->queues = calloc(n->n_queues, sizeof(*n->queues));
			if (!n->queues)
				return -ENOMEM;
			for (unsigned q = 0; q < n->n_queues; q++) {
				struct nt_queue *qu = &n->queues[q];
				qu->rx_pid = qu->dealloc_pid = qu->tx_irq = qu->rx_irq = -1;
			}
		}
	}
	if (n->kind == NT_NIC_BOND)
		return read_bond(h, r, n);
	return 0;
}

/* N's attributes, read in its directory D (sys/class/net/NAME). */
static int read_nic_in(struct nt_host *h, const struct sysroot *r, const struct sysroot *d,
		       struct nt_nic *n)
{
	char buf[64];
	long v;
	/* The device link first: a vif (the most of a host's interfaces) is
	 * known by it at once; bonds and bridges have none (virtual), and a
	 * device that is not a link still counts as there. */
	int dl = sf_link_base(d, "device", buf, sizeof(buf));
	if (dl == 0 && nt_vif_ids(buf, &n->domid, &n->devid) == 0)
		n->kind = NT_NIC_VIF;
	else if (sf_exists(d, "bonding"))
		n->kind = NT_NIC_BOND;
	else if (sf_exists(d, "bridge"))
		n->kind = NT_NIC_BRIDGE;
	else if (dl != -ENOENT && dl != -ENOTDIR)
		n->kind = NT_NIC_PHYS;
	else
		n->kind = NT_NIC_OTHER;
	if (sf_line(d, "operstate", n->operstate, sizeof(n->operstate)))
		strcpy(n->operstate, "unknown");
	if (sf_long(d, "carrier", &v) == 0 && (v == 0 || v == 1))
		n->carrier = (int)v;
	if (sf_long(d, "mtu", &v) == 0 && v > 0 && v <= 65536)
		n->mtu = v;
	if (sf_line(d, "address", n->address, sizeof(n->address)))
		n->address[0] = '\0';
	if (sf_link_base(d, "master", n->master, sizeof(n->master)))
		n->master[0] = '\0';
	return nt_nic_extras(h, r, d, "", n);
}

void nt_nic_init(struct nt_nic *n)
{
	n->speed_mbit = n->mtu = -1;
	n->carrier = -1;
	n->numa_node = -1;
	n->domid = n->devid = -1;
}

/* 0, 1 when NAME is not an interface (bonding_masters, the bonding
 * driver's file, sits among them) or is gone since the listing, or -errno.
 * NET is the sysroot's sys/class/net: NAME is one component below it. */
static int read_nic(struct nt_host *h, const struct sysroot *r, const struct sysroot *net,
		    struct nt_nic *n)
{
	nt_nic_init(n);
	struct sysroot d;
	if (sysroot_sub(net, n->name, &d))
		return 1;
	int rc = read_nic_in(h, r, &d, n);
	sysroot_close(&d);
	return rc;
}

/* The NICs from the files of sys/class/net (NET), one directory each. */
static int read_nics_files(struct nt_host *h, const struct sysroot *r, const struct sysroot *net)
{
	char **names = NULL;
	size_t k = 0;
	int rc = sf_list(net, ".", MAX_NICS, &names, &k);
	if (rc)
		return rc;
	h->nics = calloc(k ? k : 1, sizeof(*h->nics));
	if (!h->nics)
		rc = -ENOMEM;
	for (size_t i = 0; i < k && rc == 0; i++) {
		if (strlen(names[i]) >= NT_IFNAMSIZ)
			continue;
		struct nt_nic *n = &h->nics[h->n_nics++];
		strcpy(n->name, names[i]);
		rc = read_nic(h, r, net, n);
		if (rc == 1) {
			free(n->queues);
			memset(n, 0, sizeof(*n));
			h->n_nics--;
			rc = 0;
		}
	}
	sf_names_free(names, k);
	return rc;
}

static int read_cpus(struct nt_host *h, const struct sysroot *r)
{
	char buf[4096];
	int rc = sf_line(r, "sys/devices/system/cpu/online", buf, sizeof(buf));
	if (rc == 0)
		rc = cpuset_parse(buf, &h->online);
	if (rc) {
		cpuset_add(&h->online, 0);
		return nt_host_note(h, "/sys/devices/system/cpu/online: %s; taking CPU 0 alone",
				    strerror(-rc));
	}
	char **names;
	size_t k;
	if (sf_list(r, "sys/devices/system/node", MAX_NODES * 2, &names, &k))
		return 0; /* no NUMA: every CPU is near every NIC */
	for (size_t i = 0; i < k && rc == 0; i++) {
		unsigned id;
		int end = 0;
		if (sscanf(names[i], "node%u%n", &id, &end) != 1 || names[i][end] || id >= MAX_NODES)
			continue;
		char path[96];
		snprintf(path, sizeof(path), "sys/devices/system/node/%s/cpulist", names[i]);
		struct cpuset c;
		if (sf_line(r, path, buf, sizeof(buf)) || cpuset_parse(buf, &c)) {
			rc = nt_host_note(h, "/%s: not a CPU list", path);
			continue;
		}
		if (id >= h->n_nodes) {
			struct cpuset *nn = realloc(h->nodes, (id + 1) * sizeof(*nn));
			if (!nn) {
				rc = -ENOMEM;
				break;
			}
			memset(nn + h->n_nodes, 0, (id + 1 - h->n_nodes) * sizeof(*nn));
			h->nodes = nn;
			h->n_nodes = id + 1;
		}
		h->nodes[id] = c;
	}
	sf_names_free(names, k);
	return rc;
}

/* The interface of the default route (IPv4, else IPv6), if any. */
static int read_default_route(struct nt_host *h, const struct sysroot *r)
{
	static const char *const files[2] = { "proc/net/route", "proc/net/ipv6_route" };
	for (int v = 0; v < 2 && !h->default_dev[0]; v++) {
		char *text, err[128];
		size_t len;
		if (sf_read(r, files[v], NT_ROUTE_MAX_SIZE, &text, &len))
			continue;
		int rc = v == 0 ? nt_route4_default(text, len, h->default_dev, err, sizeof(err))
				: nt_route6_default(text, len, h->default_dev, err, sizeof(err));
		free(text);
		if (rc && nt_host_note(h, "/%s: %s", files[v], err))
			return -ENOMEM;
	}
	return 0;
}

/* Whether SYSROOT is this host's own root, as the kernel's dump and a
 * thread's sched_getaffinity see it. */
static bool sysroot_is_host(const char *sysroot)
{
	char real[PATH_MAX];
	return realpath(sysroot, real) && !strcmp(real, "/");
}

/* Linux 5.14 or later: its dump names each interface's parent device
 * (IFLA_PARENT_DEV_NAME), which tells a vif and a NIC. */
static bool kernel_names_parents(void)
{
	struct utsname u;
	unsigned major = 0, minor = 0;
	if (uname(&u) || sscanf(u.release, "%u.%u", &major, &minor) != 2)
		return false;
	return major > 5 || (major == 5 && minor >= 14);
}

int nt_host_read(const char *sysroot, struct nt_host **out, char *err, size_t errlen)
{
	return nt_host_read_how(sysroot, NT_READ_AUTO, out, err, errlen);
}

int nt_host_read_how(const char *sysroot, enum nt_read_how how, struct nt_host **out, char *err,
		     size_t errlen)
{
	return nt_host_read_kept(sysroot, how, NULL, out, err, errlen);
}

int nt_host_read_kept(const char *sysroot, enum nt_read_how how, struct nt_kcache *kept,
		      struct nt_host **out, char *err, size_t errlen)
{
	struct sysroot r, net = { -1, sysroot };
	if (how == NT_READ_AUTO)
		how = sysroot_is_host(sysroot) && kernel_names_parents() ? NT_READ_LIVE
									  : NT_READ_FILES;
	int rc = sysroot_open(&r, sysroot);
	if (rc) {
		snprintf(err, errlen, "%s: %s", sysroot, strerror(-rc));
		return rc;
	}
	struct nt_host *h = calloc(1, sizeof(*h));
	if (!h) {
		rc = -ENOMEM;
		goto out;
	}
	h->sysroot = sysroot;
	h->live = how == NT_READ_LIVE;
	rc = sysroot_sub(&r, "sys/class/net", &net);
	if (rc == 0)
		rc = h->live ? nt_read_nics_dump(h, &r, &net, err, errlen)
			     : read_nics_files(h, &r, &net);
	if (rc) {
		if (!h->live) /* the dump says what failed itself */
			snprintf(err, errlen, "%s/sys/class/net: %s",
				 strcmp(sysroot, "/") ? sysroot : "", strerror(-rc));
		goto out;
	}
	if (rc == 0)
		rc = read_cpus(h, &r);
	if (rc == 0)
		rc = nt_read_netback(h, &r, kept);
	if (rc == 0)
		rc = read_default_route(h, &r);
	if (rc)
		snprintf(err, errlen, "reading the host: %s", strerror(-rc));
out:
	sysroot_close(&net);
	sysroot_close(&r);
	if (rc) {
		nt_host_free(h);
		return rc;
	}
	*out = h;
	return 0;
}
