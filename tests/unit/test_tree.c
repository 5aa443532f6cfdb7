/* tree: the node operations as requests (READ, WRITE, MKDIR, RM, DIRECTORY,
 * DIRECTORY_PART, GET/SET_PERMS) and what unprivileged domains may do. */
#include "suites.h"
#include "util.h"
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void test_write_read(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_write(d0, 0, "/a", "hello"));
	U_STR(U_r.data, "OK");
	U_OK(u_read(d0, 0, "/a"));
	U_EQ(U_r.len, 5);
	U_STR(U_r.data, "hello");
	/* Overwrite, binary value with NULs, empty value. */
	U_OK(u_writen(d0, 0, "/a", "x\0y", 3));
	U_OK(u_read(d0, 0, "/a"));
	U_EQ(U_r.len, 3);
	CU_ASSERT_TRUE(memcmp(U_r.data, "x\0y", 3) == 0);
	U_OK(u_write(d0, 0, "/a", ""));
	U_OK(u_read(d0, 0, "/a"));
	U_EQ(U_r.len, 0);
	/* A large value (privileged: no node-size quota). */
	char big[4000];
	memset(big, 'v', sizeof(big));
	U_OK(u_writen(d0, 0, "/big", big, sizeof(big)));
	U_OK(u_read(d0, 0, "/big"));
	U_EQ(U_r.len, sizeof(big));
	CU_ASSERT_TRUE(memcmp(U_r.data, big, sizeof(big)) == 0);
	/* Missing node. */
	U_RC(u_read(d0, 0, "/nope"), -ENOENT);
	U_RC(u_read(d0, 0, "/a/nope"), -ENOENT);
}

static void test_write_creates_parents(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_write(d0, 0, "/p/q/r", "v"));
	U_STR(u_get(d0, "/p"), "");
	U_STR(u_get(d0, "/p/q"), "");
	U_STR(u_get(d0, "/p/q/r"), "v");
	U_STR(u_dir(d0, "/p"), "q");
	U_STR(u_dir(d0, "/p/q"), "r");
	U_STR(u_dir(d0, "/"), "tool,p");
	/* Relative paths of domain 0 are under /local/domain/0. */
	U_OK(u_write(d0, 0, "rel/x", "1"));
	U_STR(u_get(d0, "/local/domain/0/rel/x"), "1");
	U_STR(u_get(d0, "rel/x"), "1");
}

static void test_mkdir(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/m/n"));
	U_STR(u_get(d0, "/m"), "");
	U_STR(u_get(d0, "/m/n"), "");
	U_OK(u_write(d0, 0, "/m", "keep"));
	U_OK(u_mkdir(d0, 0, "/m"));
	U_STR(u_get(d0, "/m"), "keep");
	U_OK(u_mkdir(d0, 0, "/m/n"));
	U_STR(u_dir(d0, "/m"), "n");
	U_RC(u_mkdir(d0, 0, "/m/"), -EINVAL);
}

static void test_rm(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_write(d0, 0, "/r/a/b/c", "1"));
	U_OK(u_write(d0, 0, "/r/d", "2"));
	U_OK(u_rm(d0, 0, "/r/a"));
	U_RC(u_read(d0, 0, "/r/a"), -ENOENT);
	U_RC(u_read(d0, 0, "/r/a/b"), -ENOENT);
	U_RC(u_read(d0, 0, "/r/a/b/c"), -ENOENT);
	U_STR(u_dir(d0, "/r"), "d");
	/* Missing node with an existing parent: not an error. */
	U_OK(u_rm(d0, 0, "/r/missing"));
	U_OK(u_rm(d0, 0, "/r/a"));
	/* Missing parent too: ENOENT. */
	U_RC(u_rm(d0, 0, "/r/missing/x"), -ENOENT);
	U_RC(u_rm(d0, 0, "/nothere/x"), -ENOENT);
	/* The root cannot go. */
	U_RC(u_rm(d0, 0, "/"), -EINVAL);
	U_STR(u_dir(d0, "/"), "tool,r");
	/* A removed node can be created again, empty of its old children. */
	U_OK(u_mkdir(d0, 0, "/r/a"));
	U_STR(u_dir(d0, "/r/a"), "");
	U_STR(u_dir(d0, "/r"), "d,a");
}

static void test_directory(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_STR(u_dir(d0, "/"), "tool");
	U_STR(u_dir(d0, "/tool"), "xenstored");
	U_OK(u_write(d0, 0, "/d/x", ""));
	U_OK(u_write(d0, 0, "/d/y", ""));
	U_OK(u_write(d0, 0, "/d/z", ""));
	U_OK(u_req(d0, XS_DIRECTORY, 0, "/d", NULL));
	U_EQ(U_r.len, 6);
	CU_ASSERT_TRUE(memcmp(U_r.data, "x\0y\0z\0", 6) == 0);
	/* A leaf: an empty list. */
	U_OK(u_req(d0, XS_DIRECTORY, 0, "/d/x", NULL));
	U_EQ(U_r.len, 0);
	U_RC(u_req(d0, XS_DIRECTORY, 0, "/d/none", NULL), -ENOENT);
}

/* DIRECTORY_PART: "<gencnt>|<child-leaf-name>|*", the list ending with an
 * empty name once complete. */
struct part {
	char gen[32];
	char names[XENSTORE_PAYLOAD_MAX]; /* the names' bytes, NUL-separated */
	uint32_t nlen;
	bool complete;
};

static int dir_part(struct hconn *h, const char *path, unsigned long off, struct part *p)
{
	char offs[32];
	snprintf(offs, sizeof(offs), "%lu", off);
	memset(p, 0, sizeof(*p));
	int rc = u_req(h, XS_DIRECTORY_PART, 0, path, offs, NULL);
	if (rc < 0)
		return rc;
	size_t gl = strnlen(U_r.data, U_r.len);
	if (gl >= U_r.len || gl >= sizeof(p->gen))
		return U_BADTYPE;
	memcpy(p->gen, U_r.data, gl);
	uint32_t i = (uint32_t)gl + 1;
	while (i < U_r.len) {
		size_t l = strnlen(U_r.data + i, U_r.len - i);
		if (i + l >= U_r.len)
			return U_BADTYPE; /* a name without its NUL */
		if (l == 0) {
			p->complete = true;
			if (i + 1 != U_r.len)
				return U_BADTYPE; /* bytes after the end marker */
			break;
		}
		memcpy(p->names + p->nlen, U_r.data + i, l + 1);
		p->nlen += (uint32_t)l + 1;
		i += (uint32_t)l + 1;
	}
	return 0;
}

static void test_directory_part_small(void)
{
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_write(d0, 0, "/d/x", ""));
	U_OK(u_write(d0, 0, "/d/y", ""));
	struct part p;
	U_OK(dir_part(d0, "/d", 0, &p));
	CU_ASSERT_TRUE(p.complete);
	U_EQ(p.nlen, 4);
	CU_ASSERT_TRUE(memcmp(p.names, "x\0y\0", 4) == 0);
	/* Exact payload: gen, x, y, then the empty terminator. */
	size_t gl = strlen(p.gen);
	U_EQ(U_r.len, gl + 1 + 4 + 1);
	U_EQ(U_r.data[U_r.len - 1], 0);
	U_EQ(U_r.data[U_r.len - 2], 0);
	CU_ASSERT_TRUE(gl > 0 && strspn(p.gen, "0123456789") == gl);
	/* From an offset inside the list. */
	U_OK(dir_part(d0, "/d", 2, &p));
	CU_ASSERT_TRUE(p.complete);
	U_EQ(p.nlen, 2);
	U_STR(p.names, "y");
	/* At the end of the list: just the terminator. */
	U_OK(dir_part(d0, "/d", 4, &p));
	CU_ASSERT_TRUE(p.complete);
	U_EQ(p.nlen, 0);
	/* A leaf. */
	U_OK(dir_part(d0, "/d/x", 0, &p));
	CU_ASSERT_TRUE(p.complete);
	U_EQ(p.nlen, 0);
	/* Bad requests. */
	U_RC(u_req(d0, XS_DIRECTORY_PART, 0, "/d", NULL), -EINVAL);
	U_RC(u_req(d0, XS_DIRECTORY_PART, 0, "/d", "0", "extra", NULL), -EINVAL);
	U_RC(u_req(d0, XS_DIRECTORY_PART, 0, "/none", "0", NULL), -ENOENT);
}

#define NBIG 300

static void test_directory_part_long(void)
{
	struct hconn *d0 = u_conn(0, true);
	char expect[NBIG * 32];
	uint32_t elen = 0;
	U_OK(u_mkdir(d0, 0, "/big"));
	for (int i = 0; i < NBIG; i++) {
		char path[64], name[32];
		snprintf(name, sizeof(name), "child-%04d-abcdefghij", i);
		snprintf(path, sizeof(path), "/big/%s", name);
		if (u_mkdir(d0, 0, path) != 0) {
			CU_FAIL("mkdir of a child");
			return;
		}
		memcpy(expect + elen, name, strlen(name) + 1);
		elen += (uint32_t)strlen(name) + 1;
	}
	CU_ASSERT_TRUE(elen > XENSTORE_PAYLOAD_MAX + 1000);
	/* Too long for DIRECTORY. */
	U_RC(u_req(d0, XS_DIRECTORY, 0, "/big", NULL), -E2BIG);

	char got[NBIG * 32];
	uint32_t glen = 0, off = 0;
	char gen[32] = "";
	unsigned calls = 0;
	struct part p;
	for (;;) {
		int rc = dir_part(d0, "/big", off, &p);
		U_OK(rc);
		if (rc < 0 || ++calls > 10)
			break;
		CU_ASSERT_TRUE(U_r.len <= XENSTORE_PAYLOAD_MAX);
		if (!gen[0])
			strcpy(gen, p.gen);
		U_STR(p.gen, gen); /* the node did not change between the reads */
		memcpy(got + glen, p.names, p.nlen);
		glen += p.nlen;
		off += p.nlen;
		if (p.complete)
			break;
		/* A partial answer carries whole names and fills the payload. */
		CU_ASSERT_TRUE(p.nlen > 0);
		CU_ASSERT_TRUE(U_r.len > XENSTORE_PAYLOAD_MAX - 32);
	}
	U_EQ(calls, 2);
	U_EQ(glen, elen);
	CU_ASSERT_TRUE(glen == elen && memcmp(got, expect, elen) == 0);

	/* A change of the children list changes the generation count. */
	U_OK(u_mkdir(d0, 0, "/big/another"));
	U_OK(dir_part(d0, "/big", 0, &p));
	CU_ASSERT_TRUE(strcmp(p.gen, gen) != 0);
	char gen2[32];
	strcpy(gen2, p.gen);
	U_OK(dir_part(d0, "/big", 0, &p));
	U_STR(p.gen, gen2);
	U_OK(u_rm(d0, 0, "/big/another"));
	U_OK(dir_part(d0, "/big", 0, &p));
	CU_ASSERT_TRUE(strcmp(p.gen, gen2) != 0);
}

static void test_directory_part_shrunk(void)
{
	/* A client reading a long list in parts may find the list shorter than
	 * its next offset when the node changed between two reads. Xen answers
	 * with the new gencnt and an empty list, so that the client sees the
	 * gencnt change and starts again (libxenstore's xs_directory_part does
	 * exactly that); an error makes xs_directory() fail instead. */
	struct hconn *d0 = u_conn(0, true);
	U_OK(u_mkdir(d0, 0, "/s"));
	for (int i = 0; i < 300; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/s/child-%04d-abcdefghij", i);
		if (u_mkdir(d0, 0, path) != 0) {
			CU_FAIL("mkdir of a child");
			return;
		}
	}
	struct part p;
	U_OK(dir_part(d0, "/s", 0, &p));
	CU_ASSERT_FALSE(p.complete);
	char gen[32];
	strcpy(gen, p.gen);
	uint32_t next = p.nlen;
	for (int i = 10; i < 300; i++) {
		char path[64];
		snprintf(path, sizeof(path), "/s/child-%04d-abcdefghij", i);
		u_rm(d0, 0, path);
	}
	U_OK(dir_part(d0, "/s", next, &p));
	CU_ASSERT_TRUE(strcmp(p.gen, gen) != 0);
	CU_ASSERT_TRUE(p.complete);
	U_EQ(p.nlen, 0);
}

static void test_unpriv_access(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_OK(u_write(d0, 0, "/secret", "s"));
	U_STR(u_perms(d0, "/secret"), "n0");
	U_RC(u_read(d5, 0, "/secret"), -EACCES);
	U_RC(u_write(d5, 0, "/secret", "x"), -EACCES);
	U_RC(u_req(d5, XS_DIRECTORY, 0, "/secret", NULL), -EACCES);
	U_RC(u_req(d5, XS_GET_PERMS, 0, "/secret", NULL), -EACCES);
	U_RC(u_rm(d5, 0, "/secret"), -EACCES);
	U_RC(u_mkdir(d5, 0, "/secret/sub"), -EACCES);
	U_RC(u_write(d5, 0, "/secret/sub/deeper", "x"), -EACCES);
	/* A missing node below an unreadable one does not tell it is missing. */
	U_RC(u_read(d5, 0, "/secret/missing"), -EACCES);
	U_RC(u_rm(d5, 0, "/secret/missing"), -EACCES);
	U_STR(u_get(d0, "/secret"), "s");
	U_STR(u_dir(d0, "/secret"), "");
	/* Read-only access. */
	U_OK(u_write(d0, 0, "/pub", "p"));
	U_OK(u_setperms(d0, 0, "/pub", "n0", "r5", NULL));
	U_STR(u_get(d5, "/pub"), "p");
	U_STR(u_perms(d5, "/pub"), "n0,r5");
	U_RC(u_write(d5, 0, "/pub", "x"), -EACCES);
	U_RC(u_mkdir(d5, 0, "/pub/child"), -EACCES);
	U_RC(u_read(d5, 0, "/pub/missing"), -ENOENT);
	/* Default read for everyone. */
	U_OK(u_write(d0, 0, "/world", "w"));
	U_OK(u_setperms(d0, 0, "/world", "r0", NULL));
	U_STR(u_get(d5, "/world"), "w");
	U_RC(u_write(d5, 0, "/world", "x"), -EACCES);
	/* An explicit "n" entry beats the default. */
	U_OK(u_setperms(d0, 0, "/world", "r0", "n5", NULL));
	U_RC(u_read(d5, 0, "/world"), -EACCES);
}

static void test_unpriv_mkdir_existing(void)
{
	/* MKDIR of an existing node needs the right to write it (Xen's
	 * do_mkdir: get_node(..., XS_PERM_WRITE) -> EACCES); an OK would also
	 * tell a domain that a node it cannot read exists. */
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_OK(u_write(d0, 0, "/secret", "s"));
	U_OK(u_write(d0, 0, "/pub", "p"));
	U_OK(u_setperms(d0, 0, "/pub", "n0", "r5", NULL));
	U_RC(u_mkdir(d5, 0, "/secret"), -EACCES);
	U_RC(u_mkdir(d5, 0, "/tool/xenstored"), -EACCES);
	U_RC(u_mkdir(d5, 0, "/pub"), -EACCES);
	/* A missing node below them: EACCES too. */
	U_RC(u_mkdir(d5, 0, "/secret/none"), -EACCES);
}

static void test_new_nodes_owned_by_creator(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_OK(u_mkdir(d0, 0, "/local/domain/5"));
	U_OK(u_setperms(d0, 0, "/local/domain/5", "n5", NULL));
	U_OK(u_write(d5, 0, "data/x", "1"));
	U_STR(u_perms(d0, "/local/domain/5/data"), "n5");
	U_STR(u_perms(d0, "/local/domain/5/data/x"), "n5");
	U_STR(u_get(d5, "/local/domain/5/data/x"), "1");
	/* In a directory of dom0 that domain 5 may write, 5 owns what it makes,
	 * with the other entries inherited. */
	U_OK(u_mkdir(d0, 0, "/shared"));
	U_OK(u_setperms(d0, 0, "/shared", "r0", "b5", NULL));
	U_OK(u_write(d5, 0, "/shared/mine", "m"));
	U_STR(u_perms(d0, "/shared/mine"), "r5,b5");
	/* The control domain keeps the parent's owner. */
	U_OK(u_write(d0, 0, "/local/domain/5/bydom0", "z"));
	U_STR(u_perms(d0, "/local/domain/5/bydom0"), "n5");
	U_OK(u_write(d0, 0, "/shared/bydom0", "z"));
	U_STR(u_perms(d0, "/shared/bydom0"), "r0,b5");
}

static void test_set_perms_owner_only(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	struct hconn *d6 = u_conn(6, false);
	U_OK(u_mkdir(d0, 0, "/shared"));
	U_OK(u_setperms(d0, 0, "/shared", "n0", "b5", NULL));
	U_OK(u_write(d5, 0, "/shared/mine", "m"));
	/* The owner sets permissions, keeping itself as owner. */
	U_OK(u_setperms(d5, 0, "/shared/mine", "n5", "b6", NULL));
	U_STR(u_perms(d5, "/shared/mine"), "n5,b6");
	/* Domain 6 may write the node but is not its owner. */
	U_OK(u_write(d6, 0, "/shared/mine", "by6"));
	U_RC(u_setperms(d6, 0, "/shared/mine", "n5", "b6", "r7", NULL), -EACCES);
	U_RC(u_setperms(d6, 0, "/shared/mine", "b6", NULL), -EACCES);
	/* Only the control domain changes the owner. */
	U_RC(u_setperms(d5, 0, "/shared/mine", "n6", NULL), -EPERM);
	U_STR(u_perms(d5, "/shared/mine"), "n5,b6");
	U_OK(u_setperms(d0, 0, "/shared/mine", "n6", NULL));
	U_STR(u_perms(d0, "/shared/mine"), "n6");
	U_RC(u_read(d5, 0, "/shared/mine"), -EACCES);
	U_STR(u_get(d6, "/shared/mine"), "by6");
	/* Nodes owned by others: EACCES, even when writable. */
	U_RC(u_setperms(d5, 0, "/shared", "n5", NULL), -EACCES);
	/* Missing node: ENOENT for the one allowed to know. */
	U_RC(u_setperms(d0, 0, "/shared/none", "n0", NULL), -ENOENT);
}

static void test_special_paths_perms(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d5 = u_conn(5, false);
	U_STR(u_perms(d0, "@introduceDomain"), "n0");
	U_STR(u_perms(d0, "@releaseDomain"), "n0");
	U_RC(u_req(d5, XS_GET_PERMS, 0, "@releaseDomain", NULL), -EACCES);
	U_OK(u_setperms(d0, 0, "@releaseDomain", "n0", "r5", NULL));
	U_STR(u_perms(d0, "@releaseDomain"), "n0,r5");
	U_STR(u_perms(d5, "@releaseDomain"), "n0,r5");
	U_STR(u_perms(d0, "@introduceDomain"), "n0");
	U_RC(u_setperms(d5, 0, "@releaseDomain", "n0", "b5", NULL), -EACCES);
	U_RC(u_setperms(d5, 0, "@introduceDomain", "n5", NULL), -EACCES);
	U_STR(u_perms(d0, "@releaseDomain"), "n0,r5");
	/* Not nodes: no value, no other special name. */
	U_RC(u_read(d0, 0, "@introduceDomain"), -EINVAL);
	U_RC(u_write(d0, 0, "@introduceDomain", "x"), -EINVAL);
	U_RC(u_mkdir(d0, 0, "@releaseDomain"), -EINVAL);
	U_RC(u_rm(d0, 0, "@releaseDomain"), -EINVAL);
	U_RC(u_req(d0, XS_GET_PERMS, 0, "@other", NULL), -EINVAL);
	U_RC(u_setperms(d0, 0, "@other", "n0", NULL), -EINVAL);
}

static void test_set_target(void)
{
	struct hconn *d0 = u_conn(0, true);
	struct hconn *d3 = u_dom_conn(3);
	u_conn(8, false);
	U_OK(u_write(d0, 0, "/t8", "eight"));
	U_OK(u_setperms(d0, 0, "/t8", "n8", NULL));
	U_OK(u_write(d0, 0, "/g8", "granted"));
	U_OK(u_setperms(d0, 0, "/g8", "n0", "r8", NULL));
	U_RC(u_read(d3, 0, "/t8"), -EACCES);
	U_RC(u_read(d3, 0, "/g8"), -EACCES);
	U_OK(u_req(d0, XS_SET_TARGET, 0, "3", "8", NULL));
	U_STR(u_get(d3, "/t8"), "eight");
	U_OK(u_write(d3, 0, "/t8", "by3"));
	U_STR(u_get(d0, "/t8"), "by3");
	U_STR(u_get(d3, "/g8"), "granted");
	U_RC(u_write(d3, 0, "/g8", "x"), -EACCES);
	/* SET_TARGET of domains that are not introduced. */
	U_RC(u_req(d0, XS_SET_TARGET, 0, "44", "8", NULL), -ENOENT);
	U_RC(u_req(d0, XS_SET_TARGET, 0, "3", "x", NULL), -EINVAL);
}

static const struct u_test tests[] = {
	{ "write/read values", test_write_read },
	{ "write creates parents", test_write_creates_parents },
	{ "mkdir", test_mkdir },
	{ "rm: subtree, missing node, missing parent, root", test_rm },
	{ "directory", test_directory },
	{ "directory_part: small lists, offsets", test_directory_part_small },
	{ "directory_part: list over 4096 bytes, gencnt", test_directory_part_long },
	{ "directory_part: offset past a list that shrank", test_directory_part_shrunk },
	{ "unprivileged: EACCES on read/write", test_unpriv_access },
	{ "unprivileged: MKDIR of an existing node needs write access", test_unpriv_mkdir_existing },
	{ "unprivileged: new nodes owned by the creator", test_new_nodes_owned_by_creator },
	{ "SET_PERMS by owner, owner change by dom0 only", test_set_perms_owner_only },
	{ "special paths: get/set perms", test_special_paths_perms },
	{ "SET_TARGET grants the target's access", test_set_target },
	{ NULL, NULL },
};

void suite_tree_register(void)
{
	u_add_suite("tree", tests);
}
