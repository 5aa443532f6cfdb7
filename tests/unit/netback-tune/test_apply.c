/* test_apply: netback-tune's changes to interfaces made and undone over
 * netlink, for real, in a network namespace of the test's own (a child
 * process: unshare(CLONE_NEWNET | CLONE_NEWNS), a sysfs of that namespace
 * mounted under a sysroot): a veth v0 taken out of bridge br0 and br0's MTU
 * changed, then reverted (v0 back in br0 and up, the MTU back); a step made
 * to fail undoes the one before it; a sysroot that shows another namespace
 * is refused with nothing changed; the default route on br0 makes the plan
 * risky. Bonds need the bonding driver: tests/system/tune/netns and the
 * lab (tests/xen/70-tune-bond.sh). Without root or namespaces the test says
 * so and passes nothing. */
#include "../../../lib/tuneapply.h"
#include "../../../netback-tune/apply.h"
#include "../../../netback-tune/linknl.h"
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <CUnit/Basic.h>
#include <errno.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/veth.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned failures;
#define EXPECT(cond)                                                                   \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: not so: %s\n", __FILE__, __LINE__, #cond); \
			failures++;                                                    \
		}                                                                      \
	} while (0)

static int save_none(const struct tj *j, void *arg, char *err, size_t errlen) { return 0; }

/* v0 as netlink shows it. */
static struct nt_link link_of(struct nl_sock *sk, const char *name)
{
	struct nt_link l;
	char err[256];
	if (nt_nl_get(sk, name, &l, err, sizeof(err)))
		fprintf(stderr, "%s\n", err);
	return l;
}

static void item(struct tune_plan *p, const char *area, const char *object, const char *from,
		 const char *to)
{
	tune_plan_add(p, TUNE_CHANGE, area, object, from, to, "", "test");
}

/* Applies PLAN on the sysroot ROOT with FAIL_AT; the engine's result. */
static int apply(const char *root, const struct tune_plan *plan, struct tj *j, unsigned fail_at,
		 char *err, size_t errlen)
{
	struct ta_ctx c;
	struct nt_apply a;
	struct nt_host *h = NULL;
	struct ta_change *ch = NULL;
	size_t n = 0;
	nt_apply_init(&a);
	int rc = ta_open(&c, root, err, errlen);
	c.j = j;
	c.save = save_none;
	c.ext = &a.ext;
	c.fail_at = fail_at;
	if (rc == 0)
		rc = nt_host_read(root, &h, err, errlen);
	if (rc == 0)
		rc = nt_apply_changes(&c, &a, h, plan, &ch, &n, err, errlen);
	if (rc == 0)
		rc = ta_apply(&c, ch, n, 0, err, errlen);
	ta_changes_free(ch, n);
	nt_host_free(h);
	nt_apply_fini(&a);
	ta_close(&c);
	return rc;
}

static int revert(const char *root, struct tj *j, char *err, size_t errlen)
{
	struct ta_ctx c;
	struct nt_apply a;
	nt_apply_init(&a);
	int rc = ta_open(&c, root, err, errlen);
	c.j = j;
	c.save = save_none;
	c.ext = &a.ext;
	if (rc == 0)
		rc = ta_revert(&c, 1, err, errlen);
	nt_apply_fini(&a);
	ta_close(&c);
	return rc;
}

static void in_namespace(const char *root)
{
	struct nl_sock *sk;
	char err[1024] = "", path[256];
	if (nt_nl_open(&sk, err, sizeof(err)))
		_exit(2);
	EXPECT(rtnl_link_veth_add(sk, "v0", "w0", getpid()) == 0);
	EXPECT(rtnl_link_bridge_add(sk, "br0") == 0);
	EXPECT(nt_nl_set_master(sk, "v0", "br0", err, sizeof(err)) == 0);
	EXPECT(nt_nl_set_up(sk, "v0", true, err, sizeof(err)) == 0);
	EXPECT(nt_nl_set_up(sk, "w0", true, err, sizeof(err)) == 0);
	EXPECT(nt_nl_set_up(sk, "br0", true, err, sizeof(err)) == 0);
	snprintf(path, sizeof(path), "%s/sys", root);
	mkdir(path, 0755);
	EXPECT(mount("sysfs", path, "sysfs", 0, NULL) == 0);
	snprintf(path, sizeof(path), "%s/proc", root);
	mkdir(path, 0755);
	EXPECT(mount("/proc", path, NULL, MS_BIND, NULL) == 0);
	long mtu0 = link_of(sk, "br0").mtu;

	struct tune_plan plan;
	tune_plan_init(&plan);
	item(&plan, "nic", "v0/master", "br0", "");
	item(&plan, "bond", "br0/mtu", "1500", "1400");
	struct tj j;
	tj_init(&j, "net", root);
	int rc = apply(root, &plan, &j, 0, err, sizeof(err));
	if (rc)
		fprintf(stderr, "apply: %s\n", err);
	EXPECT(rc == 0);
	EXPECT(link_of(sk, "v0").master[0] == '\0');
	EXPECT(link_of(sk, "v0").up);
	EXPECT(link_of(sk, "br0").mtu == 1400);
	EXPECT(tj_count(&j) == 2 && j.steps[0].n_recs == 1 && j.steps[0].recs[0].kind == TJ_LINK);
	EXPECT(!strcmp(j.steps[0].recs[0].master, "br0") && j.steps[0].recs[0].up);
	rc = revert(root, &j, err, sizeof(err));
	if (rc)
		fprintf(stderr, "revert: %s\n", err);
	EXPECT(rc == 0);
	EXPECT(!strcmp(link_of(sk, "v0").master, "br0"));
	EXPECT(link_of(sk, "v0").up);
	EXPECT(link_of(sk, "br0").mtu == mtu0);
	/* Twice: undoing restores a state, whatever the state. */
	tj_free(&j);
	tj_init(&j, "net", root);
	rc = apply(root, &plan, &j, 2, err, sizeof(err));
	EXPECT(rc == -EIO && strstr(err, "step 2 of 2 (bond br0/mtu: 1500 -> 1400) failed") &&
	       strstr(err, "step 1 was undone"));
	EXPECT(!strcmp(link_of(sk, "v0").master, "br0"));
	EXPECT(link_of(sk, "br0").mtu == mtu0);
	EXPECT(tj_count(&j) == 0);

	/* A sysroot that is not this namespace's view: refused up front. */
	char other[128];
	snprintf(other, sizeof(other), "%s/other", root);
	mkdir(other, 0755);
	snprintf(path, sizeof(path), "%s/sys", other);
	mkdir(path, 0755);
	EXPECT(mount("/sys", path, NULL, MS_BIND, NULL) == 0); /* the first namespace's */
	rc = apply(other, &plan, &j, 0, err, sizeof(err));
	EXPECT(rc == -ENOTSUP && strstr(err, "the sysroot is not this namespace's view"));
	EXPECT(!strcmp(link_of(sk, "v0").master, "br0"));
	umount(path);
	tj_free(&j);
	tune_plan_free(&plan);
	nt_nl_close(sk);
	snprintf(path, sizeof(path), "%s/sys", root);
	umount(path);
	snprintf(path, sizeof(path), "%s/proc", root);
	umount(path);
	_exit(failures ? 1 : 0);
}

static void test_links(void)
{
	char root[64] = "/tmp/xcd-nt-apply.XXXXXX";
	if (geteuid() != 0 || !mkdtemp(root)) {
		fprintf(stderr, "(skipped: needs root)\n");
		return;
	}
	pid_t pid = fork();
	CU_ASSERT_FATAL(pid >= 0);
	if (pid == 0) {
		if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
			_exit(77);
		in_namespace(root);
	}
	int status = 0;
	waitpid(pid, &status, 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", root);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		fprintf(stderr, "(skipped: no network namespace here)\n");
		return;
	}
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void register_apply(void)
{
	CU_pSuite s = CU_add_suite("apply", NULL, NULL);
	CU_add_test(s, "an interface out of a bridge and an MTU, made and undone over netlink",
		    test_links);
}
