#include "quota.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const names[XS_Q_COUNT] = {
	[XS_Q_NODES] = "nodes",
	[XS_Q_WATCHES] = "watches",
	[XS_Q_TRANSACTIONS] = "transactions",
	[XS_Q_NODE_SIZE] = "node-size",
	[XS_Q_PERMISSIONS] = "permissions",
	[XS_Q_TRANSACTION_NODES] = "transaction-nodes",
	[XS_Q_OUTSTANDING] = "outstanding",
	[XS_Q_MEMORY] = "memory",
	[XS_Q_PATH_MAX] = "path-max",
};

void quota_defaults(struct xs_quota *q)
{
	/* Xen 4.17's xenstored defaults. */
	q->v[XS_Q_NODES] = 1000;
	q->v[XS_Q_WATCHES] = 128;
	q->v[XS_Q_TRANSACTIONS] = 10;
	q->v[XS_Q_NODE_SIZE] = 2048;
	q->v[XS_Q_PERMISSIONS] = 5;
	q->v[XS_Q_TRANSACTION_NODES] = 1024;
	q->v[XS_Q_OUTSTANDING] = 20;
	q->v[XS_Q_MEMORY] = 2 * 1024 * 1024;
	q->v[XS_Q_PATH_MAX] = 3072;
}

const char *quota_name(enum xs_quota_id id) { return names[id]; }

int quota_lookup(const char *name)
{
	for (int i = 0; i < XS_Q_COUNT; i++)
		if (strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int quota_names(char *buf, int size, int with_global)
{
	int off = 0, n = with_global ? XS_Q_COUNT : XS_Q_PER_DOMAIN;
	buf[0] = '\0';
	for (int i = 0; i < n && off < size; i++)
		off += snprintf(buf + off, (size_t)(size - off), "%s%s", i ? " " : "", names[i]);
	return off;
}

int quota_parse_assign(struct xs_quota *q, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return -EINVAL;
	char name[32];
	size_t nl = (size_t)(eq - arg);
	if (nl >= sizeof(name))
		return -EINVAL;
	memcpy(name, arg, nl);
	name[nl] = '\0';
	int id = quota_lookup(name);
	if (id < 0)
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(eq + 1, &end, 10);
	if (errno || *end || end == eq + 1)
		return -EINVAL;
	if (id == XS_Q_PATH_MAX && (v == 0 || v > 3072))
		return -EINVAL;
	q->v[id] = v;
	return 0;
}
