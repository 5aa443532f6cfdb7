/*
 * fuzz-blkback: libFuzzer target of blkback/'s parsers of outside input.
 * The first byte picks the parser, the rest is its input:
 *   'J'  multipathd's JSON (mpath_parse)
 *   'P'  io.conf's storage keys (storage_policy_parse)
 *   'V'  the guests' disks file (vbds_parse)
 *   'S'  sysfs/procfs values, one per line, each given to every value
 *        parser (FC names, speeds, states, roles, timeouts, rport names,
 *        device paths, CPU lists, blkback parameters, thread names), and
 *        the whole of it as /proc/PID/status and /proc/PID/stat
 *   'U'  a kernel uevent datagram (dm_uevent_parse: a multipath path
 *        failed or reinstated)
 * Everything parsed is freed: a leak is a finding too.
 */
#include "../../blkback/cpus.h"
#include "../../blkback/dmevent.h"
#include "../../blkback/fchost.h"
#include "../../blkback/mpath.h"
#include "../../blkback/params.h"
#include "../../blkback/policy.h"
#include "../../blkback/ringthreads.h"
#include "../../blkback/vbds.h"
#include "../../lib/errmsg.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void values(const char *text)
{
	char *dup = strdup(text);
	if (!dup)
		return;
	struct cpuset set;
	int cpu;
	ring_status_cpus(dup, &set);
	ring_stat_cpu(dup, &cpu);
	for (char *line = strtok(dup, "\n"); line; line = strtok(NULL, "\n")) {
		uint64_t w;
		unsigned u;
		bool b;
		int i;
		long l;
		char pci[16], buf[64];
		size_t end;
		fc_parse_wwn(line, &w);
		fc_parse_speed(line, &u);
		fc_parse_speeds(line, &u);
		fc_parse_state(line, &b);
		fc_parse_roles(line, &b);
		fc_parse_tmo(line, true, &i);
		fc_parse_rport_name(line, &u);
		fc_pci_of_path(line, pci, &end);
		if (cpuset_parse(line, &set) == 0)
			cpuset_format(&set, buf, sizeof(buf));
		for (int p = 0; p < BP_COUNT; p++)
			blkback_param_parse((enum blkback_param)p, line, &l);
		if (strlen(line) < RING_COMM_MAX) { /* whole names too (Linux 6.x) */
			struct ring_thread t = { 0 };
			strcpy(t.comm, line);
			int ring;
			ring_thread_domid(line, &u);
			ring_thread_of(&t, 5, "xvda", &ring);
		}
	}
	free(dup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *in = (const char *)data + 1;
	size_t len = size - 1;
	char err[XCD_ERR_MAX];
	switch (data[0]) {
	case 'J': {
		struct mp_doc d;
		if (mpath_parse(in, len, &d, err, sizeof(err)) == 0) {
			int checks;
			for (size_t i = 0; i < d.n_maps; i++)
				mpath_queueing(&d.maps[i], &checks);
			mpath_free(&d);
		}
		break;
	}
	case 'P': {
		struct storage_policy p;
		if (storage_policy_parse("io.conf", in, len, &p, err, sizeof(err)) == 0) {
			unsigned paths, hbas;
			storage_policy_for(&p, "3600a0b80001234", &paths, &hbas);
			storage_policy_free(&p);
		}
		break;
	}
	case 'V': {
		struct vbd_list l;
		if (vbds_parse("vbds", in, len, &l, err, sizeof(err)) == 0)
			vbds_free(&l);
		break;
	}
	case 'U': {
		struct dm_path_event e;
		/* Not a string: the datagram's NULs are its separators. */
		if (dm_uevent_parse(in, len, &e, err, sizeof(err)) == 1 &&
		    (strlen(e.map) >= sizeof(e.map) || strlen(e.wwid) >= sizeof(e.wwid)))
			abort();
		break;
	}
	case 'S': {
		char *s = malloc(len + 1);
		if (!s)
			return 0;
		memcpy(s, in, len);
		s[len] = '\0';
		values(s);
		free(s);
		break;
	}
	}
	return 0;
}
