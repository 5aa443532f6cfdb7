/* dm-unit: the domain manager (xcd/dm/) on the fake hypervisor of
 * tests/lib/hv_fake.c, without xenstore, its journal in a private directory:
 * what a create that fails half way leaves behind, when the hypervisor
 * cannot even destroy the half-made domain. */
#include "../../../lib/log.h"
#include "../../../lib/errmsg.h"
#include "../../../xcd/cfgload.h"
#include "../../../lib/uuid.h"
#include "../../../xcd/dm/dm_internal.h"
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
	char uuid[UUID_STR_LEN + 1];
	uuid_format(d->uuid, uuid);
	uint32_t old = d->domid;
	free(d->source->text);
	d->source->text = strdup("name = \"r1\"\nkernel = this is not xl.cfg\n");
	CU_ASSERT_FATAL(d->source->text != NULL);
	CU_ASSERT_EQUAL_FATAL(hv_domain_shutdown(F.hv, old, HV_SHUTDOWN_REBOOT), 0);
	CU_ASSERT_EQUAL(dm_poll(&F.m), 0);
	d = dm_find(&F.m, "r1", -1);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_NOT_EQUAL(d->domid, old);
	u_str_eq(UUID_STR(d->uuid), uuid, "uuid kept", __FILE__, __LINE__);
	CU_ASSERT_PTR_NULL(dm_busy(d));
	CU_ASSERT(d->state[2] != 'p' && d->state[3] != 's');
}

/* ---- the journal record's "op" of a rename-restart ---- */

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = f ? calloc(1, 1 << 20) : NULL;
	if (buf)
		fread(buf, 1, (1 << 20) - 1, f);
	if (f)
		fclose(f);
	return buf;
}

/* The record of the domain with uuid U with OP added (its text inserted
 * before the closing brace), as an xcdd that died during a rename-restart
 * left it. */
static void add_op(const uint8_t u[16], const char *op)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s.json", F.domains, UUID_STR(u));
	char *text = slurp(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	char *end = strrchr(text, '}');
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	*end = '\0';
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "%s,\"op\":%s}", text, op);
	fclose(f);
	free(text);
}

/*
 * A rename-restart left half done (renaming) by an xcdd that wrote its
 * record with NEW_KEY for the new domain's uuid: the next manager finishes
 * it, the old domain kept renamed under the kept uuid, a new one made
 * under the configuration's. "new_uuid" is what xcdd wrote before xcd/dm/
 * and writes now; "dm_new_uuid" what it wrote in between.
 */
static void rename_restart_settled(const char *new_key)
{
	int doms = hv_fake_domains(F.hv), files = journal_files();
	struct dm_domain *d = made("w1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	uint8_t orig[16], kept[16];
	memcpy(orig, d->uuid, 16);
	uint32_t old_domid = d->domid;
	CU_ASSERT_EQUAL_FATAL(uuid_random(kept), 0);
	char op[512];
	snprintf(op, sizeof(op),
		 "{\"kind\":\"rename-restart\",\"step\":\"renaming\",\"%s\":\"%s\","
		 "\"kept_uuid\":\"%s\"}", new_key, UUID_STR(orig), UUID_STR(kept));
	dm_down(); /* D is freed */
	add_op(orig, op);
	CU_ASSERT_FATAL(dm_up() == 0);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), doms + 2);
	struct dm_domain *nd = dm_find(&F.m, "w1", -1), *kd = dm_find_uuid(&F.m, kept);
	CU_ASSERT_PTR_NOT_NULL_FATAL(nd);
	CU_ASSERT_PTR_NOT_NULL_FATAL(kd);
	CU_ASSERT(memcmp(nd->uuid, orig, 16) == 0);
	CU_ASSERT_NOT_EQUAL(nd->domid, old_domid);
	CU_ASSERT_EQUAL(kd->domid, old_domid);
	CU_ASSERT(strncmp(kd->name, "w1-", 3) == 0);
	CU_ASSERT_EQUAL(journal_files(), files + 2);
	struct dm_error e = { 0 };
	CU_ASSERT_EQUAL(dm_destroy(&F.m, nd, NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(dm_destroy(&F.m, kd, NULL, NULL, &e), 0);
	CU_ASSERT_EQUAL(hv_fake_domains(F.hv), doms);
	CU_ASSERT_EQUAL(journal_files(), files);
}

static void test_rename_restart_new_uuid(void) { rename_restart_settled("new_uuid"); }
static void test_rename_restart_dm_new_uuid(void) { rename_restart_settled("dm_new_uuid"); }

/* What a rename-restart's record says, as the next xcdd reads it. */
static void test_rename_restart_written(void)
{
	struct dm_domain *d = made("w2");
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	uint8_t kept[16];
	CU_ASSERT_EQUAL_FATAL(uuid_random(kept), 0);
	d->pending.kind = DM_PENDING_RENAME_RESTART;
	snprintf(d->pending.step, sizeof(d->pending.step), "renaming");
	memcpy(d->pending.new_uuid, d->uuid, 16);
	memcpy(d->pending.kept_uuid, kept, 16);
	d->pending.has_kept_uuid = true;
	char err[XCD_ERR_MAX], path[256], want[128];
	CU_ASSERT_EQUAL_FATAL(dm_record_save(&F.m, d, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/%s.json", F.domains, UUID_STR(d->uuid));
	char *text = slurp(path);
	CU_ASSERT_PTR_NOT_NULL_FATAL(text);
	snprintf(want, sizeof(want), "\"new_uuid\":\"%s\"", UUID_STR(d->uuid));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	snprintf(want, sizeof(want), "\"kept_uuid\":\"%s\"", UUID_STR(kept));
	CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
	free(text);
	memset(&d->pending, 0, sizeof(d->pending));
	struct dm_error e = { 0 };
	CU_ASSERT_EQUAL(dm_destroy(&F.m, d, NULL, NULL, &e), 0);
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
	CU_add_test(s, "a half-done rename-restart (\"new_uuid\") is finished",
		    test_rename_restart_new_uuid);
	CU_add_test(s, "a half-done rename-restart (\"dm_new_uuid\") is finished",
		    test_rename_restart_dm_new_uuid);
	CU_add_test(s, "a rename-restart's record says new_uuid and kept_uuid",
		    test_rename_restart_written);
}

int main(void)
{
	suite_register_fn *const regs[] = { register_create, register_interface, NULL };
	return cunit_run("dm-unit", regs);
}
