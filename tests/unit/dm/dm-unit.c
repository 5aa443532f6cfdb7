/* dm-unit: the domain manager (xcd/dm/) on the fake hypervisor of
 * tests/lib/hv_fake.c, without xenstore, its journal in a private directory:
 * what a create that fails half way leaves behind, when the hypervisor
 * cannot even destroy the half-made domain. */
#include "../../../lib/log.h"
#include "../../../lib/errmsg.h"
#include "../../../xcd/cfgload.h"
#include "../../../xcd/dm/dm.h"
#include "../../lib/cunit_run.h"
#include "../../lib/hv_fake.h"
#include <CUnit/Basic.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
	char dir[64], statedir[96], domains[128];
	struct hv *hv;
	struct dm m;
	bool open;
} F;

static int journal_files(void)
{
	DIR *d = opendir(F.domains);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".json") != NULL;
	closedir(d);
	return n;
}

static int dm_up(void)
{
	char err[XCD_ERR_MAX] = "";
	if (dm_open(&F.m, F.hv, NULL, NULL, F.statedir, NULL, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "dm_open: %s\n", err);
		return -1;
	}
	F.open = true;
	return 0;
}

static void dm_down(void)
{
	if (F.open)
		dm_close(&F.m);
	F.open = false;
}

static int setup(void)
{
	log_init("dm-unit", 0, getenv("DM_UNIT_VERBOSE") ? LOG_LVL_DEBUG : LOG_LVL_ERR);
	snprintf(F.dir, sizeof(F.dir), "/tmp/dm-unit.XXXXXX");
	if (!mkdtemp(F.dir))
		return -1;
	snprintf(F.statedir, sizeof(F.statedir), "%s/state", F.dir);
	snprintf(F.domains, sizeof(F.domains), "%s/domains", F.statedir);
	F.hv = hv_fake_open();
	return dm_up();
}

static int teardown(void)
{
	dm_down();
	hv_close(F.hv);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct domcfg *config(const char *name)
{
	char text[256], err[XCD_ERR_MAX];
	snprintf(text, sizeof(text), "name = \"%s\"\nkernel = \"sim:idle\"\nmemory = 64\n", name);
	struct domcfg *cfg = NULL;
	long bad;
	if (cfgload("t.cfg", text, strlen(text), NULL, 0, &cfg, &bad, err, sizeof(err)) < 0)
		fprintf(stderr, "cfgload: %s\n", err);
	return cfg;
}

/* A create whose build fails: dm_create fails, E says why. */
static int failed_create(const char *name)
{
	struct domcfg *cfg = config(name);
	CU_ASSERT_FATAL(cfg != NULL);
	struct dm_error e = { 0 };
	int rc = dm_create(&F.m, cfg, NULL, false, NULL, NULL, &e);
	CU_ASSERT(rc < 0);
	CU_ASSERT(strstr(e.message, "build") != NULL || e.message[0]);
	return rc;
}

static void test_failed_create_leaves_nothing(void)
{
	hv_fake_fail(F.hv, HV_FAKE_BUILD, -EIO);
	failed_create("t0");
	hv_fake_fail(F.hv, HV_FAKE_BUILD, 0);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), 0);
	CU_ASSERT_PTR_NULL(dm_find(&F.m, "t0", -1));
	CU_ASSERT_EQUAL(journal_files(), 0);
}

/* The half-made domain cannot be destroyed: it must not be forgotten while
 * it lives. Its record stays (and so it stays in the table, where `xcd list`
 * shows it and `xcd destroy` reaches it), and the poll tries again. */
static void test_undo_that_cannot_destroy_retries(void)
{
	hv_fake_fail(F.hv, HV_FAKE_BUILD, -EIO);
	hv_fake_fail(F.hv, HV_FAKE_DESTROY, -EBUSY);
	failed_create("t1");
	hv_fake_fail(F.hv, HV_FAKE_BUILD, 0);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), 1);
	CU_ASSERT_PTR_NOT_NULL(dm_find(&F.m, "t1", -1));
	CU_ASSERT_EQUAL(journal_files(), 1);
	/* Half built: it may not run, only be destroyed. */
	struct dm_domain *d = dm_find(&F.m, "t1", -1);
	struct dm_error e = { 0 };
	u_str_eq(d ? dm_busy(d) : "", "undoing", "dm_busy", __FILE__, __LINE__);
	CU_ASSERT_EQUAL(dm_unpause(&F.m, d, &e), -EBUSY);
	CU_ASSERT(strstr(e.message, "only destroy applies") != NULL);
	/* Still failing: still kept. */
	CU_ASSERT_EQUAL(dm_poll(&F.m), 0);
	CU_ASSERT_PTR_NOT_NULL(dm_find(&F.m, "t1", -1));
	CU_ASSERT_EQUAL(journal_files(), 1);
	/* The hypervisor lets it go: the next poll finishes the undo. */
	hv_fake_fail(F.hv, HV_FAKE_DESTROY, 0);
	CU_ASSERT_EQUAL(dm_poll(&F.m), 0);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), 0);
	CU_ASSERT_PTR_NULL(dm_find(&F.m, "t1", -1));
	CU_ASSERT_EQUAL(journal_files(), 0);
}

/* The same, with the daemon restarted before the hypervisor lets it go: the
 * next manager finds the record and rolls the create back, rather than
 * taking the domain for a foreign one and leaving it paused for good. */
static void test_undo_that_cannot_destroy_survives_restart(void)
{
	hv_fake_fail(F.hv, HV_FAKE_BUILD, -EIO);
	hv_fake_fail(F.hv, HV_FAKE_DESTROY, -EBUSY);
	failed_create("t2");
	hv_fake_fail(F.hv, HV_FAKE_BUILD, 0);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), 1);
	dm_down();
	hv_fake_fail(F.hv, HV_FAKE_DESTROY, 0);
	CU_ASSERT_FATAL(dm_up() == 0);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), 0);
	CU_ASSERT_PTR_NULL(dm_find(&F.m, "t2", -1));
	CU_ASSERT_EQUAL(journal_files(), 0);
}

/* A name the failed create kept is not free while its domain lives. */
static void test_kept_name_is_taken(void)
{
	hv_fake_fail(F.hv, HV_FAKE_BUILD, -EIO);
	hv_fake_fail(F.hv, HV_FAKE_DESTROY, -EBUSY);
	failed_create("t3");
	hv_fake_fail(F.hv, HV_FAKE_BUILD, 0);
	struct dm_error e = { 0 };
	CU_ASSERT_EQUAL(dm_name_check(&F.m, NULL, "t3", "name", &e), -EEXIST);
	hv_fake_fail(F.hv, HV_FAKE_DESTROY, 0);
	CU_ASSERT_EQUAL(dm_poll(&F.m), 0);
	CU_ASSERT_EQUAL(dm_name_check(&F.m, NULL, "t3", "name", &e), 0);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), 0);
}

static void register_create(void)
{
	CU_pSuite s = CU_add_suite("dm-create", setup, teardown);
	CU_add_test(s, "a failed create leaves nothing", test_failed_create_leaves_nothing);
	CU_add_test(s, "an undo that cannot destroy keeps the record, the poll retries",
		    test_undo_that_cannot_destroy_retries);
	CU_add_test(s, "an undo that cannot destroy is finished by the next manager",
		    test_undo_that_cannot_destroy_survives_restart);
	CU_add_test(s, "the kept domain's name stays taken", test_kept_name_is_taken);
}

/* ---- what dm.h promises: error codes, a restart from the kept config ---- */

/* A domain made (with its xl.cfg text as the source for restarts): D. */
static struct dm_domain *made(const char *name)
{
	char text[256];
	snprintf(text, sizeof(text), "name = \"%s\"\nkernel = \"sim:idle\"\nmemory = 64\n", name);
	struct dm_source src = { "t.cfg", text, NULL, 0 };
	struct dm_error e = { 0 };
	struct domcfg *cfg = config(name);
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(dm_create(&F.m, cfg, &src, false, NULL, NULL, &e), 0);
	return dm_find(&F.m, name, -1);
}

static void test_taken_name_is_exists(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(made("e1"));
	struct dm_error e = { 0 };
	struct domcfg *cfg = config("e1");
	CU_ASSERT_FATAL(cfg != NULL);
	CU_ASSERT_EQUAL(dm_create(&F.m, cfg, NULL, false, NULL, NULL, &e), -EEXIST);
	CU_ASSERT_EQUAL(e.code, DM_ERR_EXISTS);
	u_str_eq(e.field, "name", "field", __FILE__, __LINE__);
	CU_ASSERT(strstr(e.message, "e1") != NULL);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), 1);
	/* A name the rule refuses is the configuration's fault. */
	memset(&e, 0, sizeof(e));
	CU_ASSERT_EQUAL(dm_name_check(&F.m, NULL, "bad/name", "name", &e), -EINVAL);
	CU_ASSERT_EQUAL(e.code, DM_ERR_CONFIG);
}

/* An operation on a domain the hypervisor no longer has (destroyed behind
 * the manager's back, before a poll saw it go) says so: DM_ERR_NO_DOMAIN. */
static void test_op_on_missing_domain(void)
{
	struct dm_domain *d = made("e2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_EQUAL_FATAL(hv_domain_destroy(F.hv, d->domid), 0);
	struct dm_error e = { 0 };
	CU_ASSERT_EQUAL(dm_pause(&F.m, d, &e), -ESRCH);
	CU_ASSERT_EQUAL(e.code, DM_ERR_NO_DOMAIN);
	CU_ASSERT(strstr(e.message, "e2") != NULL);
	memset(&e, 0, sizeof(e));
	CU_ASSERT_EQUAL(dm_set_memory(&F.m, d, false, 1024, &e), -ESRCH);
	CU_ASSERT_EQUAL(e.code, DM_ERR_NO_DOMAIN);
	/* The poll drops it, record and all. */
	CU_ASSERT_EQUAL(dm_poll(&F.m), 0);
	CU_ASSERT_PTR_NULL(dm_find(&F.m, "e2", -1));
	CU_ASSERT_EQUAL(journal_files(), 1); /* e1's */
}

/* A busy domain refuses other changes: DM_ERR_BUSY. */
static void test_busy_is_busy(void)
{
	hv_fake_fail(F.hv, HV_FAKE_BUILD, -EIO);
	hv_fake_fail(F.hv, HV_FAKE_DESTROY, -EBUSY);
	failed_create("e3");
	hv_fake_fail(F.hv, HV_FAKE_BUILD, 0);
	struct dm_domain *d = dm_find(&F.m, "e3", -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	struct dm_error e = { 0 };
	CU_ASSERT_EQUAL(dm_pause(&F.m, d, &e), -EBUSY);
	CU_ASSERT_EQUAL(e.code, DM_ERR_BUSY);
	hv_fake_fail(F.hv, HV_FAKE_DESTROY, 0);
	CU_ASSERT_EQUAL(dm_poll(&F.m), 0);
	CU_ASSERT_PTR_NULL(dm_find(&F.m, "e3", -1));
}

/* on_reboot=restart (libxl's default) after a restart of the manager: the
 * configuration parsed when the record was loaded makes the domain again,
 * with no second parse of the text (made unparsable here after the load). */
static void test_restart_uses_kept_config(void)
{
	CU_ASSERT_PTR_NOT_NULL_FATAL(made("r1"));
	dm_down();
	CU_ASSERT_FATAL(dm_up() == 0);
	struct dm_domain *d = dm_find(&F.m, "r1", -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(dm_domain_config(d));
	CU_ASSERT_PTR_NOT_NULL_FATAL(d->source);
	char uuid[37];
	snprintf(uuid, sizeof(uuid), "%s", d->uuid);
	uint32_t old = d->domid;
	free(d->source->text);
	d->source->text = strdup("name = \"r1\"\nkernel = this is not xl.cfg\n");
	CU_ASSERT_FATAL(d->source->text != NULL);
	CU_ASSERT_EQUAL_FATAL(hv_domain_shutdown(F.hv, old, HV_SHUTDOWN_REBOOT), 0);
	CU_ASSERT_EQUAL(dm_poll(&F.m), 0);
	d = dm_find(&F.m, "r1", -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_NOT_EQUAL(d->domid, old);
	u_str_eq(d->uuid, uuid, "uuid kept", __FILE__, __LINE__);
	CU_ASSERT_PTR_NULL(dm_busy(d));
	CU_ASSERT(d->state[2] != 'p' && d->state[3] != 's');
}

static void register_interface(void)
{
	CU_pSuite s = CU_add_suite("dm-interface", setup, teardown);
	CU_add_test(s, "create with a taken name: DM_ERR_EXISTS", test_taken_name_is_exists);
	CU_add_test(s, "an op on a domain the hypervisor lost: DM_ERR_NO_DOMAIN",
		    test_op_on_missing_domain);
	CU_add_test(s, "an op on a busy domain: DM_ERR_BUSY", test_busy_is_busy);
	CU_add_test(s, "a restart uses the configuration parsed at load",
		    test_restart_uses_kept_config);
}

int main(void)
{
	suite_register_fn *const regs[] = { register_create, register_interface, NULL };
	return cunit_run("dm-unit", regs);
}
