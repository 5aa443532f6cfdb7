/* cpus: CPU lists and the CPUs of NUMA nodes (see cpus.h). */
#include "cpus.h"
#include "sysread.h"
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int numa_cpus_read(const char *root, struct numa_cpus *n, char *err, size_t errlen)
{
	memset(n, 0, sizeof(*n));
	char buf[4096], rel[96];
	int r = sysread_file(root, "sys/devices/system/cpu/online", buf, sizeof(buf));
	if (r == 0 && cpuset_parse(buf, &n->online) < 0) {
		snprintf(err, errlen, "%s/sys/devices/system/cpu/online: '%.64s' is not a CPU list",
			 root, buf);
		return -EINVAL;
	}
	for (unsigned i = 0; i < NODES_MAX; i++) {
		snprintf(rel, sizeof(rel), "sys/devices/system/node/node%u/cpulist", i);
		r = sysread_file(root, rel, buf, sizeof(buf));
		if (r == -ENOENT)
			continue;
		if (r < 0 || cpuset_parse(buf, &n->node[i]) < 0) {
			snprintf(err, errlen, "%s/%s: '%.64s' is not a CPU list", root, rel,
				 r < 0 ? strerror(-r) : buf);
			return -EINVAL;
		}
		n->n_nodes = i + 1;
	}
	return 0;
}
