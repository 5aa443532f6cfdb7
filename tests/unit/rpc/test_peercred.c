/* Peer credentials and the access decision. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include "../../../lib/peercred.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A host with group "xcd" (gid 500). Who is a member is the peer's own
 * business: its gid or its supplementary groups, never the lookup. */
struct fake {
	int fail; /* errno to fail lookups with */
	int exists;
};

static int fake_group_gid(const char *group, gid_t *gid, void *arg)
{
	struct fake *f = arg;
	if (f->fail)
		return -f->fail;
	if (!f->exists || strcmp(group, "xcd"))
		return -ENOENT;
	*gid = 500;
	return 0;
}

static void test_socketpair_root(void)
{
	int sv[2];
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	struct peercred pc;
	CU_ASSERT_EQUAL(peercred_get(sv[0], &pc, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(pc.pid, getpid());
	CU_ASSERT_EQUAL(pc.uid, geteuid());
	CU_ASSERT_EQUAL(pc.gid, getegid());
	/* SO_PEERGROUPS: this process's supplementary groups. */
	gid_t mine[256];
	int n = getgroups(256, mine);
	if (n >= 0)
		CU_ASSERT_EQUAL(pc.ngroups, (size_t)n);
	for (int i = 0; n > 0 && i < n && (size_t)i < pc.ngroups; i++)
		CU_ASSERT_EQUAL(pc.groups[i], mine[i]);
	enum peercred_access a;
	/* The system's databases, and a group that surely does not exist. */
	int r = peercred_decide(&pc, "xcd-no-such-group-here", NULL, &a, err, sizeof(err));
	if (geteuid() == 0) {
		CU_ASSERT_EQUAL(r, 0);
		CU_ASSERT_EQUAL(a, PEERCRED_FULL);
	} else {
		CU_ASSERT_EQUAL(r, -EACCES);
		CU_ASSERT_EQUAL(a, PEERCRED_REFUSED);
		U_CONTAINS(err, "does not exist");
	}
	peercred_free(&pc);
	close(sv[0]);
	close(sv[1]);
	/* Not a socket. */
	CU_ASSERT(peercred_get(0 + 1000, &pc, err, sizeof(err)) < 0);
	U_CONTAINS(err, "SO_PEERCRED");
}

static void test_system_group(void)
{
	/* Group "root" (gid 0) exists everywhere: a peer whose primary group
	 * is 0 is a member, found through the system's lookup. */
	struct peercred pc = { .pid = 1, .uid = 65534, .gid = 0 };
	enum peercred_access a;
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(peercred_decide(&pc, "root", NULL, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a, PEERCRED_READONLY);
	pc.gid = 65534;
	int r = peercred_decide(&pc, "root", NULL, &a, err, sizeof(err));
	CU_ASSERT_EQUAL(r, -EACCES);
	CU_ASSERT_EQUAL(a, PEERCRED_REFUSED);
	U_CONTAINS(err, "uid 65534");
}

static void test_decisions(void)
{
	struct fake f = { .exists = 1 };
	struct peercred_lookup lk = { fake_group_gid, &f };
	enum peercred_access a;
	char err[XCD_ERR_MAX] = "";
	gid_t with_xcd[] = { 20, 500, 600 }, without[] = { 20, 600 };
	struct peercred root = { 42, 0, 0, NULL, 0 }, member = { 43, 1000, 1000, with_xcd, 3 },
			primary = { 44, 1001, 500, NULL, 0 }, other = { 45, 1002, 1002, without, 2 };
	CU_ASSERT_EQUAL(peercred_decide(&root, "xcd", &lk, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a, PEERCRED_FULL);
	CU_ASSERT_EQUAL(peercred_decide(&member, "xcd", &lk, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a, PEERCRED_READONLY);
	CU_ASSERT_EQUAL(peercred_decide(&primary, "xcd", &lk, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a, PEERCRED_READONLY);
	a = PEERCRED_FULL;
	CU_ASSERT_EQUAL(peercred_decide(&other, "xcd", &lk, &a, err, sizeof(err)), -EACCES);
	CU_ASSERT_EQUAL(a, PEERCRED_REFUSED);
	U_STR_EQ(err, "uid 1002 (gid 1002, pid 45) refused: xcdd serves root (full access) and "
		      "members of group \"xcd\" (read-only access; the connecting process's "
		      "own groups count)");
	/* The same user without the group in its process (setpriv
	 * --clear-groups): refused, whatever the group database says. */
	struct peercred cleared = { 46, 1000, 1000, NULL, 0 };
	CU_ASSERT_EQUAL(peercred_decide(&cleared, "xcd", &lk, &a, err, sizeof(err)), -EACCES);
	CU_ASSERT_EQUAL(a, PEERCRED_REFUSED);
	/* The group missing. */
	f.exists = 0;
	CU_ASSERT_EQUAL(peercred_decide(&member, "xcd", &lk, &a, err, sizeof(err)), -EACCES);
	U_CONTAINS(err, "uid 1000 (pid 43) refused");
	U_CONTAINS(err, "group \"xcd\" (read-only access) does not exist");
	/* Root needs no lookup, even when lookups fail. */
	f.fail = EIO;
	CU_ASSERT_EQUAL(peercred_decide(&root, "xcd", &lk, &a, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(a, PEERCRED_FULL);
	CU_ASSERT_EQUAL(peercred_decide(&member, "xcd", &lk, &a, err, sizeof(err)), -EIO);
	CU_ASSERT_EQUAL(a, PEERCRED_REFUSED);
	U_CONTAINS(err, "cannot check membership of group \"xcd\"");
	U_STR_EQ(peercred_access_name(PEERCRED_READONLY), "read-only");
}

void suite_peercred_register(void)
{
	CU_pSuite s = CU_add_suite("peercred", NULL, NULL);
	CU_add_test(s, "SO_PEERCRED over a socketpair", test_socketpair_root);
	CU_add_test(s, "system group lookup", test_system_group);
	CU_add_test(s, "decisions with an injected lookup", test_decisions);
}
