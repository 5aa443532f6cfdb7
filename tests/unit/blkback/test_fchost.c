/* test_fchost: the FC transport's value parsers and its reader. */
#include "../../../blkback/fchost.h"
#include "../../../lib/errmsg.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <string.h>

static void test_values(void)
{
	uint64_t w;
	CU_ASSERT_EQUAL(fc_parse_wwn("0x10000090fa000001", &w), 0);
	CU_ASSERT_EQUAL(w, 0x10000090fa000001ULL);
	CU_ASSERT_EQUAL(fc_parse_wwn("0x", &w), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_wwn("10000090fa000001", &w), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_wwn("0x10000090fa0000011", &w), -EINVAL); /* 17 digits */
	CU_ASSERT_EQUAL(fc_parse_wwn("0x1000zz", &w), -EINVAL);
	unsigned g;
	CU_ASSERT_EQUAL(fc_parse_speed("8 Gbit", &g), 0);
	CU_ASSERT_EQUAL(g, 8);
	CU_ASSERT_EQUAL(fc_parse_speed("unknown", &g), 0);
	CU_ASSERT_EQUAL(g, 0);
	CU_ASSERT_EQUAL(fc_parse_speed("Not Negotiated", &g), 0);
	CU_ASSERT_EQUAL(g, 0);
	CU_ASSERT_EQUAL(fc_parse_speed("8 Gb", &g), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_speed("8Gbit", &g), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_speed("0 Gbit", &g), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_speed("99999 Gbit", &g), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_speed("8 Gbit, 16 Gbit", &g), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_speeds("2 Gbit, 4 Gbit, 8 Gbit", &g), 0);
	CU_ASSERT_EQUAL(g, 8);
	CU_ASSERT_EQUAL(fc_parse_speeds("unknown", &g), 0);
	CU_ASSERT_EQUAL(g, 0);
	CU_ASSERT_EQUAL(fc_parse_speeds("2 Gbit,4 Gbit", &g), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_speeds("2 Gbit, ", &g), -EINVAL);
	bool on;
	CU_ASSERT_EQUAL(fc_parse_state("Online", &on), 0);
	CU_ASSERT(on);
	CU_ASSERT_EQUAL(fc_parse_state("Linkdown", &on), 0);
	CU_ASSERT(!on);
	CU_ASSERT_EQUAL(fc_parse_state("Not Present", &on), 0);
	CU_ASSERT_EQUAL(fc_parse_state("online", &on), -EINVAL);
	bool t;
	CU_ASSERT_EQUAL(fc_parse_roles("FCP Target", &t), 0);
	CU_ASSERT(t);
	CU_ASSERT_EQUAL(fc_parse_roles("FCP Initiator, FC-NVMe Target", &t), 0);
	CU_ASSERT(!t);
	CU_ASSERT_EQUAL(fc_parse_roles("FCP Targets", &t), -EINVAL);
	int v;
	CU_ASSERT_EQUAL(fc_parse_tmo("off", true, &v), 0);
	CU_ASSERT_EQUAL(v, -1);
	CU_ASSERT_EQUAL(fc_parse_tmo("off", false, &v), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_tmo("30", false, &v), 0);
	CU_ASSERT_EQUAL(v, 30);
	CU_ASSERT_EQUAL(fc_parse_tmo("99999999999", false, &v), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_tmo("-1", false, &v), -EINVAL);
	unsigned h;
	CU_ASSERT_EQUAL(fc_parse_rport_name("rport-3:0-12", &h), 0);
	CU_ASSERT_EQUAL(h, 3);
	CU_ASSERT_EQUAL(fc_parse_rport_name("rport-3:0", &h), -EINVAL);
	CU_ASSERT_EQUAL(fc_parse_rport_name("rport-3:0-1x", &h), -EINVAL);
	char pci[16];
	size_t end;
	CU_ASSERT_EQUAL(fc_pci_of_path("/sys/devices/pci0000:00/0000:00:02.0/0000:05:00.1/host2/fc_host/host2",
				       pci, &end), 0);
	u_str_eq(pci, "0000:05:00.1", "pci", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(end, strlen("/sys/devices/pci0000:00/0000:00:02.0/0000:05:00.1"));
	CU_ASSERT_EQUAL(fc_pci_of_path("/sys/devices/platform/host0", pci, &end), -ENOENT);
	/* the data rates: 8b/10b up to 8GFC, 64b/66b from 16GFC, 10GFC */
	CU_ASSERT_EQUAL(fc_speed_mbytes(1), 100);
	CU_ASSERT_EQUAL(fc_speed_mbytes(8), 800);
	CU_ASSERT_EQUAL(fc_speed_mbytes(16), 1600);
	CU_ASSERT_EQUAL(fc_speed_mbytes(32), 3200);
	CU_ASSERT_EQUAL(fc_speed_mbytes(10), 1200);
	CU_ASSERT_EQUAL(fc_speed_mbytes(0), 0);
}

static void test_read_fixture(void)
{
	struct fc_transport t;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL_FATAL(fc_read(BLK_FIXTURES "/dual-hba", &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.n_ports, 4);
	CU_ASSERT_EQUAL(t.n_rports, 4);
	const struct fc_host_port *p = fc_port_by_host(&t, 3);
	CU_ASSERT_FATAL(p != NULL);
	u_str_eq(p->pci, "0000:84:00.0", "pci", __FILE__, __LINE__);
	u_str_eq(p->card, "0000:84:00", "card", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(p->numa_node, 1);
	CU_ASSERT_EQUAL(p->speed_gbit, 8);
	CU_ASSERT_EQUAL(p->max_supported_gbit, 8);
	CU_ASSERT(p->online);
	const struct fc_rport *r = fc_rport_find(&t, 1, 0x20140080E5180001ULL);
	CU_ASSERT_FATAL(r != NULL);
	CU_ASSERT_EQUAL(r->dev_loss_tmo, 30);
	CU_ASSERT_EQUAL(r->fast_io_fail_tmo, -1);
	CU_ASSERT(r->target);
	fc_free(&t);

	CU_ASSERT_EQUAL_FATAL(fc_read(BLK_FIXTURES "/paths-down", &t, err, sizeof(err)), 0);
	p = fc_port_by_host(&t, 1);
	CU_ASSERT_FATAL(p != NULL);
	CU_ASSERT(!p->online);
	u_str_eq(p->state, "Linkdown", "state", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(p->speed_gbit, 0);
	fc_free(&t);

	CU_ASSERT_EQUAL(fc_read(BLK_FIXTURES "/empty", &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.n_ports + t.n_rports, 0);
	fc_free(&t);
}

static void port_files(const char *root, const char *speed, const char *name)
{
	tmp_write(root, "sys/class/fc_host/host7/port_name", name);
	tmp_write(root, "sys/class/fc_host/host7/node_name", "0x20000090fa000007\n");
	tmp_write(root, "sys/class/fc_host/host7/port_state", "Online\n");
	tmp_write(root, "sys/class/fc_host/host7/speed", speed);
}

static void test_read_bad(void)
{
	struct fc_transport t;
	char err[XCD_ERR_MAX] = "";
	char *root = tmp_root();
	port_files(root, "8 Gb\n", "0x10000090fa000007\n");
	CU_ASSERT_EQUAL(fc_read(root, &t, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "host7/speed: '8 Gb' is not an FC speed") != NULL);
	port_files(root, "8 Gbit\n", "wwn\n");
	CU_ASSERT_EQUAL(fc_read(root, &t, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "host7/port_name: 'wwn' is not a WWN") != NULL);
	/* a value longer than any the kernel writes */
	char big[600];
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	port_files(root, big, "0x10000090fa000007\n");
	CU_ASSERT_EQUAL(fc_read(root, &t, err, sizeof(err)), -EFBIG);
	port_files(root, "16 Gbit\n", "0x10000090fa000007\n");
	tmp_write(root, "sys/class/fc_remote_ports/rport-7:0-0/port_name", "0x50060e8007271230\n");
	tmp_write(root, "sys/class/fc_remote_ports/rport-7:0-0/port_state", "Online\n");
	tmp_write(root, "sys/class/fc_remote_ports/rport-7:0-0/roles", "FCP Target\n");
	tmp_write(root, "sys/class/fc_remote_ports/rport-7:0-0/fast_io_fail_tmo", "soon\n");
	CU_ASSERT_EQUAL(fc_read(root, &t, err, sizeof(err)), -EINVAL);
	CU_ASSERT(strstr(err, "fast_io_fail_tmo: 'soon'") != NULL);
	tmp_write(root, "sys/class/fc_remote_ports/rport-7:0-0/fast_io_fail_tmo", "5\n");
	CU_ASSERT_EQUAL_FATAL(fc_read(root, &t, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(t.ports[0].speed_gbit, 16);
	CU_ASSERT_EQUAL(t.ports[0].card[0], '\0'); /* not on PCI */
	CU_ASSERT_EQUAL(t.ports[0].numa_node, -1);
	CU_ASSERT_EQUAL(t.rports[0].fast_io_fail_tmo, 5);
	CU_ASSERT_EQUAL(t.rports[0].dev_loss_tmo, -1);
	fc_free(&t);
	tmp_remove(root);
}

void register_fchost(void)
{
	CU_pSuite s = CU_add_suite("fchost", NULL, NULL);
	CU_add_test(s, "value parsers and data rates", test_values);
	CU_add_test(s, "fixture hosts", test_read_fixture);
	CU_add_test(s, "bad sysfs values", test_read_bad);
}
