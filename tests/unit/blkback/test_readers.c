/* test_readers: CPU lists, the vbd list, ring threads, blkback's
 * parameters and the whole host of each fixture. */
#include "../../../blkback/host.h"
#include "../../../blkback/plan.h"
#include "../../../blkback/policy.h"
#include "../../../blkback/verify.h"
#include "../../../lib/errmsg.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_cpus(void)
{
	struct cpuset s;
	char buf[128];
	CU_ASSERT_EQUAL(cpuset_parse("0-3,8,10-11", &s), 0);
	CU_ASSERT_EQUAL(cpuset_count(&s), 7);
	cpuset_format(&s, buf, sizeof(buf));
	u_str_eq(buf, "0-3,8,10-11", "format", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(cpuset_parse("", &s), 0);
	CU_ASSERT_EQUAL(cpuset_count(&s), 0);
	CU_ASSERT_EQUAL(cpuset_parse("3-1", &s), -EINVAL);
	CU_ASSERT_EQUAL(cpuset_parse("1,", &s), -EINVAL);
	CU_ASSERT_EQUAL(cpuset_parse("4096", &s), -EINVAL);
	CU_ASSERT_EQUAL(cpuset_parse("0-4095", &s), 0);
	CU_ASSERT_EQUAL(cpuset_count(&s), 4096);
	CU_ASSERT_EQUAL(cpuset_parse("1 2", &s), -EINVAL);
}

static void test_vbds(void)
{
	struct vbd_list l;
	char err[XCD_ERR_MAX];
	const char good[] = "# comment\n5 xvda /dev/mapper/mpatha web1\n\n7\txvdb dm-3 # no name\n";
	CU_ASSERT_EQUAL_FATAL(vbds_parse("vbds", good, strlen(good), &l, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(l.n, 2);
	CU_ASSERT_EQUAL(l.v[1].domid, 7);
	u_str_eq(l.v[1].device, "dm-3", "device", __FILE__, __LINE__);
	u_str_eq(l.v[1].guest, "", "guest", __FILE__, __LINE__);
	vbds_free(&l);
	const char *bad[][2] = {
		{ "0 xvda dm-1\n", "vbds:1: the domid must be a number from 1 to 32751" },
		{ "5 xvda dm-1\n32752 xvda dm-1\n", "vbds:2: the domid must be a number from 1 to 32751" },
		{ "5 XVDA dm-1\n", "vbds:1: the vdev must be 1 to 15 lower-case letters and digits (xvda)" },
		{ "5 xvda sda\n", "vbds:1: the device must be /dev/... or dm-N, under 128 bytes" },
		{ "5 xvda dm-1 web extra\n", "vbds:1: a guest name of at most 63 bytes ends the line" },
		{ "5 xvdaaaaaaaaaaaaaaaaa dm-1\n",
		  "vbds:1: the vdev must be 1 to 15 lower-case letters and digits (xvda)" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(vbds_parse("vbds", bad[i][0], strlen(bad[i][0]), &l, err, sizeof(err)),
				-EINVAL);
		u_str_eq(err, bad[i][1], bad[i][0], __FILE__, __LINE__);
	}
}

static void test_threads(void)
{
	struct ring_thread t = { 0 };
	int ring;
	strcpy(t.comm, "blkback.5.xvda-");
	CU_ASSERT(ring_thread_of(&t, 5, "xvda", &ring));
	CU_ASSERT_EQUAL(ring, -1); /* cut before the ring number */
	CU_ASSERT(!ring_thread_of(&t, 5, "xvdb", &ring));
	CU_ASSERT(!ring_thread_of(&t, 50, "xvda", &ring));
	strcpy(t.comm, "blkback.5.xvd-1");
	CU_ASSERT(ring_thread_of(&t, 5, "xvd", &ring));
	CU_ASSERT_EQUAL(ring, -1);
	strcpy(t.comm, "blkback.5.sd-12"); /* 15 characters: more digits may be cut */
	CU_ASSERT(ring_thread_of(&t, 5, "sd", &ring));
	CU_ASSERT_EQUAL(ring, -1);
	strcpy(t.comm, "blkback.5.sd-1");
	CU_ASSERT(ring_thread_of(&t, 5, "sd", &ring));
	CU_ASSERT_EQUAL(ring, 1);
	strcpy(t.comm, "blkback.5.hd-3");
	CU_ASSERT(ring_thread_of(&t, 5, "hd", &ring));
	CU_ASSERT_EQUAL(ring, 3);
	strcpy(t.comm, "blkback.12.xvdb");
	CU_ASSERT(ring_thread_of(&t, 12, "xvdb", &ring));
	CU_ASSERT(!ring_thread_of(&t, 12, "xvd", &ring));
	/* Whole names (recent kernels show a kernel thread's whole name), and
	 * today's form "DOMID.VDEV-N" (the lab's 6.1: "1.xvdb-0"). */
	static const struct {
		const char *comm, *vdev;
		unsigned domid;
		int ring; /* -2: no match */
	} cases[] = {
		{ "blkback.12.xvdb-1", "xvdb", 12, 1 },	 { "blkback.12.xvdb-1", "xvd", 12, -2 },
		{ "blkback.12.xvdb-1", "xvdb", 1, -2 },	 { "blkback.5.xvdab-10", "xvdab", 5, 10 },
		{ "blkback.5.xvdab-10", "xvda", 5, -2 }, { "blkback.5.sd-123", "sd", 5, 123 },
		{ "blkback.12.xvdb-x", "xvdb", 12, -2 }, { "blkback.12.xvdb-", "xvdb", 12, -2 },
		{ "1.xvdb-0", "xvdb", 1, 0 },		 { "1.xvdb-0", "xvd", 1, -2 },
		{ "1.xvdb-0", "xvdb", 11, -2 },		 { "12.xvdb-3", "xvdb", 12, 3 },
		{ "12.xvdb-3", "xvdb", 1, -2 },	 { "blkback.1.xvda-10", "xvda", 1, 10 },
		{ "blkback.12.xvdb-1x", "xvdb", 12, -2 }, { "1.xvda-", "xvda", 1, -2 },
		{ "blkback.1.xvda-123456", "xvda", 1, -2 }, /* no ring has 6 digits */
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strcpy(t.comm, cases[i].comm);
		ring = -3;
		bool m = ring_thread_of(&t, cases[i].domid, cases[i].vdev, &ring);
		if (m != (cases[i].ring != -2) || (m && ring != cases[i].ring)) {
			fprintf(stderr, "\n%s of (%u, %s): %s, ring %d\n", cases[i].comm,
				cases[i].domid, cases[i].vdev, m ? "matched" : "not matched", ring);
			CU_FAIL("ring_thread_of");
		}
	}
	unsigned d;
	CU_ASSERT_EQUAL(ring_thread_domid("blkback.12.xvdb", &d), 0);
	CU_ASSERT_EQUAL(d, 12);
	CU_ASSERT_EQUAL(ring_thread_domid("blkback.x", &d), -EINVAL);
	CU_ASSERT_EQUAL(ring_thread_domid("vif5.0-q0-guest", &d), -EINVAL);
	struct cpuset s;
	CU_ASSERT_EQUAL(ring_status_cpus("Name:\tx\nCpus_allowed:\tff\nCpus_allowed_list:\t8-15\n", &s), 0);
	CU_ASSERT_EQUAL(cpuset_count(&s), 8);
	CU_ASSERT_EQUAL(ring_status_cpus("Name:\tx\n", &s), -ENOENT);
	CU_ASSERT_EQUAL(ring_status_cpus("Cpus_allowed_list:\tlots\n", &s), -EINVAL);
	char stat[512] = "1000 (blkback.5.x) y) S";
	for (int f = 4; f <= 52; f++)
		sprintf(stat + strlen(stat), " %d", f == 39 ? 7 : 0);
	int cpu;
	CU_ASSERT_EQUAL(ring_stat_cpu(stat, &cpu), 0);
	CU_ASSERT_EQUAL(cpu, 7);
	CU_ASSERT_EQUAL(ring_stat_cpu("1000 (x) S 1 2 3", &cpu), -EINVAL);
	CU_ASSERT_EQUAL(ring_stat_cpu("1000 x S", &cpu), -EINVAL);
}

/* Current kernels name a ring's thread "DOMID.VDEV-N" (Linux 6.1). */
static void test_threads_bare(void)
{
	unsigned d;
	CU_ASSERT_EQUAL(ring_thread_domid("1.xvda-0", &d), 0);
	CU_ASSERT_EQUAL(d, 1);
	static const char *const not_rings[] = { "1.",	 "1.5",	 "1.xvdb-",
						 "1.-0", "kworker/0:1", "kworker/0:1-events" };
	for (size_t i = 0; i < sizeof(not_rings) / sizeof(not_rings[0]); i++)
		CU_ASSERT_EQUAL(ring_thread_domid(not_rings[i], &d), -EINVAL);
	/* Read from /proc: any process may call itself "1.xvda-0" or
	 * "blkback.2.xvdb-1"; only a kernel thread (a child of kthreadd, pid
	 * 2) of that name is blkback's, in either form. Names of the older
	 * form are kept whole or cut, with their CPUs. */
	char *root = tmp_root(), err[XCD_ERR_MAX];
	static const char *const procs[][4] = {
		/* pid, comm, parent (NULL: no stat), CPUs */
		{ "77", "1.xvda-0", "2", "0-1" },
		{ "78", "1.xvda-0", "1234", NULL },	 /* a process */
		{ "79", "1.xvda-1", NULL, NULL },	 /* no stat: not known a kernel thread */
		{ "80", "blkback.2.xvdb-0", "2", NULL },
		{ "81", "blkback.2.xvdb-1", "1234", NULL }, /* a process of the older form */
		{ "82", "blkback.3.xvdc", NULL, NULL },	    /* no stat, the older form */
		{ "300", "blkback.12.xvdb-1", "2", "2-3" },
		{ "301", "blkback.12.xvdb", "2", NULL },
		{ "302", "kworker/u4:1-events_unbound", "2", NULL },
	};
	for (size_t i = 0; i < sizeof(procs) / sizeof(procs[0]); i++) {
		char rel[64], text[160];
		snprintf(rel, sizeof(rel), "proc/%s/comm", procs[i][0]);
		snprintf(text, sizeof(text), "%s\n", procs[i][1]);
		tmp_write(root, rel, text);
		if (procs[i][2]) {
			snprintf(rel, sizeof(rel), "proc/%s/stat", procs[i][0]);
			snprintf(text, sizeof(text), "%s (%s) S %s 0 0 0 -1 2129984 0 0\n", procs[i][0],
				 procs[i][1], procs[i][2]);
			tmp_write(root, rel, text);
		}
		if (procs[i][3]) {
			snprintf(rel, sizeof(rel), "proc/%s/status", procs[i][0]);
			snprintf(text, sizeof(text), "Name:\t%s\nPPid:\t2\nCpus_allowed_list:\t%s\n",
				 procs[i][1], procs[i][3]);
			tmp_write(root, rel, text);
		}
	}
	struct ring_threads rt;
	int ring;
	CU_ASSERT_EQUAL_FATAL(ring_threads_read(root, &rt, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(rt.n, 4);
	/* the two processes named so are said, the tasks with no stat not */
	CU_ASSERT_EQUAL_FATAL(rt.n_impostors, 2);
	for (size_t i = 0; i < rt.n_impostors; i++) {
		const struct ring_impostor *m = &rt.impostors[i];
		CU_ASSERT((m->pid == 78 && !strcmp(m->comm, "1.xvda-0")) ||
			  (m->pid == 81 && !strcmp(m->comm, "blkback.2.xvdb-1")));
	}
	for (size_t i = 0; i < rt.n; i++) {
		const struct ring_thread *t = &rt.t[i];
		CU_ASSERT(t->pid == 77 || t->pid == 80 || t->pid == 300 || t->pid == 301);
		if (t->pid == 77)
			CU_ASSERT(t->domid == 1 && ring_thread_of(t, 1, "xvda", &ring) && ring == 0 &&
				  cpuset_count(&t->allowed) == 2);
		if (t->pid == 300) {
			u_str_eq(t->comm, "blkback.12.xvdb-1", "whole name", __FILE__, __LINE__);
			CU_ASSERT_EQUAL(cpuset_count(&t->allowed), 2);
			CU_ASSERT(ring_thread_of(t, 12, "xvdb", &ring) && ring == 1);
		}
	}
	ring_threads_free(&rt);
	tmp_remove(root);
}

static void test_params(void)
{
	long v;
	CU_ASSERT_EQUAL(blkback_param_parse(BP_FEATURE_PERSISTENT, "Y", &v), 0);
	CU_ASSERT_EQUAL(v, 1);
	CU_ASSERT_EQUAL(blkback_param_parse(BP_FEATURE_PERSISTENT, "yes", &v), -EINVAL);
	CU_ASSERT_EQUAL(blkback_param_parse(BP_MAX_QUEUES, "16", &v), 0);
	CU_ASSERT_EQUAL(blkback_param_parse(BP_MAX_QUEUES, "-1", &v), -EINVAL);
	CU_ASSERT_EQUAL(blkback_param_parse(BP_MAX_QUEUES, "4294967296", &v), -EINVAL);
	CU_ASSERT(!blkback_params[BP_MAX_RING_PAGE_ORDER].runtime);
	CU_ASSERT(blkback_params[BP_MAX_QUEUES].runtime);
	struct blkback_state st;
	char err[XCD_ERR_MAX];
	char *root = tmp_root();
	tmp_write(root, "sys/module/xen_blkback/parameters/max_queues", "many\n");
	CU_ASSERT_EQUAL(blkback_read(root, &st, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "max_queues: 'many' is not a number") != NULL);
	tmp_remove(root);
}

/* A LUN on two virtio-scsi HBAs (the lab's hw=io boot): multipathd says
 * host_adapter "[undef]" off FC, so each path's HBA comes from the PCI
 * device above its SCSI device, and the map's two paths run through two. */
static void test_hbas_off_fc(void)
{
	static const char path_fmt[] =
		"{\"dev\": \"%s\", \"dev_t\": \"%s\", \"dm_st\": \"active\", \"dev_st\": \"running\", "
		"\"chk_st\": \"ready\", \"checker\": \"tur\", \"pri\": 1, \"host_wwnn\": \"[undef]\", "
		"\"target_wwnn\": \"[undef]\", \"host_wwpn\": \"[undef]\", \"target_wwpn\": \"[undef]\", "
		"\"host_adapter\": \"[undef]\", \"lun_hex\": \"0x0000000000000000\", \"marginal_st\": \"normal\"}";
	char pa[512], pb[512], json[2048];
	snprintf(pa, sizeof(pa), path_fmt, "sda", "8:0");
	snprintf(pb, sizeof(pb), path_fmt, "sdb", "8:16");
	snprintf(json, sizeof(json),
		 "{\"major_version\": 0, \"minor_version\": 1, \"maps\": [{\"name\": \"35000c500a1b2c3d0\", "
		 "\"uuid\": \"35000c500a1b2c3d0\", \"sysfs\": \"dm-0\", \"failback\": \"manual\", "
		 "\"queueing\": \"-\", \"paths\": 2, \"write_prot\": \"rw\", \"dm_st\": \"active\", "
		 "\"features\": \"0\", \"hwhandler\": \"0\", \"action\": \"\", \"path_faults\": 0, "
		 "\"vend\": \"QEMU\", \"prod\": \"QEMU HARDDISK\", \"rev\": \"2.5+\", \"switch_grp\": 0, "
		 "\"map_loads\": 1, \"total_q_time\": 0, \"q_timeouts\": 0, \"path_groups\": [{"
		 "\"selector\": \"service-time 0\", \"pri\": 1, \"dm_st\": \"active\", "
		 "\"marginal_st\": \"normal\", \"group\": 1, \"paths\": [%s, %s]}]}]}",
		 pa, pb);
	char *root = tmp_root(), path[4096];
	const char *hba[2] = { "0000:00:04.0", "0000:00:05.0" };
	for (int i = 0; i < 2; i++) {
		char rel[256];
		snprintf(rel, sizeof(rel), "sys/devices/pci0000:00/%s/virtio%d/host%d/target%d:0:0/%d:0:0:0/model",
			 hba[i], i + 1, i + 2, i + 2, i + 2);
		tmp_write(root, rel, "QEMU HARDDISK\n");
		snprintf(rel, sizeof(rel), "sys/block/sd%c/size", 'a' + i);
		tmp_write(root, rel, "524288\n");
		snprintf(path, sizeof(path), "%s/sys/block/sd%c/device", root, 'a' + i);
		snprintf(rel, sizeof(rel),
			 "../../devices/pci0000:00/%s/virtio%d/host%d/target%d:0:0/%d:0:0:0", hba[i],
			 i + 1, i + 2, i + 2, i + 2);
		CU_ASSERT_EQUAL(symlink(rel, path), 0);
	}
	struct blk_inputs in = { .mpath_json = json, .mpath_len = strlen(json) };
	struct blk_host h;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL_FATAL(blk_host_read_with(root, &in, &h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL_FATAL(h.mp.n_maps, 1);
	CU_ASSERT_EQUAL(h.maps[0].live, 2);
	CU_ASSERT_EQUAL(h.maps[0].hbas_live, 2);
	u_str_eq(h.maps[0].paths[0].hba, "0000:00:04", "sda's HBA", __FILE__, __LINE__);
	u_str_eq(h.maps[0].paths[1].hba, "0000:00:05", "sdb's HBA", __FILE__, __LINE__);
	/* A LUN may ask for its two HBAs: the host has them. */
	static const char pol[] = "lun = [ \"wwid=35000c500a1b2c3d0,paths=2,hbas=2\" ]\n";
	struct storage_policy sp;
	CU_ASSERT_EQUAL_FATAL(storage_policy_parse("io.conf", pol, strlen(pol), &sp, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(storage_policy_check(&sp, &h, err, sizeof(err)), 0);
	/* No path on FC: the budget (FC port speeds) is not known, and said so,
	 * not "0 MB/s". */
	struct tune_plan plan;
	tune_plan_init(&plan);
	CU_ASSERT_EQUAL_FATAL(blk_plan(&h, &sp, &plan), 0);
	bool said = false;
	for (size_t i = 0; i < plan.n; i++)
		if (!strcmp(plan.items[i].object, "budget")) {
			u_str_eq(plan.items[i].figure, "unknown", "the budget's figure", __FILE__, __LINE__);
			said = strstr(plan.items[i].reason, "through no FC port") != NULL;
		}
	CU_ASSERT(said);
	tune_plan_free(&plan);
	struct blk_verify v = { 0 };
	CU_ASSERT_EQUAL_FATAL(blk_verify(&h, &sp, &v), 0);
	said = false;
	for (size_t i = 0; i < v.n; i++)
		if (!strcmp(v.c[i].check, "budget")) {
			CU_ASSERT(!v.c[i].pass);
			u_str_eq(v.c[i].figure, "unknown", "verify's budget", __FILE__, __LINE__);
			said = strstr(v.c[i].detail, "not known") != NULL;
		}
	CU_ASSERT(said);
	blk_verify_free(&v);
	storage_policy_free(&sp);
	blk_host_free(&h);
	tmp_remove(root);
}

static void test_hosts(void)
{
	struct blk_host h;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL_FATAL(blk_host_read(BLK_FIXTURES "/dual-hba", &h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(h.mp.n_maps, 6);
	CU_ASSERT(h.maps[0].alua);
	CU_ASSERT_EQUAL(h.maps[0].live, 4);
	CU_ASSERT_EQUAL(h.maps[0].hbas_live, 2);
	u_str_eq(h.maps[0].paths[0].access_state, "active/optimized", "access_state", __FILE__, __LINE__);
	CU_ASSERT(h.maps[0].paths[0].rport != NULL);
	CU_ASSERT_EQUAL(h.rt.n, 12); /* systemd, kthreadd, blkfront-ish passed over */
	CU_ASSERT_EQUAL(h.vbds.n, 6);
	CU_ASSERT(blk_host_map_of(&h, &h.vbds.v[1]) == &h.maps[1]); /* by dm-1 */
	CU_ASSERT_EQUAL(h.numa.n_nodes, 2);
	CU_ASSERT(h.bb.loaded);
	CU_ASSERT_EQUAL(h.bb.value[BP_MAX_RING_PAGE_ORDER], 1);
	size_t online;
	char names[64];
	CU_ASSERT_EQUAL(blk_host_hbas(&h, &online, names, sizeof(names)), 2);
	u_str_eq(names, "0000:05:00, 0000:84:00", "hbas", __FILE__, __LINE__);
	char *text;
	CU_ASSERT_EQUAL_FATAL(blk_show_text(&h, &text), 0);
	CU_ASSERT(strstr(text, "FC HBA ports: 4 on 2 HBAs\n") != NULL);
	CU_ASSERT(strstr(text, "  host3   0x10000090fa000003  Online    8 Gbit (800 MB/s)  HBA 0000:84:00  NUMA node 1\n") != NULL);
	CU_ASSERT(strstr(text, "      sdb    live   active/ready  via host1 (HBA 0000:05:00, Online) -> rport-1:0-0 (Online)  active/optimized\n") != NULL);
	CU_ASSERT(strstr(text, "  dom2     web2         xvda   on dm-1 = map 3600a0b800012340a0001 (4/4 paths live), 2 ring threads\n") != NULL);
	free(text);
	blk_host_free(&h);

	CU_ASSERT_EQUAL_FATAL(blk_host_read(BLK_FIXTURES "/paths-down", &h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(h.maps[0].live, 3);
	CU_ASSERT_EQUAL(h.maps[0].hbas_live, 2);
	blk_host_free(&h);

	CU_ASSERT_EQUAL_FATAL(blk_host_read(BLK_FIXTURES "/empty", &h, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(h.fc.n_ports + h.mp.n_maps + h.rt.n + h.vbds.n, 0);
	CU_ASSERT(!h.bb.loaded);
	CU_ASSERT_EQUAL_FATAL(blk_show_text(&h, &text), 0);
	u_str_eq(text,
		 "FC: no HBA ports\nmultipath: no maps\nblkback: xen_blkback not loaded\n"
		 "blkback ring threads: 0\nguests' disks: 0\n",
		 "empty show", __FILE__, __LINE__);
	free(text);
	blk_host_free(&h);

	CU_ASSERT_EQUAL_FATAL(blk_host_read(BLK_FIXTURES "/single-hba", &h, err, sizeof(err)), 0);
	CU_ASSERT(!h.maps[0].alua);
	CU_ASSERT_EQUAL(h.maps[0].hbas_live, 1);
	CU_ASSERT_EQUAL(blk_host_hbas(&h, NULL, NULL, 0), 1);
	blk_host_free(&h);
}

void register_readers(void)
{
	CU_pSuite s = CU_add_suite("readers", NULL, NULL);
	CU_add_test(s, "CPU lists", test_cpus);
	CU_add_test(s, "guests' disks", test_vbds);
	CU_add_test(s, "ring threads", test_threads);
	CU_add_test(s, "ring threads named as current kernels name them", test_threads_bare);
	CU_add_test(s, "HBAs of paths off FC", test_hbas_off_fc);
	CU_add_test(s, "blkback parameters", test_params);
	CU_add_test(s, "fixture hosts", test_hosts);
}
