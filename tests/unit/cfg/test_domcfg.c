/* domcfg: normalisation of a PV/PVH configuration as xl's parse_config_data,
 * the CPU list syntax, warnings, errors, and the JSON of `xl -N create`. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define HEAD "name = 'g'\nkernel = '/boot/vmlinuz'\n"

/* A 16-CPU host of 4 NUMA nodes: CPUs 0-3 on node 0, 4-7 on node 1, ... */
static const unsigned node_of[16] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 };
static const struct domcfg_host host16 = { 16, 4, node_of };

static void test_memory(void)
{
	struct domcfg *d = u_domcfg(HEAD "memory = 512\n", NULL);
	if (d) {
		/* Without maxmem=, maxmem is memory. */
		CU_ASSERT_EQUAL(d->target_memkb, 512 * 1024);
		CU_ASSERT_EQUAL(d->max_memkb, 512 * 1024);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "memory = 512\nmaxmem = 2048\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->target_memkb, 512 * 1024);
		CU_ASSERT_EQUAL(d->max_memkb, 2048 * 1024);
		domcfg_free(d);
	}
	/* Neither: left to libxl (32 MiB), as xl leaves them. */
	d = u_domcfg(HEAD, NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->target_memkb, DOMCFG_MEMKB_DEFAULT);
		CU_ASSERT_EQUAL(d->max_memkb, DOMCFG_MEMKB_DEFAULT);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "maxmem = 1024\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->target_memkb, DOMCFG_MEMKB_DEFAULT);
		CU_ASSERT_EQUAL(d->max_memkb, 1024 * 1024);
		domcfg_free(d);
	}
	/* A quoted number is a number, as in xl. */
	d = u_domcfg(HEAD "memory = '0x100'\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->target_memkb, 256 * 1024);
		domcfg_free(d);
	}
	u_domcfg_fails(HEAD "memory = 512\nmaxmem = 256\n", "t.cfg:4:10: maxmem: ",
		       "256 MB is less than memory= (512 MB)");
	u_domcfg_fails(HEAD "memory = 0\n", "t.cfg:3:10: memory: ", "0 is out of range");
	u_domcfg_fails(HEAD "memory = -5\n", "t.cfg:3:10: memory: ", "out of range");
	u_domcfg_fails(HEAD "memory = '512M'\n", "t.cfg:3:10: memory: ",
		       "expected a number, found \"512M\"");
	u_domcfg_fails(HEAD "memory = [ 512 ]\n", "t.cfg:3:10: memory: ",
		       "expected a number, found a list");
	u_domcfg_fails(HEAD "memory = 08\n", "t.cfg:3:10: memory: ",
		       "expected a number, found \"08\"");
}

static void test_vcpus(void)
{
	struct domcfg *d = u_domcfg(HEAD "vcpus = 2\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->vcpus, 2);
		CU_ASSERT_EQUAL(d->max_vcpus, 2);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "vcpus = 2\nmaxvcpus = 8\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->vcpus, 2);
		CU_ASSERT_EQUAL(d->max_vcpus, 8);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "maxvcpus = 4\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->vcpus, 0);
		CU_ASSERT_EQUAL(d->max_vcpus, 4);
		domcfg_free(d);
	}
	u_domcfg_fails(HEAD "vcpus = 4\nmaxvcpus = 2\n", "t.cfg:4:12: maxvcpus: ",
		       "2 is less than vcpus= (4)");
	u_domcfg_fails(HEAD "vcpus = 0\n", "t.cfg:3:9: vcpus: ", "out of range (expected 1 to "
		       "4096)");
}

/* root= and extra= make the command line unless cmdline= is given. */
static void test_cmdline(void)
{
	static const char *const cases[][2] = {
		{ "root = '/dev/xvda1 ro'\nextra = 'console=hvc0'\n",
		  "root=/dev/xvda1 ro console=hvc0" },
		{ "root = '/dev/xvda1'\n", "root=/dev/xvda1" },
		{ "extra = 'quiet'\n", "quiet" },
		{ "cmdline = 'console=hvc0'\n", "console=hvc0" },
		{ "", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[300];
		snprintf(text, sizeof(text), HEAD "%s", cases[i][0]);
		struct domcfg *d = u_domcfg(text, NULL);
		if (d) {
			U_STR_EQ(d->cmdline, cases[i][1]);
			domcfg_free(d);
		}
	}
	struct domcfg *d = u_domcfg(HEAD "root = '/dev/sda'\ncmdline = 'x=1'\nextra='y'\n", NULL);
	if (d) {
		U_STR_EQ(d->cmdline, "x=1");
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:4: root= and extra= are ignored in favour "
					     "of cmdline="));
		domcfg_free(d);
	}
}

static void cpus_are(const char *list, const struct domcfg_host *host, const char *expect)
{
	struct cpumap m;
	char err[XCD_ERR_MAX] = "";
	int r = domcfg_parse_cpulist(list, host, &m, err, sizeof(err));
	if (r)
		fprintf(stderr, "\n\"%s\": %s\n", list, err);
	CU_ASSERT_EQUAL(r, 0);
	if (r)
		return;
	char got[20000] = "";
	size_t n = 0;
	for (unsigned i = 0; i < DOMCFG_MAX_CPUS && n < sizeof(got) - 8; i++)
		if (cpumap_test(&m, i))
			n += (size_t)snprintf(got + n, sizeof(got) - n, "%s%u", n ? "," : "", i);
	U_STR_EQ(got, expect);
}

static void cpus_fail(const char *list, const struct domcfg_host *host, const char *what)
{
	struct cpumap m;
	memset(&m, 0x5a, sizeof(m));
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(domcfg_parse_cpulist(list, host, &m, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(m.bits[0], 0x5a5a5a5a5a5a5a5aULL);
	U_CONTAINS(err, what);
}

/* xl.cfg(5) "cpus": each example of the man page, on a 16-CPU 4-node host. */
static void test_cpulist(void)
{
	cpus_are("all", &host16, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15");
	cpus_are("0-3,5,^1", &host16, "0,2,3,5");
	cpus_are("all,^7", &host16, "0,1,2,3,4,5,6,8,9,10,11,12,13,14,15");
	/* "the above would mean all the vCPUs of the guest would be allowed to run on CPUs
	 * 0-7,12-15" */
	cpus_are("nodes:0-3,^node:2", &host16, "0,1,2,3,4,5,6,7,12,13,14,15");
	/* "that would be CPUs 1,4,5,7" */
	cpus_are("1,node:1,^6", &host16, "1,4,5,7");
	cpus_are("all,^node:1", &host16, "0,1,2,3,8,9,10,11,12,13,14,15");
	cpus_are("3-8,^5", &host16, "3,4,6,7,8");
	cpus_are("all,^5-8", &host16, "0,1,2,3,4,9,10,11,12,13,14,15");
	cpus_are("node:0,node:2,^9-11", &host16, "0,1,2,3,8");
	cpus_are("nodes:all", &host16, "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15");
	/* Order matters, as in xl; empty items are skipped. */
	cpus_are("^3,0-4", &host16, "0,1,2,3,4");
	cpus_are("0,,2,", &host16, "0,2");
	/* Without a host: 4096 CPUs. */
	cpus_are("4095", NULL, "4095");
	cpus_are("0-3,^2", NULL, "0,1,3");

	cpus_fail("^all", &host16, "'^' cannot be combined with all");
	cpus_fail("5-3", &host16, "'5-3' is not a CPU");
	cpus_fail("x", &host16, "'x' is not a CPU");
	cpus_fail("1-", &host16, "'1-' is not a CPU");
	cpus_fail("-1", &host16, "'-1' is not a CPU");
	cpus_fail("16", &host16, "CPU 16 does not exist (the host has CPUs 0 to 15)");
	cpus_fail("4096", NULL, "CPU 4096 does not exist");
	cpus_fail("node:4", &host16, "NUMA node 4 does not exist");
	cpus_fail("node:0", NULL, "without the host's NUMA topology");
	cpus_fail("0-3,^0-3", &host16, "selects no CPU");
	cpus_fail("", &host16, "selects no CPU");
	cpus_fail("99999999999999999999999", &host16, "is not a CPU");
}

/* cpus= and cpus_soft= as xl's parse_vcpu_affinity. */
static void test_affinity(void)
{
	struct domcfg *d = u_domcfg(HEAD "vcpus = 2\nmaxvcpus = 3\ncpus = '0-3,^2'\n", &host16);
	if (d) {
		/* A string: the same map for every vCPU the guest may have. */
		CU_ASSERT_EQUAL(d->vcpu_hard_affinity.n, 3);
		CU_ASSERT_TRUE(d->vcpu_hard_affinity.same);
		const struct cpumap *m = domcfg_affinity_map(&d->vcpu_hard_affinity, 2);
		CU_ASSERT_TRUE(m && cpumap_test(m, 3) && !cpumap_test(m, 2));
		CU_ASSERT_PTR_NULL(domcfg_affinity_map(&d->vcpu_hard_affinity, 3));
		CU_ASSERT_EQUAL(d->numa_placement, CFG_DEFBOOL_DEFAULT);
		CU_ASSERT_EQUAL(d->vcpu_soft_affinity.n, 0);
		domcfg_free(d);
	}
	/* A list: vCPU i gets item i; items beyond the vCPUs are checked, then dropped. */
	d = u_domcfg(HEAD "vcpus = 2\ncpus = [ '2', '3-8,^5', 'all' ]\n", &host16);
	if (d) {
		CU_ASSERT_EQUAL(d->vcpu_hard_affinity.n, 2);
		CU_ASSERT_FALSE(d->vcpu_hard_affinity.same);
		const struct cpumap *m0 = domcfg_affinity_map(&d->vcpu_hard_affinity, 0);
		const struct cpumap *m1 = domcfg_affinity_map(&d->vcpu_hard_affinity, 1);
		CU_ASSERT_TRUE(cpumap_test(m0, 2) && !cpumap_test(m0, 3));
		CU_ASSERT_TRUE(cpumap_test(m1, 4) && !cpumap_test(m1, 5) && cpumap_test(m1, 8));
		/* A list disables automatic NUMA placement. */
		CU_ASSERT_EQUAL(d->numa_placement, CFG_DEFBOOL_FALSE);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "vcpus = 4\ncpus = [ 1, 2 ]\ncpus_soft = 'node:1'\n", &host16);
	if (d) {
		CU_ASSERT_EQUAL(d->vcpu_hard_affinity.n, 2);
		CU_ASSERT_EQUAL(d->vcpu_soft_affinity.n, 4);
		CU_ASSERT_TRUE(cpumap_test(domcfg_affinity_map(&d->vcpu_soft_affinity, 3), 7));
		CU_ASSERT_EQUAL(d->numa_placement, CFG_DEFBOOL_FALSE);
		domcfg_free(d);
	}
	/* Without vcpus= xl ignores cpus=: so do we, with a warning. */
	d = u_domcfg(HEAD "cpus = '1'\n", &host16);
	if (d) {
		CU_ASSERT_EQUAL(d->vcpu_hard_affinity.n, 0);
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:3: cpus has no effect without vcpus="));
		domcfg_free(d);
	}
	u_domcfg_fails(HEAD "vcpus = 2\ncpus = '0-3,^x'\n", "t.cfg:4:8: cpus: ",
		       "\"0-3,^x\": '^x' is not a CPU");
	u_domcfg_fails(HEAD "vcpus = 1\ncpus_soft = [ '1', '2-1' ]\n", "t.cfg:4:20: cpus_soft: ",
		       "'2-1' is not a CPU");
	u_domcfg_fails(HEAD "vcpus = 1\ncpus = [ [ '1' ] ]\n", "t.cfg:4:10: cpus: ",
		       "expected a CPU list string, found a list");
}

static void test_type(void)
{
	struct domcfg *d = u_domcfg(HEAD, NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->type, DOMCFG_TYPE_PV); /* x86's default */
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "type = 'pvh'\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->type, DOMCFG_TYPE_PVH);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "builder = 'generic'\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->type, DOMCFG_TYPE_PV);
		domcfg_free(d);
	}
	u_domcfg_fails(HEAD "type = 'hvm'\n", "t.cfg:3:8: type: ", "HVM guests are not "
		       "supported yet");
	u_domcfg_fails(HEAD "builder = 'hvm'\n", "t.cfg:3:11: builder: ", "HVM guests");
	u_domcfg_fails(HEAD "type = 'pvh'\nbuilder = 'generic'\n", "t.cfg:4:11: builder: ",
		       "contradicts type=");
	u_domcfg_fails(HEAD "type = 'xen'\n", "t.cfg:3:8: type: ", "unknown guest type \"xen\"");
}

static void test_actions(void)
{
	struct domcfg *d = u_domcfg(HEAD, NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->on_poweroff, DOMCFG_ACTION_DESTROY);
		CU_ASSERT_EQUAL(d->on_reboot, DOMCFG_ACTION_RESTART);
		CU_ASSERT_EQUAL(d->on_watchdog, DOMCFG_ACTION_DESTROY);
		CU_ASSERT_EQUAL(d->on_crash, DOMCFG_ACTION_DESTROY);
		CU_ASSERT_EQUAL(d->on_soft_reset, DOMCFG_ACTION_SOFT_RESET);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "on_poweroff = 'preserve'\non_reboot = 'rename-restart'\n"
		     "on_watchdog = 'coredump-destroy'\non_crash = 'coredump-restart'\n"
		     "on_soft_reset = 'restart'\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->on_poweroff, DOMCFG_ACTION_PRESERVE);
		CU_ASSERT_EQUAL(d->on_reboot, DOMCFG_ACTION_RESTART_RENAME);
		CU_ASSERT_EQUAL(d->on_watchdog, DOMCFG_ACTION_COREDUMP_DESTROY);
		CU_ASSERT_EQUAL(d->on_crash, DOMCFG_ACTION_COREDUMP_RESTART);
		CU_ASSERT_EQUAL(d->on_soft_reset, DOMCFG_ACTION_RESTART);
		U_STR_EQ(domcfg_action_name(d->on_reboot), "restart_rename");
		domcfg_free(d);
	}
	u_domcfg_fails(HEAD "on_crash = 'reboot'\n", "t.cfg:3:12: on_crash: ",
		       "unknown action \"reboot\"");
}

static void test_uuid_name_boot(void)
{
	struct domcfg *d = u_domcfg(HEAD "uuid = '6A3B1C2D-0000-4000-8000-00000000ABCD'\n", NULL);
	if (d) {
		CU_ASSERT_FALSE(d->uuid_generated);
		CU_ASSERT_EQUAL(d->uuid[0], 0x6a);
		CU_ASSERT_EQUAL(d->uuid[15], 0xcd);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD, NULL);
	if (d) {
		/* A fresh random version 4 UUID, as xl makes. */
		CU_ASSERT_TRUE(d->uuid_generated);
		CU_ASSERT_EQUAL(d->uuid[6] & 0xf0, 0x40);
		CU_ASSERT_EQUAL(d->uuid[8] & 0xc0, 0x80);
		domcfg_free(d);
	}
	u_domcfg_fails(HEAD "uuid = '6a3b1c2d-0000-4000-8000-00000000abc'\n", "t.cfg:3:8: uuid: ",
		       "invalid UUID");
	u_domcfg_fails(HEAD "uuid = '6a3b1c2d00000-4000-8000-00000000abcd'\n", "t.cfg:3:8: uuid: ",
		       "invalid UUID");
	u_domcfg_fails("kernel = '/k'\n", "t.cfg: ", "no name= setting");
	u_domcfg_fails("name = ''\nkernel = '/k'\n", "t.cfg:1:8: name: ", "an empty string cannot name a domain");
	u_domcfg_fails("name = [ 'a' ]\n", "t.cfg:1:8: name: ", "expected a string, found a list");
	u_domcfg_fails("name = 'g'\n", "t.cfg: ", "neither kernel= nor bootloader= is given");
	u_domcfg_fails(HEAD "firmware = 'pvgrub64'\n", "t.cfg:3:12: firmware: ",
		       "both kernel= and firmware=");
	u_domcfg_fails("name = 'g'\nfirmware = 'ovmf'\n", "t.cfg:2:12: firmware: ",
		       "expected pvgrub32 or pvgrub64");
	d = u_domcfg("name = 0x1f\nfirmware = 'pvgrub32'\n", NULL);
	if (d) {
		U_STR_EQ(d->name, "0x1f"); /* a number stands for its text */
		U_STR_EQ(d->kernel, DOMCFG_FIRMWARE_DIR "/pvgrub32.bin");
		domcfg_free(d);
	}
	d = u_domcfg("name = 'g'\nbootloader = 'pygrub'\nbootloader_args = '-q  --entry=1'\n",
		     NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->n_bootloader_args, 2);
		if (d->n_bootloader_args == 2)
			U_STR_EQ(d->bootloader_args[1], "--entry=1");
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:3: bootloader_args as a string is "
					     "deprecated"));
		domcfg_free(d);
	}
}

static void test_misc_keys(void)
{
	struct domcfg *d = u_domcfg(HEAD "tsc_mode = 'ALWAYS_EMULATE'\npool = 'p1'\n"
				    "seclabel = 'system_u:system_r:domU_t'\ncpu_weight = 512\n"
				    "cap = 50\nmax_event_channels = 2047\nrtc_timeoffset = -3600\n"
				    "nomigrate = 1\nlocaltime = 0\ne820_host = 1\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->tsc_mode, DOMCFG_TSC_ALWAYS_EMULATE);
		U_STR_EQ(d->pool_name, "p1");
		U_STR_EQ(d->ssid_label, "system_u:system_r:domU_t");
		CU_ASSERT_PTR_NULL(d->exec_ssid_label);
		CU_ASSERT_EQUAL(d->sched_weight, 512);
		CU_ASSERT_EQUAL(d->sched_cap, 50);
		CU_ASSERT_EQUAL(d->sched_period, DOMCFG_SCHED_DEFAULT);
		CU_ASSERT_EQUAL(d->event_channels, 2047);
		CU_ASSERT_EQUAL((int32_t)d->rtc_timeoffset, -3600);
		CU_ASSERT_EQUAL(d->disable_migrate, CFG_DEFBOOL_TRUE);
		CU_ASSERT_EQUAL(d->localtime, CFG_DEFBOOL_FALSE);
		CU_ASSERT_EQUAL(d->e820_host, CFG_DEFBOOL_TRUE);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "tsc_mode = 2\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->tsc_mode, DOMCFG_TSC_NATIVE);
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:3: tsc_mode as a number is deprecated, use "
					     "tsc_mode=\"native\""));
		domcfg_free(d);
	}
	u_domcfg_fails(HEAD "tsc_mode = 'native_paravirt'\n", "t.cfg:3:12: tsc_mode: ",
		       "removed");
	u_domcfg_fails(HEAD "tsc_mode = 'fast'\n", "t.cfg:3:12: tsc_mode: ", "unknown mode");
	/* timer_mode (PVH and HVM): libxl's names, any case; numbers deprecated. */
	d = u_domcfg(HEAD "timer_mode = 'One_Missed_Tick_Pending'\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->timer_mode, DOMCFG_TIMER_ONE_MISSED_TICK_PENDING);
		CU_ASSERT_EQUAL(d->n_warnings, 0);
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "timer_mode = 0\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->timer_mode, DOMCFG_TIMER_DELAY_FOR_MISSED_TICKS);
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:3: timer_mode as a number is deprecated, "
					     "use timer_mode=\"delay_for_missed_ticks\""));
		domcfg_free(d);
	}
	d = u_domcfg(HEAD, NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->timer_mode, DOMCFG_TIMER_DEFAULT);
		domcfg_free(d);
	}
	u_domcfg_fails(HEAD "timer_mode = 'fast'\n", "t.cfg:3:14: timer_mode: ",
		       "unknown mode \"fast\" (expected delay_for_missed_ticks, "
		       "no_delay_for_missed_ticks, no_missed_ticks_pending, one_missed_tick_pending)");
	u_domcfg_fails(HEAD "timer_mode = 4\n", "t.cfg:3:14: timer_mode: ", "out of range");
	u_domcfg_fails(HEAD "cpu_weight = 0\n", "t.cfg:3:14: cpu_weight: ",
		       "0 is out of range (expected 1 to 65535)");
	/* PVH-only and PV-only keys are ignored for the other type, as xl does, with a word. */
	d = u_domcfg(HEAD "type = 'pvh'\ne820_host = 1\npvshim = 1\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->e820_host, CFG_DEFBOOL_DEFAULT);
		CU_ASSERT_EQUAL(d->pvshim, CFG_DEFBOOL_TRUE);
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:4: e820_host applies to PV guests only"));
		domcfg_free(d);
	}
	d = u_domcfg(HEAD "init_seclabel = 'a'\nseclabel = 'b'\n", NULL);
	if (d) {
		U_STR_EQ(d->ssid_label, "a");
		U_STR_EQ(d->exec_ssid_label, "b");
		domcfg_free(d);
	}
}

/* Unknown keys, HVM-only and not yet supported keys are warnings naming file:line. */
static void test_warnings(void)
{
	struct domcfg *d = u_domcfg(HEAD "\nmemroy = 512\nviridian = 1\nserial = 'pty'\n"
				    "pci = [ '01:00.0' ]\nvnc = 1\n", NULL);
	if (!d)
		return;
	CU_ASSERT_EQUAL(d->n_warnings, 5);
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:4: unknown key 'memroy' (ignored)"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:5: viridian is an option of HVM guests, which "
				     "are not supported yet (ignored)"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:6: serial is an option of HVM guests"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:7: pci is not supported yet (ignored)"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:8: vnc is not supported yet"));
	/* serial is kept for a later HVM builder. */
	CU_ASSERT_EQUAL(d->n_serial, 1);
	domcfg_free(d);
	d = u_domcfg(HEAD "vif = [ 'bridge=b,accel=x' ]\n", NULL);
	if (d) {
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:3: vif 1: accel= is not supported"));
		domcfg_free(d);
	}
}

/* Keys read but not carried out are warnings at their line, never silent;
 * values that are what xcd does anyway are not. */
static void test_unhonoured(void)
{
	struct domcfg *d = u_domcfg(HEAD "pool = 'gold'\nseclabel = 'system_u:r:domU_t'\n"
				    "cpu_weight = 512\ncap = 50\nlocaltime = 1\ne820_host = 1\n"
				    "max_grant_frames = 128\n", NULL);
	if (!d)
		return;
	CU_ASSERT_EQUAL(d->n_warnings, 7);
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:3: pool: a CPU pool other than Pool-0: xcd does "
				     "not carry it out (ignored)"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:4: seclabel: an XSM label: xcd does not"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:5: cpu_weight: 512 (xcd sets no scheduler "
				     "parameter)"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:6: cap: 50 (xcd sets no scheduler parameter)"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:7: localtime: a wall clock offset"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:8: e820_host: True"));
	CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:9: max_grant_frames: 128 (xcd's domains have 64)"));
	domcfg_free(d);
	/* init_seclabel and seclabel: each named where it is. */
	d = u_domcfg(HEAD "init_seclabel = 'a'\nseclabel = 'b'\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->n_warnings, 2);
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:3: init_seclabel: an XSM label"));
		CU_ASSERT_TRUE(u_has_warning(d, "t.cfg:4: seclabel: an XSM label"));
		domcfg_free(d);
	}
	/* What xcd does anyway: no word. */
	d = u_domcfg(HEAD "pool = 'Pool-0'\ncpu_weight = 256\ncap = 0\nlocaltime = 0\n"
		     "max_grant_frames = 64\ne820_host = 0\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->n_warnings, 0);
		domcfg_free(d);
	}
}

/* Errors in disk and vif specs name the file, line, column, item and part. */
static void test_device_errors(void)
{
	u_domcfg_fails(HEAD "disk = [ '/a,,xvda',\n         '/b,qcow3,xvdb' ]\n",
		       "t.cfg:4:10: disk: ",
		       "disk 2 (\"/b,qcow3,xvdb\"): unknown value for format (expected raw, qcow, "
		       "qcow2, vhd, qed or empty): 'qcow3'");
	u_domcfg_fails(HEAD "disk = [ '/a,,xvda', '/b,,xvda' ]\n", "t.cfg:3:22: disk: ",
		       "disk 2: vdev xvda is already used by disk 1");
	u_domcfg_fails(HEAD "disk = '/a,,xvda'\n", "t.cfg:3:8: disk: ", "expected a list");
	u_domcfg_fails(HEAD "disk = [ [ '/a,,xvda' ] ]\n", "t.cfg:3:10: disk: ", "item 1: "
		       "expected a string, found a list");
	u_domcfg_fails(HEAD "vif = [ '', 'mac=00:16:3e:xx:00:01' ]\n", "t.cfg:3:13: vif: ",
		       "vif 2 (\"mac=00:16:3e:xx:00:01\"): invalid mac");
	u_domcfg_fails(HEAD "vif = [ 'devid=1', '' ]\n", "t.cfg:3:20: vif: ",
		       "vif 2: devid 1 is already used by vif 1");
}

/* CFG read gives EXPECT_FILE's JSON, with NWARN warnings. */
static void json_matches(const char *cfg, const char *expect_file, size_t nwarn)
{
	size_t len;
	char *text = u_read_data(cfg, &len);
	char *expect = u_read_data(expect_file, NULL);
	CU_ASSERT_PTR_NOT_NULL(text);
	CU_ASSERT_PTR_NOT_NULL(expect);
	struct cfgfile *cf = NULL;
	struct domcfg *d = NULL;
	char err[XCD_ERR_MAX] = "";
	if (text && cfgfile_parse(cfg, text, len, &cf, err, sizeof(err)) == 0 &&
	    domcfg_from_cfg(cf, NULL, &d, err, sizeof(err)) == 0) {
		char *json = domcfg_to_json_string(d);
		U_STR_EQ(json, expect);
		CU_ASSERT_EQUAL(d->n_warnings, nwarn);
		free(json);
	} else {
		fprintf(stderr, "\n%s: %s\n", cfg, err);
		CU_FAIL("sample config");
	}
	domcfg_free(d);
	cfgfile_free(cf);
	free(text);
	free(expect);
}

/* pv.json and pvh.json are what `xl -N create` (Xen 4.17) prints. */
static void test_json_pv(void)
{
	json_matches("pv.cfg", "pv.json", 1); /* e820_host = 1 */
}

static void test_json_pvh(void)
{
	json_matches("pvh.cfg", "pvh.json", 1); /* localtime = 1 */
}

/* The fuzzer's seeds: each parses or fails cleanly (leaks show under ASan). */
static void test_corpus(void)
{
	DIR *dir = opendir(u_corpus_dir());
	CU_ASSERT_PTR_NOT_NULL(dir);
	if (!dir)
		return;
	unsigned files = 0, good = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		char path[4400];
		snprintf(path, sizeof(path), "%s/%s", u_corpus_dir(), e->d_name);
		struct cfgfile *cf = NULL;
		struct domcfg *d = NULL;
		char err[XCD_ERR_MAX];
		files++;
		if (cfgfile_load(path, &cf, err, sizeof(err)) == 0 &&
		    domcfg_from_cfg(cf, &host16, &d, err, sizeof(err)) == 0) {
			char *json = domcfg_to_json_string(d);
			CU_ASSERT_PTR_NOT_NULL(json);
			free(json);
			good++;
		}
		domcfg_free(d);
		cfgfile_free(cf);
	}
	closedir(dir);
	CU_ASSERT_TRUE(files >= 12);
	CU_ASSERT_TRUE(good >= 10);
}

void suite_domcfg_register(void)
{
	CU_pSuite s = CU_add_suite("domcfg", NULL, NULL);
	CU_add_test(s, "memory and maxmem", test_memory);
	CU_add_test(s, "vcpus and maxvcpus", test_vcpus);
	CU_add_test(s, "cmdline from root and extra", test_cmdline);
	CU_add_test(s, "CPU list syntax", test_cpulist);
	CU_add_test(s, "vCPU affinity", test_affinity);
	CU_add_test(s, "type and builder", test_type);
	CU_add_test(s, "on_* actions", test_actions);
	CU_add_test(s, "uuid, name, kernel", test_uuid_name_boot);
	CU_add_test(s, "other keys", test_misc_keys);
	CU_add_test(s, "warnings", test_warnings);
	CU_add_test(s, "keys xcd does not carry out: warnings at their line", test_unhonoured);
	CU_add_test(s, "disk and vif errors", test_device_errors);
	CU_add_test(s, "JSON of a PV guest", test_json_pv);
	CU_add_test(s, "JSON of a PVH guest", test_json_pvh);
	CU_add_test(s, "fuzz corpus", test_corpus);
}
