/* vif: xl-network-configuration(5): every example of the man page, each
 * keyword, the rate syntax, warnings, errors, and libxl's JSON of a nic. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include "../../../xcd/vif.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int parse(const char *spec, struct vif *v, char *warn, size_t wlen)
{
	char err[XCD_ERR_MAX] = "";
	int r = vif_parse(spec, v, warn, wlen, err, sizeof(err));
	if (r)
		fprintf(stderr, "\n\"%s\": %s\n", spec, err);
	CU_ASSERT_EQUAL(r, 0);
	return r;
}

static void assert_mac(const struct vif *v, const uint8_t expect[6])
{
	CU_ASSERT_EQUAL(memcmp(v->mac, expect, 6), 0);
}

/* SYNTAX: the three examples and the vif = [ ... ] line. */
static void test_man_examples(void)
{
	struct vif v;
	char w[200];
	static const uint8_t mac1[6] = { 0x00, 0x16, 0x3e, 0x74, 0x3d, 0x76 };
	static const uint8_t mac2[6] = { 0x00, 0x16, 0x3e, 0x74, 0x34, 0x32 };
	static const uint8_t mac3[6] = { 0x00, 0x16, 0x3e, 0x5f, 0x48, 0xe4 };
	static const uint8_t zero[6] = { 0 };
	if (!parse("mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0", &v, w, sizeof(w))) {
		assert_mac(&v, mac1);
		U_STR_EQ(v.model, "rtl8139");
		U_STR_EQ(v.bridge, "xenbr0");
		U_STR_EQ(w, "");
		vif_free(&v);
	}
	if (!parse("mac=00:16:3E:74:34:32", &v, w, sizeof(w))) {
		assert_mac(&v, mac2);
		CU_ASSERT_PTR_NULL(v.bridge);
		vif_free(&v);
	}
	/* The empty string: everything left to the defaults. */
	if (!parse("", &v, w, sizeof(w))) {
		assert_mac(&v, zero);
		CU_ASSERT_PTR_NULL(v.bridge);
		CU_ASSERT_PTR_NULL(v.script);
		CU_ASSERT_EQUAL(v.devid, -1);
		CU_ASSERT_EQUAL(v.mtu, 0);
		CU_ASSERT_EQUAL(v.rate_bytes_per_interval, 0);
		CU_ASSERT_EQUAL(v.nictype, VIF_NICTYPE_UNKNOWN);
		CU_ASSERT_EQUAL(v.trusted, CFG_DEFBOOL_DEFAULT);
		vif_free(&v);
	}
	struct domcfg *d = u_domcfg("name='g'\nkernel='/k'\n"
				    "vif = [ 'mac=00:16:3E:74:34:32', "
				    "'mac=00:16:3e:5f:48:e4,bridge=xenbr1' ]\n", NULL);
	if (d) {
		CU_ASSERT_EQUAL(d->n_vifs, 2);
		/* "Each device has a DEVID which is its index within the vif list" */
		CU_ASSERT_EQUAL(d->vifs[0].devid, 0);
		CU_ASSERT_EQUAL(d->vifs[1].devid, 1);
		assert_mac(&d->vifs[0], mac2);
		assert_mac(&d->vifs[1], mac3);
		U_STR_EQ(d->vifs[1].bridge, "xenbr1");
		domcfg_free(d);
	}
}

static void rate_is(const char *rate, uint64_t bytes, uint32_t usecs)
{
	uint64_t b = 0;
	uint32_t u = 0;
	char err[XCD_ERR_MAX] = "";
	int r = vif_parse_rate(rate, &b, &u, err, sizeof(err));
	if (r || b != bytes || u != usecs)
		fprintf(stderr, "\nrate %s: r=%d %llu bytes per %u us (%s)\n", rate, r,
			(unsigned long long)b, u, err);
	CU_ASSERT_EQUAL(r, 0);
	CU_ASSERT_EQUAL(b, bytes);
	CU_ASSERT_EQUAL(u, usecs);
}

static void rate_fails(const char *rate, const char *what)
{
	uint64_t b = 7;
	uint32_t u = 7;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(vif_parse_rate(rate, &b, &u, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(b, 7);
	CU_ASSERT_EQUAL(u, 7);
	U_CONTAINS(err, what);
}

/* "rate": the examples, then units, intervals and limits. */
static void test_rate(void)
{
	/* 'rate=10Mb/s' -- up to 10 megabits every second (credit every 50 ms) */
	rate_is("10Mb/s", 62500, 50000);
	/* 'rate=250KB/s' -- up to 250 kilobytes every second */
	rate_is("250KB/s", 12500, 50000);
	/* 'rate=1MB/s@20ms' -- 20,000 bytes in every 20 millisecond period */
	rate_is("1MB/s@20ms", 20000, 20000);
	rate_is("1GB/s@1s", 1000000000, 1000000);
	rate_is("1Gb/s@1", 125000000, 1000000);
	rate_is("8b/s@1s", 1, 1000000);
	rate_is("1000B/s@500us", 0, 500);
	rate_is("1000B/s@500u", 0, 500);
	rate_is("4000B/s@250m", 1000, 250000);
	rate_is("4294967295B/s@1", 4294967295ULL, 1000000);
	rate_fails("100", "invalid rate '100'");
	rate_fails("10mb/s", "invalid rate");
	rate_fails("10MB", "invalid rate");
	rate_fails("@20ms", "no rate before '@'");
	rate_fails("0B/s", "is zero");
	rate_fails("4294967296B/s", "too large");
	rate_fails("99999999999999999999999B/s", "too large");
	rate_fails("1MB/s@", "invalid replenishment interval ''");
	rate_fails("1MB/s@20h", "invalid replenishment interval '20h'");
	rate_fails("1MB/s@0ms", "is zero");
	rate_fails("1MB/s@5000s", "too large");
}

static void test_keywords(void)
{
	struct vif v;
	char w[400];
	if (parse("bridge=br1, gatewaydev=eth1,type=vif,model=e1000,vifname=guest0,"
		  "script=vif-route,ip=192.0.2.1 192.0.2.2,backend=netdom,rate=1MB/s@20ms,"
		  "mtu=9000,untrusted,devid=3,,", &v, w, sizeof(w)))
		return;
	U_STR_EQ(v.bridge, "br1");
	U_STR_EQ(v.gatewaydev, "eth1");
	CU_ASSERT_EQUAL(v.nictype, VIF_NICTYPE_VIF);
	U_STR_EQ(v.model, "e1000");
	U_STR_EQ(v.ifname, "guest0");
	U_STR_EQ(v.script, "vif-route");
	U_STR_EQ(v.ip, "192.0.2.1 192.0.2.2");
	U_STR_EQ(v.backend_domname, "netdom");
	CU_ASSERT_EQUAL(v.rate_bytes_per_interval, 20000);
	CU_ASSERT_EQUAL(v.rate_interval_usecs, 20000);
	CU_ASSERT_EQUAL(v.mtu, 9000);
	CU_ASSERT_EQUAL(v.trusted, CFG_DEFBOOL_FALSE);
	CU_ASSERT_EQUAL(v.devid, 3);
	U_STR_EQ(w, "");
	vif_free(&v);

	if (!parse("type=ioemu,trusted,mac=aa-bb-cc-dd-ee-ff,colo_sock_mirror_id=m1,"
		   "forwarddev=eth9,colo_checkpoint_port=8000", &v, w, sizeof(w))) {
		static const uint8_t mac[6] = { 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff };
		CU_ASSERT_EQUAL(v.nictype, VIF_NICTYPE_VIF_IOEMU);
		CU_ASSERT_EQUAL(v.trusted, CFG_DEFBOOL_TRUE);
		assert_mac(&v, mac);
		U_STR_EQ(v.colo[0], "eth9");
		U_STR_EQ(vif_colo_key(0), "forwarddev");
		U_STR_EQ(v.colo[1], "m1");
		U_STR_EQ(v.colo[VIF_COLO_COUNT - 1], "8000");
		vif_free(&v);
	}
	/* As xl: leading spaces are dropped, trailing ones kept; a later key wins. */
	if (!parse("  bridge=a ,bridge=b ", &v, w, sizeof(w))) {
		U_STR_EQ(v.bridge, "b ");
		vif_free(&v);
	}
}

static void test_warnings(void)
{
	struct vif v;
	char w[400];
	if (!parse("netdev=eth0,accel=x,brige=xenbr0,trusted ", &v, w, sizeof(w))) {
		U_STR_EQ(v.gatewaydev, "eth0");
		U_STR_EQ(w, "netdev= is deprecated, use gatewaydev=; accel= is not supported "
			 "(ignored, as by xl); unknown parameter 'brige=xenbr0' ignored; unknown "
			 "parameter 'trusted ' ignored");
		CU_ASSERT_PTR_NULL(v.bridge);
		vif_free(&v);
	}
}

static void fails(const char *spec, const char *what)
{
	struct vif v;
	memset(&v, 0x5a, sizeof(v));
	struct vif before = v;
	char err[XCD_ERR_MAX] = "", w[100];
	CU_ASSERT_EQUAL(vif_parse(spec, &v, w, sizeof(w), err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(&v, &before, sizeof(v)), 0);
	U_CONTAINS(err, what);
}

static void test_errors(void)
{
	/* xl leaves no room for random "xx" bytes: a MAC is six hex bytes. */
	fails("mac=00:16:3e:xx:xx:xx", "invalid mac '00:16:3e:xx:xx:xx'");
	fails("mac=00:16:3e:00:00", "invalid mac");
	fails("mac=00:16:3e:00:00:00:01", "invalid mac");
	fails("mac=001:16:3e:00:00:01", "invalid mac");
	fails("bridge=b,rate=10 Mb/s", "invalid rate '10 Mb/s'");
	fails("type=bridge", "invalid type 'bridge' (expected vif or ioemu)");
	fails("mtu=65536", "invalid mtu '65536'");
	fails("mtu=0x10", "invalid mtu");
	fails("devid=-1", "invalid devid '-1'");
	fails("devid=", "invalid devid ''");
	/* vifname= reaches `ip` and /sys/class/net/NAME in vif-bridge. */
	fails("vifname=../../../../tmp", "invalid vifname '../../../../tmp': byte 2 (0x2f)");
	fails("vifname=..", "invalid vifname '..' (not '.', '..' nor starting with '-')");
	fails("vifname=.", "invalid vifname '.'");
	fails("vifname=-x", "invalid vifname '-x'");
	fails("vifname=a/b", "byte 1 (0x2f) is not a letter, digit");
	fails("vifname=a b", "byte 1 (0x20)");
	fails("vifname=eth0\n", "byte 4 (0x0a)");
	fails("vifname=", "invalid vifname '' (an interface name has 1 to 15 bytes)");
	fails("vifname=abcdefghijklmnop", "1 to 15 bytes");
	fails("vifname=vif3.0", "vifDOMID.DEVID is netback's name");
	struct vif v;
	char err[XCD_ERR_MAX], w[400];
	static const char *const good[] = { "vifname=abcdefghijklmno", "vifname=web-1.eth_0",
					    "vifname=vif3", "vifname=vif3.x" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		CU_ASSERT_EQUAL(vif_parse(good[i], &v, w, sizeof(w), err, sizeof(err)), 0);
		vif_free(&v);
	}
	/* xcdd's create-time check: not an interface the host has already. */
	CU_ASSERT_EQUAL(vif_parse("vifname=lo", &v, w, sizeof(w), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(vif_ifname_unused(&v, "/sys/class/net", err, sizeof(err)), -EINVAL);
	U_CONTAINS(err, "vifname=lo names a network interface this host has already");
	CU_ASSERT_EQUAL(vif_ifname_unused(&v, "/nonexistent", err, sizeof(err)), 0);
	vif_free(&v);
}

static char *json_of(const char *spec)
{
	struct vif v;
	char err[XCD_ERR_MAX], w[400];
	if (vif_parse(spec, &v, w, sizeof(w), err, sizeof(err)))
		return NULL;
	yajl_gen g = yajl_gen_alloc(NULL);
	vif_to_json(g, &v);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	char *s = strndup((const char *)buf, len);
	yajl_gen_free(g);
	vif_free(&v);
	return s;
}

/* What `xl -N create` prints for these nics (Xen 4.17), devid aside. */
static void test_json(void)
{
	static const char *const cases[][2] = {
		{ "mac=00:16:3E:74:3d:76,model=rtl8139,bridge=xenbr0",
		  "{\"model\":\"rtl8139\",\"mac\":\"00:16:3e:74:3d:76\",\"bridge\":\"xenbr0\"}" },
		{ "", "{}" },
		{ "ip=10.0.0.1 10.0.0.2,rate=10Mb/s@20ms,mtu=9000,vifname=vx,script=vif-route,"
		  "gatewaydev=eth0,backend=drv,type=vif,devid=7,untrusted",
		  "{\"backend_domname\":\"drv\",\"devid\":7,\"mtu\":9000,\"ip\":\"10.0.0.1 "
		  "10.0.0.2\",\"ifname\":\"vx\",\"script\":\"vif-route\",\"nictype\":\"vif\","
		  "\"rate_bytes_per_interval\":25000,\"rate_interval_usecs\":20000,"
		  "\"gatewaydev\":\"eth0\",\"trusted\":\"False\"}" },
		{ "type=ioemu,model=e1000,mac=AA:bb:cc:dd:ee:FF",
		  "{\"model\":\"e1000\",\"mac\":\"aa:bb:cc:dd:ee:ff\",\"nictype\":\"vif_ioemu\"}" },
		{ "forwarddev=eth0,colo_sock_mirror_id=1,colo_filter_sec_rewriter0_queue=q",
		  "{\"coloft_forwarddev\":\"eth0\",\"colo_sock_mirror_id\":\"1\","
		  "\"colo_filter_sec_rewriter0_queue\":\"q\"}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *j = json_of(cases[i][0]);
		U_STR_EQ(j, cases[i][1]);
		free(j);
	}
}

void suite_vif_register(void)
{
	CU_pSuite s = CU_add_suite("vif", NULL, NULL);
	CU_add_test(s, "man page examples", test_man_examples);
	CU_add_test(s, "rate", test_rate);
	CU_add_test(s, "keywords", test_keywords);
	CU_add_test(s, "warnings", test_warnings);
	CU_add_test(s, "errors", test_errors);
	CU_add_test(s, "JSON as libxl", test_json);
}
