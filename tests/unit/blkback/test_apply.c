/* test_apply: blkback/'s parameter changes carried out on a tree of files
 * standing for a host: a change at run time (max_queues, feature_persistent)
 * is written in sysfs and kept in /etc/modprobe.d/xcd-blkback.conf beside the
 * load-time max_ring_page_order, so that the module's next load (which that
 * change asks for) keeps it; revert puts sysfs back and removes the file. */
#include "../../../blkback/apply.h"
#include "../../../blkback/params.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int save_none(const struct tj *j, void *arg, char *err, size_t errlen) { return 0; }

static char *slurp(const char *root, const char *rel)
{
	char path[4096];
	static char buf[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	buf[0] = '\0';
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void change(struct tune_plan *p, const char *param, const char *from, const char *to,
		   bool on_reload)
{
	char obj[64];
	snprintf(obj, sizeof(obj), "xen_blkback.%s", param);
	CU_ASSERT_EQUAL_FATAL(tune_plan_add(p, TUNE_CHANGE, "blkback", obj, from, to, "", "test"), 0);
	p->items[p->n - 1].on_reload = on_reload;
}

static void test_params_kept(void)
{
	char *root = tmp_root(), err[512] = "";
	tmp_write(root, BLKBACK_PARAMS_DIR "/max_ring_page_order", "0\n");
	tmp_write(root, BLKBACK_PARAMS_DIR "/max_queues", "1\n");
	tmp_write(root, BLKBACK_PARAMS_DIR "/feature_persistent", "N\n");
	char etc[4096];
	snprintf(etc, sizeof(etc), "%s/etc", root); /* a host has one; modprobe.d is made */
	CU_ASSERT_EQUAL_FATAL(mkdir(etc, 0755), 0);
	struct tune_plan plan;
	tune_plan_init(&plan);
	change(&plan, "max_ring_page_order", "0", "4", true);
	change(&plan, "max_queues", "1", "2", false);
	change(&plan, "feature_persistent", "N", "Y", false);

	struct ta_ctx c;
	struct tj j;
	struct blk_host h;
	struct storage_policy p;
	memset(&h, 0, sizeof(h));
	storage_policy_default(&p);
	tj_init(&j, "storage", root);
	CU_ASSERT_EQUAL_FATAL(ta_open(&c, root, err, sizeof(err)), 0);
	c.j = &j;
	c.save = save_none;
	c.ext = &blk_apply_ext;
	struct ta_change *ch = NULL;
	size_t n = 0;
	int rc = blk_apply_changes(&c, &h, &p, &plan, &ch, &n, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	if (rc == 0) {
		CU_ASSERT_EQUAL(n, 3);
		CU_ASSERT_STRING_NOT_EQUAL(ch[0].note, ""); /* deferred to the next load */
		CU_ASSERT_STRING_EQUAL(ch[1].note, "");     /* in effect now */
		rc = ta_apply(&c, ch, n, 0, err, sizeof(err));
		if (rc)
			fprintf(stderr, "apply: %s\n", err);
		CU_ASSERT_EQUAL(rc, 0);
	}
	ta_changes_free(ch, n);
	char *s = slurp(root, BLKBACK_PARAMS_DIR "/max_queues");
	CU_ASSERT(s && !strcmp(s, "2\n"));
	s = slurp(root, BLKBACK_PARAMS_DIR "/feature_persistent");
	CU_ASSERT(s && !strcmp(s, "Y\n"));
	s = slurp(root, BLKBACK_PARAMS_DIR "/max_ring_page_order");
	CU_ASSERT(s && !strcmp(s, "0\n")); /* read-only: the next load */
	s = slurp(root, BLK_MODPROBE_FILE);
	const char *want = "\noptions xen_blkback max_ring_page_order=4 max_queues=2 feature_persistent=Y\n";
	CU_ASSERT(s && strstr(s, want));
	if (s && !strstr(s, want))
		fprintf(stderr, "%s: '%s'\n", BLK_MODPROBE_FILE, s);

	rc = ta_revert(&c, 1, err, sizeof(err));
	CU_ASSERT_EQUAL(rc, 0);
	s = slurp(root, BLKBACK_PARAMS_DIR "/max_queues");
	CU_ASSERT(s && !strcmp(s, "1\n"));
	s = slurp(root, BLKBACK_PARAMS_DIR "/feature_persistent");
	CU_ASSERT(s && !strcmp(s, "N\n"));
	CU_ASSERT_PTR_NULL(slurp(root, BLK_MODPROBE_FILE));
	struct stat st;
	snprintf(etc, sizeof(etc), "%s/etc/modprobe.d", root);
	CU_ASSERT_NOT_EQUAL(stat(etc, &st), 0); /* the directory made is gone */
	ta_close(&c);
	tj_free(&j);
	tune_plan_free(&plan);
	storage_policy_free(&p);
	tmp_remove(root);
}

void register_apply(void)
{
	CU_pSuite s = CU_add_suite("apply", NULL, NULL);
	CU_add_test(s, "a run-time parameter kept for the next load beside a load-time one",
		    test_params_kept);
}
