/* disk: xl-disk-configuration(5): every example of the man page, keywords,
 * flags, deprecated forms, errors, and libxl's JSON of a disk. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include "../../../xcd/disk.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct expect {
	const char *spec;
	const char *pdev_path; /* NULL: none */
	const char *vdev;
	enum disk_format format;
	int readwrite, is_cdrom, removable;
};

static void check(const struct expect *e)
{
	struct disk d;
	char err[XCD_ERR_MAX] = "";
	int r = disk_parse(e->spec, &d, err, sizeof(err));
	if (r)
		fprintf(stderr, "\n\"%s\": %s\n", e->spec, err);
	CU_ASSERT_EQUAL(r, 0);
	if (r)
		return;
	U_STR_EQ(d.pdev_path, e->pdev_path);
	U_STR_EQ(d.vdev, e->vdev);
	if (d.format != e->format || d.readwrite != e->readwrite || d.is_cdrom != e->is_cdrom ||
	    d.removable != e->removable)
		fprintf(stderr, "\n\"%s\": format %d rw %d cdrom %d removable %d\n", e->spec,
			d.format, d.readwrite, d.is_cdrom, d.removable);
	CU_ASSERT_EQUAL(d.format, e->format);
	CU_ASSERT_EQUAL(d.readwrite, e->readwrite);
	CU_ASSERT_EQUAL(d.is_cdrom, e->is_cdrom);
	CU_ASSERT_EQUAL(d.removable, e->removable);
	disk_free(&d);
}

/* xl-disk-configuration(5), SYNTAX: "these strings are equivalent" ... */
static void test_man_examples_disk(void)
{
	static const struct expect cases[] = {
		{ "/dev/vg/guest-volume,,hda", "/dev/vg/guest-volume", "hda", DISK_FORMAT_RAW,
		  1, 0, 0 },
		{ "/dev/vg/guest-volume,raw,hda,rw", "/dev/vg/guest-volume", "hda",
		  DISK_FORMAT_RAW, 1, 0, 0 },
		{ "format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
		  "/dev/vg/guest-volume", "hda", DISK_FORMAT_RAW, 1, 0, 0 },
		{ "raw:/dev/vg/guest-volume,hda,w", "/dev/vg/guest-volume", "hda",
		  DISK_FORMAT_RAW, 1, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);
}

/* ... "As are these:" */
static void test_man_examples_cdrom(void)
{
	static const struct expect cases[] = {
		{ "/root/image.iso,,hdc,cdrom", "/root/image.iso", "hdc", DISK_FORMAT_RAW, 0, 1,
		  1 },
		{ "/root/image.iso,,hdc,,cdrom", "/root/image.iso", "hdc", DISK_FORMAT_RAW, 0, 1,
		  1 },
		{ "/root/image.iso,raw,hdc,devtype=cdrom", "/root/image.iso", "hdc",
		  DISK_FORMAT_RAW, 0, 1, 1 },
		{ "format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso",
		  "/root/image.iso", "hdc", DISK_FORMAT_RAW, 0, 1, 1 },
		{ "raw:/root/image.iso,hdc:cdrom,ro", "/root/image.iso", "hdc", DISK_FORMAT_RAW,
		  0, 1, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);
}

/* The config-file line of the man page, through the file grammar. */
static void test_man_example_line(void)
{
	struct domcfg *d = u_domcfg("name='g'\nkernel='/k'\n"
				    "disk = [ '/dev/vg/guest-volume,,hda', "
				    "'/root/image.iso,,hdc,cdrom' ]\n", NULL);
	if (!d)
		return;
	CU_ASSERT_EQUAL(d->n_disks, 2);
	U_STR_EQ(d->disks[0].pdev_path, "/dev/vg/guest-volume");
	U_STR_EQ(d->disks[1].vdev, "hdc");
	CU_ASSERT_EQUAL(d->disks[1].is_cdrom, 1);
	domcfg_free(d);
}

/* "Deprecated Parameters, Prefixes And Syntaxes" */
static void test_deprecated(void)
{
	static const struct expect cases[] = {
		/* [<format>:][<target>],<vdev>[:<devtype>],<access> */
		{ "qcow2:/img/a.qcow2,xvda,w", "/img/a.qcow2", "xvda", DISK_FORMAT_QCOW2, 1, 0,
		  0 },
		{ "vhd:/img/a.vhd,xvda:disk,r", "/img/a.vhd", "xvda", DISK_FORMAT_VHD, 0, 0, 0 },
		{ "qcow:/img/a.qcow,xvda,w", "/img/a.qcow", "xvda", DISK_FORMAT_QCOW, 1, 0, 0 },
		/* prefixes that are stripped and ignored, even several */
		{ "tap:aio:/some/path,xvda,w", "/some/path", "xvda", DISK_FORMAT_RAW, 1, 0, 0 },
		{ "tap2:tapdisk:aio:qcow2:/p,xvda,w", "/p", "xvda", DISK_FORMAT_QCOW2, 1, 0, 0 },
		{ "phy:/dev/sdb,xvdb,w", "/dev/sdb", "xvdb", DISK_FORMAT_RAW, 1, 0, 0 },
		{ "file:/img,xvdc,r", "/img", "xvdc", DISK_FORMAT_RAW, 0, 0, 0 },
		{ "ioemu:/img,hda,w", "/img", "hda", DISK_FORMAT_RAW, 1, 0, 0 },
		/* ,<vdev>:<devtype>,<access>: xend's empty cdrom */
		{ ",hdc:cdrom,r", "", "hdc", DISK_FORMAT_EMPTY, 0, 1, 1 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(&cases[i]);

	/* iscsi: nbd: enbd: drbd: name a block-SCRIPT */
	static const char *const scripts[][2] = {
		{ "iscsi:iqn.2001-05.com.example:disk1,xvda,w", "block-iscsi" },
		{ "nbd:192.0.2.1:10809,xvda,w", "block-nbd" },
		{ "enbd:host,xvda,w", "block-enbd" },
		{ "drbd:r0,xvda,w", "block-drbd" },
	};
	for (size_t i = 0; i < 4; i++) {
		struct disk d;
		char err[XCD_ERR_MAX];
		CU_ASSERT_EQUAL(disk_parse(scripts[i][0], &d, err, sizeof(err)), 0);
		U_STR_EQ(d.script, scripts[i][1]);
		U_STR_EQ(d.vdev, "xvda");
		disk_free(&d);
	}
	struct disk d;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(disk_parse("iscsi:iqn.2001-05.com.example:disk1,xvda,w", &d, err,
				   sizeof(err)), 0);
	U_STR_EQ(d.pdev_path, "iqn.2001-05.com.example:disk1");
	disk_free(&d);
}

static void test_keywords_and_flags(void)
{
	struct disk d;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(disk_parse("backend=storage, backendtype=qdisk, script=block-dummy, "
				   "specification=virtio, direct-io-safe, no-discard, untrusted, "
				   "format=qcow2, vdev=xvdz, access=r, target=/a,b c, ",
				   &d, err, sizeof(err)), 0);
	U_STR_EQ(d.backend_domname, "storage");
	CU_ASSERT_EQUAL(d.backend, DISK_BACKEND_QDISK);
	U_STR_EQ(d.script, "block-dummy");
	CU_ASSERT_EQUAL(d.specification, DISK_SPECIFICATION_VIRTIO);
	CU_ASSERT_TRUE(d.direct_io_safe);
	CU_ASSERT_EQUAL(d.discard_enable, CFG_DEFBOOL_FALSE);
	CU_ASSERT_EQUAL(d.trusted, CFG_DEFBOOL_FALSE);
	CU_ASSERT_EQUAL(d.format, DISK_FORMAT_QCOW2);
	U_STR_EQ(d.vdev, "xvdz");
	CU_ASSERT_EQUAL(d.readwrite, 0);
	/* target= takes the rest, commas and blanks included, less one comma. */
	U_STR_EQ(d.pdev_path, "/a,b c, ");
	disk_free(&d);

	/* Defaults: raw, rw, discard/trusted left to libxl (on), backend chosen later. */
	CU_ASSERT_EQUAL(disk_parse("/x,,xvda", &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.discard_enable, CFG_DEFBOOL_DEFAULT);
	CU_ASSERT_EQUAL(d.trusted, CFG_DEFBOOL_DEFAULT);
	CU_ASSERT_EQUAL(d.backend, DISK_BACKEND_UNKNOWN);
	CU_ASSERT_PTR_NULL(d.backend_domname);
	CU_ASSERT_FALSE(d.direct_io_safe);
	disk_free(&d);

	CU_ASSERT_EQUAL(disk_parse("discard,trusted,backendtype=standalone,vdev=xvda,"
				   "target=/dev/x", &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.discard_enable, CFG_DEFBOOL_TRUE);
	CU_ASSERT_EQUAL(d.trusted, CFG_DEFBOOL_TRUE);
	CU_ASSERT_EQUAL(d.backend, DISK_BACKEND_STANDALONE);
	disk_free(&d);

	/* An empty value is the default; an empty target may be replaced by target=. */
	CU_ASSERT_EQUAL(disk_parse(",,xvda,,target=/late", &d, err, sizeof(err)), 0);
	U_STR_EQ(d.pdev_path, "/late");
	CU_ASSERT_EQUAL(d.readwrite, 1);
	disk_free(&d);

	/* A cdrom without a target is an empty drive; a cdrom is read-only whatever access says. */
	CU_ASSERT_EQUAL(disk_parse("vdev=hdc,cdrom,access=rw", &d, err, sizeof(err)), 0);
	CU_ASSERT_PTR_NULL(d.pdev_path);
	CU_ASSERT_EQUAL(d.format, DISK_FORMAT_EMPTY);
	CU_ASSERT_EQUAL(d.readwrite, 0);
	CU_ASSERT_EQUAL(d.removable, 1);
	disk_free(&d);

	/* A word that only starts like a flag is a positional parameter. */
	CU_ASSERT_EQUAL(disk_parse("cdromx,,xvda", &d, err, sizeof(err)), 0);
	U_STR_EQ(d.pdev_path, "cdromx");
	CU_ASSERT_EQUAL(d.is_cdrom, 0);
	disk_free(&d);

	/* The format "empty" and the other formats of the man page. */
	static const char *const formats[] = { "raw", "qcow", "qcow2", "vhd", "qed", "empty" };
	for (size_t i = 0; i < 6; i++) {
		char spec[64];
		snprintf(spec, sizeof(spec), "/img,%s,xvda", formats[i]);
		CU_ASSERT_EQUAL(disk_parse(spec, &d, err, sizeof(err)), 0);
		U_STR_EQ(disk_format_name(d.format), formats[i]);
		disk_free(&d);
	}
}

static void test_colo(void)
{
	struct disk d;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(disk_parse("colo,colo-host=192.0.2.2,colo-port=9000,colo-export=e1,"
				   "active-disk=/a.img,hidden-disk=/h.img,vdev=xvda,target=/x",
				   &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.colo_enable, CFG_DEFBOOL_TRUE);
	U_STR_EQ(d.colo_host, "192.0.2.2");
	CU_ASSERT_EQUAL(d.colo_port, 9000);
	U_STR_EQ(d.colo_export, "e1");
	U_STR_EQ(d.active_disk, "/a.img");
	U_STR_EQ(d.hidden_disk, "/h.img");
	disk_free(&d);
	CU_ASSERT_EQUAL(disk_parse("no-colo,vdev=xvda,target=/x", &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.colo_enable, CFG_DEFBOOL_FALSE);
	disk_free(&d);
}

static void fails(const char *spec, const char *what)
{
	struct disk d;
	memset(&d, 0x5a, sizeof(d));
	struct disk before = d;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(disk_parse(spec, &d, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(memcmp(&d, &before, sizeof(d)), 0);
	U_CONTAINS(err, what);
}

static void test_errors(void)
{
	fails("/x,qcow3,xvda", "unknown value for format (expected raw, qcow, qcow2, vhd, qed "
	      "or empty): 'qcow3'");
	fails("/x,,xvda,rx", "unknown value for access (expected ro, r, rw or w): 'rx'");
	fails("/x,,xvda,rw,more", "too many positional parameters (expected at most target, "
	      "format, vdev, access): 'more'");
	fails("format=vhd,format=raw,vdev=x,target=/y", "format specified twice: 'raw'");
	fails("vdev=a,vdev=b,target=/y", "vdev specified twice: 'b'");
	fails("/x,target=/y,vdev=a", "target specified twice: '/y,vdev=a'");
	fails("backend=a,backend=b,vdev=x,target=/y", "backend specified twice: 'b'");
	fails("devtype=floppy,vdev=hdc,target=/i", "unknown value for devtype (expected cdrom "
	      "or disk): 'floppy'");
	fails("phy:/dev/x,xvda:floppy,r", "unknown device type after ':' (expected cdrom or "
	      "disk): 'floppy'");
	fails("backendtype=iscsi,vdev=x,target=/y", "unknown value for backendtype");
	fails("specification=vmware,vdev=x,target=/y", "unknown value for specification");
	fails("colo-port=abc,vdev=x,target=/y", "invalid colo-port");
	fails("foo=bar,vdev=xvda,target=/x", "unknown parameter: 'foo=bar'");
	fails("cdrom=1,vdev=x,target=/y", "unknown parameter: 'cdrom=1'");
	fails("foo:/x,xvda,w", "unknown deprecated disk prefix");
	fails("=x,vdev=xvda,target=/x", "bad disk syntax: '=x,vdev=xvda,target=/x'");
	fails("/x", "no vdev specified");
	fails("/x,raw", "no vdev specified");
	fails("target=/x,vdev=", "no vdev specified");
	fails("vdev=xvda", "no target specified");
	fails(",,xvda", "no target specified");
	fails("", "no vdev specified");
}

static char *json_of(const char *spec)
{
	struct disk d;
	char err[XCD_ERR_MAX];
	if (disk_parse(spec, &d, err, sizeof(err)))
		return NULL;
	yajl_gen g = yajl_gen_alloc(NULL);
	disk_to_json(g, &d);
	const unsigned char *buf;
	size_t len;
	yajl_gen_get_buf(g, &buf, &len);
	char *s = strndup((const char *)buf, len);
	yajl_gen_free(g);
	disk_free(&d);
	return s;
}

/* What libxl_device_disk_gen_json prints after xlu_disk_parse (Xen 4.17). */
static void test_json(void)
{
	static const char *const cases[][2] = {
		{ "/dev/vg/guest-volume,,hda",
		  "{\"pdev_path\":\"/dev/vg/guest-volume\",\"vdev\":\"hda\",\"format\":\"raw\","
		  "\"readwrite\":1}" },
		{ ",hdc:cdrom,r",
		  "{\"pdev_path\":\"\",\"vdev\":\"hdc\",\"format\":\"empty\",\"removable\":1,"
		  "\"is_cdrom\":1}" },
		{ "colo,colo-host=h,colo-port=9000,colo-export=e,active-disk=a,hidden-disk=h2,"
		  "vdev=xvda,target=/x",
		  "{\"pdev_path\":\"/x\",\"vdev\":\"xvda\",\"format\":\"raw\",\"readwrite\":1,"
		  "\"colo_enable\":\"True\",\"colo_host\":\"h\",\"colo_port\":9000,"
		  "\"colo_export\":\"e\",\"active_disk\":\"a\",\"hidden_disk\":\"h2\"}" },
		{ "specification=virtio,vdev=xvda,target=/x",
		  "{\"pdev_path\":\"/x\",\"vdev\":\"xvda\",\"format\":\"raw\",\"readwrite\":1,"
		  "\"specification\":\"virtio\"}" },
		{ "backendtype=standalone,vdev=xvda,target=/x",
		  "{\"pdev_path\":\"/x\",\"vdev\":\"xvda\",\"backend\":\"standalone\","
		  "\"format\":\"raw\",\"readwrite\":1}" },
		{ "format=qcow2,vdev=xvdb,access=ro,backendtype=qdisk,backend=drv,"
		  "script=block-iscsi,direct-io-safe,no-discard,target=/x,y",
		  "{\"backend_domname\":\"drv\",\"pdev_path\":\"/x,y\",\"vdev\":\"xvdb\","
		  "\"backend\":\"qdisk\",\"format\":\"qcow2\",\"script\":\"block-iscsi\","
		  "\"direct_io_safe\":true,\"discard_enable\":\"False\"}" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *j = json_of(cases[i][0]);
		U_STR_EQ(j, cases[i][1]);
		free(j);
	}
}

/* A long spec is scanned in linear time (it took minutes when each token
 * looked for the end of the line again). */
static void test_long_spec(void)
{
	static const char flag[] = "discard, ";
	size_t n = 200000, len = n * (sizeof(flag) - 1);
	char *spec = malloc(len + 32);
	if (!spec)
		return;
	for (size_t i = 0; i < n; i++)
		memcpy(spec + i * (sizeof(flag) - 1), flag, sizeof(flag) - 1);
	strcpy(spec + len, "vdev=xvda,target=/x");
	struct disk d;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(disk_parse(spec, &d, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(d.discard_enable, CFG_DEFBOOL_TRUE);
	disk_free(&d);
	free(spec);
}

void suite_disk_register(void)
{
	CU_pSuite s = CU_add_suite("disk", NULL, NULL);
	CU_add_test(s, "man page: equivalent disk specs", test_man_examples_disk);
	CU_add_test(s, "man page: equivalent cdrom specs", test_man_examples_cdrom);
	CU_add_test(s, "man page: disk = [ ... ] line", test_man_example_line);
	CU_add_test(s, "deprecated prefixes and syntax", test_deprecated);
	CU_add_test(s, "keywords and flags", test_keywords_and_flags);
	CU_add_test(s, "COLO parameters", test_colo);
	CU_add_test(s, "errors name the part", test_errors);
	CU_add_test(s, "JSON as libxl", test_json);
	CU_add_test(s, "long spec", test_long_spec);
}
