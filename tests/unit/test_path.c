/* path: syntax of node and watch paths, canonical forms, relations
 * (docs/misc/xenstore.txt, "Paths are /-separated ..."). */
#include "suites.h"
#include "util.h"
#include "../../xenstore/path.h"
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAXP 3072 /* XENSTORE_ABS_PATH_MAX */

static char *repeat(char c, size_t n, const char *prefix)
{
	size_t pl = strlen(prefix);
	char *s = malloc(pl + n + 1);
	memcpy(s, prefix, pl);
	memset(s + pl, c, n);
	s[pl + n] = '\0';
	return s;
}

static void test_valid_paths(void)
{
	CU_ASSERT_TRUE(xs_path_valid("/", MAXP));
	CU_ASSERT_TRUE(xs_path_valid("/a", MAXP));
	CU_ASSERT_TRUE(xs_path_valid("/local/domain/0/name", MAXP));
	/* The whole charset: alphanumerics and -/_@ */
	CU_ASSERT_TRUE(xs_path_valid("/AZaz09-_@/x", MAXP));
	CU_ASSERT_TRUE(xs_path_valid("/a-b/c_d/e@f", MAXP));
}

static void test_invalid_paths(void)
{
	CU_ASSERT_FALSE(xs_path_valid("", MAXP));      /* empty */
	CU_ASSERT_FALSE(xs_path_valid("a", MAXP));     /* not absolute */
	CU_ASSERT_FALSE(xs_path_valid("a/b", MAXP));
	CU_ASSERT_FALSE(xs_path_valid("//", MAXP));    /* doubled slash */
	CU_ASSERT_FALSE(xs_path_valid("//a", MAXP));
	CU_ASSERT_FALSE(xs_path_valid("/a//b", MAXP));
	CU_ASSERT_FALSE(xs_path_valid("/a/", MAXP));   /* trailing slash */
	CU_ASSERT_FALSE(xs_path_valid("/a/b/", MAXP));
	const char *bad[] = { "/a b", "/a.b", "/a+b", "/a:b", "/a\\b", "/a~", "/a\t",
			      "/a\n", "/\xc3\xa9", "/a*", "/a%", "/a,b", "/a=b", "/a!" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_FALSE(xs_path_valid(bad[i], MAXP));
		CU_ASSERT_FALSE(xs_path_valid_watch(bad[i], MAXP));
	}
}

static void test_length_limit(void)
{
	/* Paths longer than 3072 bytes are forbidden; 3072 itself is fine. */
	char *p = repeat('a', MAXP - 1, "/");
	U_EQ(strlen(p), MAXP);
	CU_ASSERT_TRUE(xs_path_valid(p, MAXP));
	free(p);
	p = repeat('a', MAXP, "/");
	CU_ASSERT_FALSE(xs_path_valid(p, MAXP));
	free(p);
	/* The limit is a parameter (the path-max quota). */
	CU_ASSERT_TRUE(xs_path_valid("/abcd", 5));
	CU_ASSERT_FALSE(xs_path_valid("/abcde", 5));
}

static void test_watch_paths(void)
{
	CU_ASSERT_TRUE(xs_path_valid_watch("@introduceDomain", MAXP));
	CU_ASSERT_TRUE(xs_path_valid_watch("@releaseDomain", MAXP));
	CU_ASSERT_TRUE(xs_path_valid_watch("@releaseDomain/7", MAXP));
	CU_ASSERT_TRUE(xs_path_valid_watch("/a/b", MAXP));
	CU_ASSERT_FALSE(xs_path_valid_watch("", MAXP));
	CU_ASSERT_FALSE(xs_path_valid_watch("@a//b", MAXP));
	CU_ASSERT_FALSE(xs_path_valid_watch("@releaseDomain/", MAXP));
	CU_ASSERT_FALSE(xs_path_valid_watch("@a b", MAXP));
	/* Special paths are not node paths. */
	CU_ASSERT_FALSE(xs_path_valid("@introduceDomain", MAXP));
}

static void test_canon_absolute(void)
{
	int err = 0;
	char *p = xs_path_canon("/a/b", 5, MAXP, &err);
	U_STR(p, "/a/b");
	free(p);
	p = xs_path_canon("@releaseDomain", 5, MAXP, &err);
	U_STR(p, "@releaseDomain");
	free(p);
	p = xs_path_canon("/", 5, MAXP, &err);
	U_STR(p, "/");
	free(p);
}

static void test_canon_relative(void)
{
	int err = 0;
	char *p = xs_path_canon("device/vif/0", 3, MAXP, &err);
	U_STR(p, "/local/domain/3/device/vif/0");
	free(p);
	p = xs_path_canon("x", 0, MAXP, &err);
	U_STR(p, "/local/domain/0/x");
	free(p);
	p = xs_path_canon("name", 65535, MAXP, &err);
	U_STR(p, "/local/domain/65535/name");
	free(p);
}

static void test_canon_invalid(void)
{
	const char *bad[] = { "", "a/", "a//b", "/a/", "a b", "//", "a/./b" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = 0;
		char *p = xs_path_canon(bad[i], 3, MAXP, &err);
		CU_ASSERT_PTR_NULL(p);
		U_EQ(err, EINVAL);
		free(p);
	}
}

static void test_canon_relative_length(void)
{
	/* The limit applies to the absolute form: "/local/domain/3/" is 16 bytes. */
	int err = 0;
	char *rel = repeat('r', MAXP - 16, "");
	char *p = xs_path_canon(rel, 3, MAXP, &err);
	CU_ASSERT_PTR_NOT_NULL(p);
	if (p)
		U_EQ(strlen(p), MAXP);
	free(p);
	free(rel);
	rel = repeat('r', MAXP - 15, "");
	err = 0;
	p = xs_path_canon(rel, 3, MAXP, &err);
	CU_ASSERT_PTR_NULL(p);
	U_EQ(err, EINVAL);
	free(p);
	free(rel);
	/* XENSTORE_REL_PATH_MAX (2048) relative bytes always fit. */
	rel = repeat('r', 2048, "");
	p = xs_path_canon(rel, 65535, MAXP, &err);
	CU_ASSERT_PTR_NOT_NULL(p);
	free(p);
	free(rel);
}

static void test_parent(void)
{
	char *p = xs_path_parent("/a/b/c");
	U_STR(p, "/a/b");
	free(p);
	p = xs_path_parent("/a");
	U_STR(p, "/");
	free(p);
	p = xs_path_parent("/");
	CU_ASSERT_PTR_NULL(p);
	free(p);
	p = xs_path_parent("@releaseDomain/5");
	U_STR(p, "@releaseDomain");
	free(p);
}

static void test_basename(void)
{
	U_STR(xs_path_basename("/a/b/c"), "c");
	U_STR(xs_path_basename("/a"), "a");
	U_STR(xs_path_basename("/"), "");
	U_STR(xs_path_basename("/local/domain/12"), "12");
}

static void test_is_child(void)
{
	/* "the case if they're identical, or if <parent> is /, or if <parent>/
	 * is an initial substring of <child>" */
	CU_ASSERT_TRUE(xs_path_is_child("/a", "/a"));
	CU_ASSERT_TRUE(xs_path_is_child("/a/b", "/a"));
	CU_ASSERT_TRUE(xs_path_is_child("/a/b/c", "/a"));
	CU_ASSERT_TRUE(xs_path_is_child("/a", "/"));
	CU_ASSERT_TRUE(xs_path_is_child("/", "/"));
	CU_ASSERT_FALSE(xs_path_is_child("/ab", "/a"));
	CU_ASSERT_FALSE(xs_path_is_child("/a", "/a/b"));
	CU_ASSERT_FALSE(xs_path_is_child("/b/a", "/a"));
	CU_ASSERT_FALSE(xs_path_is_child("/", "/a"));
	CU_ASSERT_FALSE(xs_path_is_child("@releaseDomain", "/"));
}

static void test_depth(void)
{
	U_EQ(xs_path_depth_below("/a", "/a"), 0);
	U_EQ(xs_path_depth_below("/a/b", "/a"), 1);
	U_EQ(xs_path_depth_below("/a/b/c/d", "/a"), 3);
	U_EQ(xs_path_depth_below("/a", "/"), 1);
	U_EQ(xs_path_depth_below("/a/b", "/"), 2);
	U_EQ(xs_path_depth_below("/", "/"), 0);
	U_EQ(xs_path_depth_below("/local/domain/1/x", "/local/domain"), 2);
}

static const struct u_test tests[] = {
	{ "valid paths", test_valid_paths },
	{ "invalid paths (empty, //, trailing /, charset)", test_invalid_paths },
	{ "length limit 3072", test_length_limit },
	{ "watch paths", test_watch_paths },
	{ "canonical absolute", test_canon_absolute },
	{ "canonical relative under /local/domain/N", test_canon_relative },
	{ "canonical invalid -> EINVAL", test_canon_invalid },
	{ "relative path length counts the absolute form", test_canon_relative_length },
	{ "parent", test_parent },
	{ "basename", test_basename },
	{ "is_child", test_is_child },
	{ "depth below", test_depth },
	{ NULL, NULL },
};

void suite_path_register(void)
{
	u_add_suite("path", tests);
}
