/* The libxl JSON reader (xcd/domcfg_libxl.c): what domcfg_to_json writes
 * reads back equal; what xl 4.17 writes (`xl -N create`'s output, a save
 * file's configuration from the lab) reads; every refusal names its key. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const unsigned node_of[16] = { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 };
static const struct domcfg_host host16 = { 16, 4, node_of };

/* JSON through the reader and back to JSON; NULL (and ERR) if refused. */
static char *reread(const char *json, char *err, size_t errlen)
{
	struct domcfg *d = NULL;
	if (domcfg_from_libxl_json(json, strlen(json), &d, err, errlen) < 0)
		return NULL;
	char *out = domcfg_to_json_string(d);
	domcfg_free(d);
	return out;
}

/* D written, read, written again: the same text. */
static void round_trips(const struct domcfg *d, const char *what)
{
	char err[XCD_ERR_MAX] = "";
	char *a = domcfg_to_json_string(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	char *b = reread(a, err, sizeof(err));
	if (!b)
		fprintf(stderr, "\n%s: refused: %s\n", what, err);
	CU_ASSERT_PTR_NOT_NULL(b);
	if (b && strcmp(a, b)) {
		fprintf(stderr, "\n%s: not the same once read back\n", what);
		U_STR_EQ(b, a);
	}
	free(a);
	free(b);
}

static struct domcfg *from_file(const char *path, const struct domcfg_host *host)
{
	struct cfgfile *cf = NULL;
	struct domcfg *d = NULL;
	char err[XCD_ERR_MAX];
	if (cfgfile_load(path, &cf, err, sizeof(err)) == 0)
		domcfg_from_cfg(cf, host, &d, err, sizeof(err));
	cfgfile_free(cf);
	return d;
}

/* Both samples and every fuzz seed of the xl.cfg parser that normalises. */
static void test_round_trip(void)
{
	char path[4400];
	unsigned n = 0;
	const char *samples[] = { "pv.cfg", "pvh.cfg" };
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", u_data_dir(), samples[i]);
		struct domcfg *d = from_file(path, NULL);
		CU_ASSERT_PTR_NOT_NULL(d);
		if (d)
			round_trips(d, samples[i]);
		domcfg_free(d);
	}
	DIR *dir = opendir(u_corpus_dir());
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", u_corpus_dir(), e->d_name);
		struct domcfg *d = from_file(path, &host16);
		if (d) {
			round_trips(d, e->d_name);
			n++;
		}
		domcfg_free(d);
	}
	closedir(dir);
	CU_ASSERT_TRUE(n >= 10);
}

/* Field by field, beyond the text: what the reader put where. */
static void test_fields(void)
{
	char err[XCD_ERR_MAX] = "";
	size_t len;
	char *json = u_read_data("pvh.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	struct domcfg *d = NULL;
	int rc = domcfg_from_libxl_json(json, len, &d, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\npvh.json: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(d->type, DOMCFG_TYPE_PVH);
	U_STR_EQ(d->name, "pvh-guest");
	CU_ASSERT_EQUAL(d->uuid[0], 0x0e);
	CU_ASSERT_EQUAL(d->uuid[15], 0xc3);
	CU_ASSERT_FALSE(d->uuid_generated);
	CU_ASSERT_EQUAL(d->max_vcpus, 4);
	CU_ASSERT_EQUAL(d->vcpus, 4);
	CU_ASSERT_EQUAL(d->max_memkb, 1048576);
	CU_ASSERT_EQUAL(d->tsc_mode, DOMCFG_TSC_NATIVE);
	CU_ASSERT_EQUAL(d->timer_mode, DOMCFG_TIMER_NO_MISSED_TICKS_PENDING);
	CU_ASSERT_EQUAL(d->vcpu_hard_affinity.n, 4);
	CU_ASSERT_TRUE(cpumap_test(domcfg_affinity_map(&d->vcpu_hard_affinity, 3), 6));
	CU_ASSERT_FALSE(cpumap_test(domcfg_affinity_map(&d->vcpu_hard_affinity, 3), 5));
	U_STR_EQ(d->cmdline, "console=hvc0 root=/dev/xvda");
	CU_ASSERT_EQUAL(d->n_disks, 3);
	U_STR_EQ(d->disks[2].script, "block-drbd");
	CU_ASSERT_EQUAL(d->disks[1].readwrite, 1);
	CU_ASSERT_EQUAL(d->n_vifs, 2);
	CU_ASSERT_EQUAL(d->vifs[0].mac[5], 0xcc);
	CU_ASSERT_EQUAL(d->vifs[0].mtu, 9000);
	CU_ASSERT_EQUAL(d->vifs[1].devid, 5);
	U_STR_EQ(d->vifs[1].gatewaydev, "eth0");
	CU_ASSERT_EQUAL(d->on_reboot, DOMCFG_ACTION_RESTART_RENAME);
	CU_ASSERT_EQUAL(d->on_poweroff, DOMCFG_ACTION_DESTROY);
	domcfg_free(d);
	free(json);
}

/* What xl 4.17 put in the save file of the lab's PVH guest (`xl save`;
 * tests/xen/55-xcd-saverestore.sh keeps it, this one from its run of
 * 2026-12-06): read, and what xcd makes of it is the guest xl ran. */
static void test_xl_save_sample(void)
{
	char err[XCD_ERR_MAX] = "";
	size_t len;
	char *json = u_read_data("xl-save-pvh.json", &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(json);
	struct domcfg *d = NULL;
	int rc = domcfg_from_libxl_json(json, len, &d, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\nxl-save-pvh.json: %s\n", err);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(d->type, DOMCFG_TYPE_PVH);
	U_STR_EQ(d->name, "sr-pvh");
	CU_ASSERT_PTR_NOT_NULL(d->kernel);
	CU_ASSERT_EQUAL(d->tsc_mode, DOMCFG_TSC_NATIVE);
	CU_ASSERT_TRUE(d->max_memkb != DOMCFG_MEMKB_DEFAULT && d->max_memkb > 0);
	CU_ASSERT_EQUAL(d->max_vcpus, 1);
	CU_ASSERT_EQUAL(d->vcpus, 1);
	CU_ASSERT_EQUAL(d->max_memkb, 131072);
	CU_ASSERT_EQUAL(d->sched_weight, 256);
	CU_ASSERT_EQUAL(d->msr_relaxed, CFG_DEFBOOL_TRUE);
	CU_ASSERT_EQUAL(d->on_crash, DOMCFG_ACTION_PRESERVE);
	CU_ASSERT_EQUAL(d->on_reboot, DOMCFG_ACTION_RESTART);
	CU_ASSERT_FALSE(d->uuid_generated);
	/* All of it is carried out: what libxl filled in (xl.conf's claim
	 * mode, credit2's default weight, msr_relaxed) included. */
	rc = domcfg_honoured(d, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\nxl-save-pvh.json: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	round_trips(d, "xl-save-pvh.json");
	domcfg_free(d);
	free(json);
}

static void refused(const char *json, const char *what)
{
	char err[XCD_ERR_MAX] = "";
	struct domcfg *d = (struct domcfg *)&d; /* a sentinel: untouched on error */
	int rc = domcfg_from_libxl_json(json, strlen(json), &d, err, sizeof(err));
	CU_ASSERT_TRUE(rc < 0);
	CU_ASSERT_PTR_EQUAL(d, (struct domcfg *)&d);
	U_CONTAINS(err, what);
}

static void accepted(const char *json)
{
	char err[XCD_ERR_MAX] = "";
	struct domcfg *d = NULL;
	int rc = domcfg_from_libxl_json(json, strlen(json), &d, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\nrefused: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	domcfg_free(d);
}

#define CI "\"c_info\":{\"type\":\"pvh\",\"name\":\"g\"}"

static void test_refusals(void)
{
	refused("{\"c_info\":{\"type\":\"hvm\",\"name\":\"g\"}}",
		"c_info.type: HVM guests are not supported yet");
	refused("{\"c_info\":{\"name\":\"g\"}}", "c_info.type: missing");
	refused("{\"c_info\":{\"type\":\"pv\"}}", "c_info.name: missing");
	refused("{\"b_info\":{}}", "c_info: missing");
	refused("{" CI ",\"b_info\":{\"cpuid\":[\"host\"]}}",
		"b_info.cpuid: set (a list of 1 item(s)): xcd cannot honour it");
	refused("{" CI ",\"b_info\":{\"vnuma_nodes\":[{\"memkb\":1024}]}}", "b_info.vnuma_nodes");
	refused("{" CI ",\"b_info\":{\"frobnicate\":7}}",
		"b_info.frobnicate: a key xcd does not know (7)");
	refused("{" CI ",\"vfbs\":[{\"vnc\":{\"enable\":\"True\"}}]}",
		"vfbs: devices xcd does not provide (a list of 1 item(s))");
	refused("{" CI ",\"pcidevs\":[{}]}", "pcidevs: devices xcd does not provide");
	refused("{" CI ",\"b_info\":{\"max_memkb\":\"lots\"}}",
		"b_info.max_memkb: expected a number, not \"lots\"");
	refused("{" CI ",\"b_info\":{\"max_memkb\":-4}}",
		"b_info.max_memkb: -4 is not an integer from 0 to");
	refused("{" CI ",\"b_info\":{\"max_memkb\":18446744073709551616}}", "b_info.max_memkb");
	refused("{" CI ",\"b_info\":{\"max_vcpus\":5000}}",
		"b_info.max_vcpus: 5000 is not an integer from 0 to 4096");
	refused("{" CI ",\"b_info\":{\"avail_vcpus\":[0,2]}}",
		"b_info.avail_vcpus: vCPUs online at start must be 0 to N-1 (item 1 is 2)");
	refused("{" CI ",\"b_info\":{\"max_vcpus\":1,\"avail_vcpus\":[0,1]}}",
		"b_info.avail_vcpus: 2 vCPUs online, more than max_vcpus (1)");
	refused("{" CI ",\"b_info\":{\"vcpu_hard_affinity\":[[0],[4096]]}}",
		"b_info.vcpu_hard_affinity[1]: 4096 is not an integer from 0 to 4095");
	refused("{" CI ",\"b_info\":{\"tsc_mode\":\"native_paravirt\"}}",
		"b_info.tsc_mode: unknown value \"native_paravirt\" (expected one of default, "
		"always_emulate, native)");
	refused("{" CI ",\"b_info\":{\"type\":\"pv\"}}",
		"b_info.type: \"pv\" contradicts c_info.type (\"pvh\")");
	refused("{" CI ",\"b_info\":{\"type.pv\":{\"kernel\":\"/k\"}}}",
		"b_info.type.pv: options of PV guests, for a PVH one");
	refused("{\"c_info\":{\"type\":\"pv\",\"name\":\"g\"},\"b_info\":{\"kernel\":\"/a\","
		"\"type.pv\":{\"kernel\":\"/b\"}}}",
		"b_info.type.pv.kernel: \"/b\" contradicts b_info's (\"/a\")");
	refused("{" CI ",\"b_info\":{\"apic\":\"False\"}}",
		"b_info.apic: a guest without a local APIC");
	refused("{" CI ",\"b_info\":{\"localtime\":\"maybe\"}}",
		"b_info.localtime: \"maybe\" is not a libxl boolean");
	refused("{" CI ",\"b_info\":{\"sched_params\":{\"budget\":10}}}",
		"b_info.sched_params.budget: set (10)");
	refused("{" CI ",\"disks\":[{\"vdev\":\"xvda\"},{\"backend_domid\":3}]}",
		"disks[1].backend_domid: backend in domain 3: xcd runs backends in dom0 only");
	refused("{" CI ",\"disks\":[{\"format\":\"vmdk\"}]}",
		"disks[0].format: unknown value \"vmdk\" (expected one of unknown, qcow, qcow2, "
		"vhd, raw, empty, qed)");
	refused("{" CI ",\"disks\":[{\"readwrite\":2}]}",
		"disks[0].readwrite: 2 is not an integer from 0 to 1");
	refused("{" CI ",\"disks\":[{\"transport\":\"mmio\"}]}", "disks[0].transport: set");
	refused("{" CI ",\"nics\":[{\"mac\":\"00:16:3e:zz:00:01\"}]}",
		"nics[0].mac: \"00:16:3e:zz:00:01\" is not a MAC address");
	refused("{" CI ",\"nics\":{}}", "nics: expected a list, not an object");
	refused("{" CI ",\"on_crash\":\"explode\"}", "on_crash: unknown value \"explode\"");
	refused("{\"c_info\":{\"type\":\"pv\",\"type\":\"pvh\",\"name\":\"g\"}}",
		"c_info.type: given twice");
	refused("{" CI "," CI "}", "c_info: given twice");
	refused("[1,2]", "the configuration: expected an object, not a list of 2 item(s)");
	refused("{\"c_info\":", "the configuration: not JSON");
	refused("{\"c_info\":{\"type\":\"pv\",\"name\":\"g\",\"uuid\":\"xyz\"}}",
		"c_info.uuid: invalid UUID \"xyz\"");
	char deep[200] = "{" CI ",\"b_info\":{\"x\":";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	refused(deep, "the configuration: nested deeper than 32");
	const char nul[] = "{\"c_info\"\0:{}}";
	char err[XCD_ERR_MAX] = "";
	struct domcfg *d = NULL;
	CU_ASSERT_EQUAL(domcfg_from_libxl_json(nul, sizeof(nul) - 1, &d, err, sizeof(err)),
			-EINVAL);
	U_CONTAINS(err, "a NUL byte at offset 9");
}

/* Read (it fits a domcfg), but not carried out by xcd: refused by
 * domcfg_honoured, naming the key. */
static void not_honoured(const char *json, const char *what)
{
	char err[XCD_ERR_MAX] = "";
	struct domcfg *d = NULL;
	int rc = domcfg_from_libxl_json(json, strlen(json), &d, err, sizeof(err));
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(domcfg_honoured(d, err, sizeof(err)), -EOPNOTSUPP);
	U_CONTAINS(err, what);
	domcfg_free(d);
}

static void test_honoured(void)
{
	not_honoured("{\"c_info\":{\"type\":\"pvh\",\"name\":\"g\",\"hap\":\"False\"}}",
		     "c_info.hap: False (PVH guests run on hardware-assisted paging under xcd)");
	not_honoured("{\"c_info\":{\"type\":\"pv\",\"name\":\"g\",\"pool_name\":\"Pool-1\"}}",
		     "c_info.pool_name: a CPU pool other than Pool-0: xcd cannot honour it");
	not_honoured("{\"c_info\":{\"type\":\"pv\",\"name\":\"g\",\"ssid_label\":\"x\"}}",
		     "c_info.ssid_label: an XSM label");
	not_honoured("{" CI ",\"b_info\":{\"localtime\":\"True\"}}", "b_info.localtime");
	not_honoured("{" CI ",\"b_info\":{\"rtc_timeoffset\":3600}}", "b_info.rtc_timeoffset");
	not_honoured("{" CI ",\"b_info\":{\"max_grant_version\":3}}",
		     "b_info.max_grant_version: grant tables beyond version 2");
	not_honoured("{" CI ",\"b_info\":{\"tsc_mode\":\"always_emulate\"}}",
		     "b_info.tsc_mode: always_emulate");
	not_honoured("{" CI ",\"b_info\":{\"max_grant_frames\":128}}",
		     "b_info.max_grant_frames: 128 (xcd's domains have 64)");
	not_honoured("{" CI ",\"b_info\":{\"event_channels\":4096}}",
		     "b_info.event_channels: 4096 (xcd's domains have 1024)");
	not_honoured("{" CI ",\"b_info\":{\"sched_params\":{\"weight\":512}}}",
		     "b_info.sched_params.weight: 512 (xcd sets no scheduler parameter)");
	not_honoured("{" CI ",\"b_info\":{\"type.pvh\":{\"pvshim\":\"True\"}}}",
		     "b_info.type.pvh.pvshim: True");
	/* What xcd does anyway. */
	char err[XCD_ERR_MAX] = "";
	const char *same = "{\"c_info\":{\"type\":\"pvh\",\"name\":\"g\",\"hap\":\"True\","
			   "\"pool_name\":\"Pool-0\",\"passthrough\":\"disabled\"},\"b_info\":{"
			   "\"max_grant_frames\":64,\"max_maptrack_frames\":1024,"
			   "\"max_grant_version\":2,\"tsc_mode\":\"native\","
			   "\"event_channels\":1023,\"sched_params\":{\"weight\":256,\"cap\":0},"
			   "\"localtime\":\"False\",\"arch_x86\":{\"msr_relaxed\":\"True\"}}}";
	struct domcfg *d = NULL;
	CU_ASSERT_EQUAL_FATAL(domcfg_from_libxl_json(same, strlen(same), &d, err, sizeof(err)), 0);
	int rc = domcfg_honoured(d, err, sizeof(err));
	if (rc)
		fprintf(stderr, "\nnot honoured: %s\n", err);
	CU_ASSERT_EQUAL(rc, 0);
	domcfg_free(d);
}

/* What libxl fills in for itself, and keys at their neutral value. */
static void test_accepted(void)
{
	accepted("{" CI ",\"b_info\":{\"cpumap\":[0,1,2,3],\"nodemap\":[0],\"claim_mode\":"
		 "\"True\",\"device_model_version\":\"qemu_xen\",\"video_memkb\":8192,"
		 "\"iommu_memkb\":0,\"cpuid\":[],\"vpmu\":\"False\",\"altp2m\":\"disabled\","
		 "\"tee\":\"none\",\"arch_arm\":{\"gic_version\":\"default\",\"vuart\":"
		 "\"unknown\"},\"sched_params\":{\"sched\":\"credit2\",\"weight\":256},"
		 "\"future_key\":null,\"apic\":\"True\"},\"vfbs\":[],\"c_info_extra\":{}}");
	accepted("{\"c_info\":{\"type\":\"pv\",\"name\":\"g\",\"domid\":7,\"poolid\":0},"
		 "\"b_info\":{\"type.pv\":{\"kernel\":\"/k\",\"cmdline\":\"ro\","
		 "\"slack_memkb\":1024}}}");
}

/* The fuzzer's seeds (fuzz/cfg/libxl-corpus): read or refused; what is read
 * round trips (the fuzzer's own check). */
static void test_libxl_corpus(void)
{
	char dirpath[4200], path[4500], err[XCD_ERR_MAX];
	snprintf(dirpath, sizeof(dirpath), "%s/../libxl-corpus", u_corpus_dir());
	DIR *dir = opendir(dirpath);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	unsigned files = 0, read = 0;
	struct dirent *e;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dirpath, e->d_name);
		FILE *f = fopen(path, "rb");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		char buf[65536];
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		files++;
		struct domcfg *d = NULL;
		if (domcfg_from_libxl_json(buf, n, &d, err, sizeof(err)) == 0) {
			domcfg_honoured(d, err, sizeof(err));
			round_trips(d, e->d_name);
			read++;
		}
		domcfg_free(d);
	}
	closedir(dir);
	CU_ASSERT_TRUE(files >= 5);
	CU_ASSERT_TRUE(read >= 4);
}

void suite_domcfg_libxl_register(void)
{
	CU_pSuite s = CU_add_suite("domcfg_libxl", NULL, NULL);
	CU_add_test(s, "write, read, write: the same", test_round_trip);
	CU_add_test(s, "fields of xl's JSON", test_fields);
	CU_add_test(s, "xl 4.17's save file", test_xl_save_sample);
	CU_add_test(s, "refusals name the key", test_refusals);
	CU_add_test(s, "what libxl fills in", test_accepted);
	CU_add_test(s, "what xcd does not carry out", test_honoured);
	CU_add_test(s, "fuzz corpus", test_libxl_corpus);
}
