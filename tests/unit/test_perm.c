/* perm: permission strings (n/r/w/b + domid) and access decisions
 * (docs/misc/xenstore.txt, GET_PERMS/SET_PERMS and SET_TARGET). */
#include "suites.h"
#include "util.h"
#include "../../xenstore/perm.h"
#include <errno.h>
#include <string.h>

/* Parses a '|'-separated list (each '|' becomes a NUL, one is added at the end). */
static int parse(const char *s, struct xs_perms *out)
{
	char buf[256];
	size_t l = strlen(s);
	memcpy(buf, s, l + 1);
	for (size_t i = 0; i < l; i++)
		if (buf[i] == '|')
			buf[i] = '\0';
	return xs_perms_parse(out, buf, l + 1);
}

static const char *format(const struct xs_perms *p)
{
	static char out[256];
	char buf[256];
	int l = xs_perms_format(p, buf, sizeof(buf));
	if (l < 0)
		return "ERR";
	for (int i = 0; i < l; i++)
		out[i] = buf[i] ? buf[i] : '|';
	out[l] = '\0';
	return out;
}

static void test_parse_each_letter(void)
{
	struct xs_perms p;
	U_OK(parse("n0|r1|w2|b3", &p));
	U_EQ(p.num, 4);
	U_EQ(p.p[0].perm, XS_PERM_NONE);
	U_EQ(p.p[0].domid, 0);
	U_EQ(p.p[1].perm, XS_PERM_READ);
	U_EQ(p.p[1].domid, 1);
	U_EQ(p.p[2].perm, XS_PERM_WRITE);
	U_EQ(p.p[2].domid, 2);
	U_EQ(p.p[3].perm, XS_PERM_BOTH);
	U_EQ(p.p[3].domid, 3);
	U_EQ(p.p[3].flags, 0);
	xs_perms_free(&p);
}

static void test_parse_range(void)
{
	struct xs_perms p;
	U_OK(parse("r65535", &p));
	U_EQ(p.num, 1);
	U_EQ(p.p[0].domid, 65535);
	xs_perms_free(&p);
	U_RC(parse("r65536", &p), -EINVAL);
	U_RC(parse("r99999999999999999999999", &p), -EINVAL);
	U_RC(parse("r-1", &p), -EINVAL);
	U_RC(parse("r+1", &p), -EINVAL);
}

static void test_parse_bad(void)
{
	struct xs_perms p;
	U_RC(parse("x0", &p), -EINVAL);   /* bad letter */
	U_RC(parse("R0", &p), -EINVAL);   /* letters are lower case */
	U_RC(parse("r", &p), -EINVAL);    /* missing domid */
	U_RC(parse("0", &p), -EINVAL);    /* missing letter */
	U_RC(parse("r0x", &p), -EINVAL);  /* trailing junk */
	U_RC(parse("r 1", &p), -EINVAL);
	U_RC(parse("b0|", &p), -EINVAL);  /* an empty entry */
	U_RC(parse("b0|q3", &p), -EINVAL);
	U_RC(parse("", &p), -EINVAL);     /* one empty string */
	U_RC(xs_perms_parse(&p, "", 0), -EINVAL); /* nothing at all */
	U_RC(xs_perms_parse(&p, "b0", 2), -EINVAL); /* no terminating NUL */
}

static void test_format(void)
{
	struct xs_perms p;
	U_OK(parse("n0|r5|w65535|b7", &p));
	U_STR(format(&p), "n0|r5|w65535|b7|");
	char buf[16];
	U_EQ(xs_perms_format(&p, buf, sizeof(buf)), 16);
	U_EQ(xs_perms_format(&p, buf, 15), -ENOSPC);
	/* Stale entries (domain gone) are not shown. */
	p.p[1].flags = XS_PERM_STALE;
	U_STR(format(&p), "n0|w65535|b7|");
	xs_perms_free(&p);
}

static void test_copy_equal(void)
{
	struct xs_perms a, b, c;
	U_OK(parse("b1|r2", &a));
	U_OK(xs_perms_copy(&b, &a));
	CU_ASSERT_TRUE(xs_perms_equal(&a, &b));
	U_OK(parse("b1|w2", &c));
	CU_ASSERT_FALSE(xs_perms_equal(&a, &c));
	xs_perms_free(&a);
	xs_perms_free(&b);
	xs_perms_free(&c);
	U_EQ(xs_perm_char(XS_PERM_NONE), 'n');
	U_EQ(xs_perm_char(XS_PERM_READ), 'r');
	U_EQ(xs_perm_char(XS_PERM_WRITE), 'w');
	U_EQ(xs_perm_char(XS_PERM_BOTH), 'b');
}

static uint8_t acc(const char *perms, unsigned domid, int target)
{
	struct xs_perms p;
	if (parse(perms, &p) < 0)
		return 0xff;
	uint8_t a = xs_perms_access(&p, domid, target);
	xs_perms_free(&p);
	return a;
}

static void test_access_owner(void)
{
	/* The owner always reads and writes, whatever its entry says. */
	U_EQ(acc("n5", 5, -1), XS_PERM_BOTH);
	U_EQ(acc("r5|n6", 5, -1), XS_PERM_BOTH);
	U_EQ(acc("n0", 0, -1), XS_PERM_BOTH);
}

static void test_access_default(void)
{
	/* Domains without an entry get the first entry's permission. */
	U_EQ(acc("n5", 6, -1), XS_PERM_NONE);
	U_EQ(acc("r5", 6, -1), XS_PERM_READ);
	U_EQ(acc("w5", 6, -1), XS_PERM_WRITE);
	U_EQ(acc("b5", 6, -1), XS_PERM_BOTH);
	U_EQ(acc("r5|w7", 6, -1), XS_PERM_READ);
}

static void test_access_entry(void)
{
	U_EQ(acc("n5|r6", 6, -1), XS_PERM_READ);
	U_EQ(acc("n5|w6", 6, -1), XS_PERM_WRITE);
	U_EQ(acc("n5|b6", 6, -1), XS_PERM_BOTH);
	/* An explicit entry overrides the default, also downwards. */
	U_EQ(acc("b5|n6", 6, -1), XS_PERM_NONE);
	U_EQ(acc("r5|n6|b7", 7, -1), XS_PERM_BOTH);
	/* Stale entries are ignored: the default applies. */
	struct xs_perms p;
	U_OK(parse("r5|b6", &p));
	p.p[1].flags = XS_PERM_STALE;
	U_EQ(xs_perms_access(&p, 6, -1), XS_PERM_READ);
	xs_perms_free(&p);
	struct xs_perms none = { 0, NULL };
	U_EQ(xs_perms_access(&none, 0, -1), XS_PERM_NONE);
}

static void test_access_target(void)
{
	/* SET_TARGET: full access to what the target owns ... */
	U_EQ(acc("n8", 3, 8), XS_PERM_BOTH);
	/* ... and the permissions granted to the target elsewhere. */
	U_EQ(acc("n0|r8", 3, 8), XS_PERM_READ);
	U_EQ(acc("n0|b8", 3, 8), XS_PERM_BOTH);
	U_EQ(acc("n0|r9", 3, 8), XS_PERM_NONE);
	/* Without a target, nothing of the sort. */
	U_EQ(acc("n8", 3, -1), XS_PERM_NONE);
}

static const struct u_test tests[] = {
	{ "parse n/r/w/b", test_parse_each_letter },
	{ "parse domid range", test_parse_range },
	{ "parse bad strings -> EINVAL", test_parse_bad },
	{ "format", test_format },
	{ "copy, equal, perm char", test_copy_equal },
	{ "access: owner", test_access_owner },
	{ "access: default", test_access_default },
	{ "access: per-domain entry", test_access_entry },
	{ "access: SET_TARGET", test_access_target },
	{ NULL, NULL },
};

void suite_perm_register(void)
{
	u_add_suite("perm", tests);
}
