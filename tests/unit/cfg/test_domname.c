/* The name rule (xcd/domname.c) and name= through the parser. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include "../../../xcd/domname.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void refused(const char *name, const char *what)
{
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(domname_check(name, err, sizeof(err)), -EINVAL);
	U_CONTAINS(err, what);
}

static void test_rule(void)
{
	char err[XCD_ERR_MAX];
	static const char *const good[] = { "g", "web-1", "Domain-1", "domain-0", "café",
					    "my guest", "1a", "0x1f", "a.b_c", "日本語" };
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int r = domname_check(good[i], err, sizeof(err));
		if (r)
			fprintf(stderr, "\n%s: %s\n", good[i], err);
		CU_ASSERT_EQUAL(r, 0);
	}
	char max[DOMNAME_MAX + 2];
	memset(max, 'a', DOMNAME_MAX);
	max[DOMNAME_MAX] = '\0';
	CU_ASSERT_EQUAL(domname_check(max, err, sizeof(err)), 0);
	strcat(max, "a");
	refused(max, "65 bytes, more than the 64 a name may have");

	refused("", "an empty string cannot name a domain");
	refused("Domain-0", "\"Domain-0\" cannot name a domain: it is dom0's name");
	refused("123", "\"123\" cannot name a domain: all digits, which xcd takes for a domid");
	refused("0", "all digits");
	refused("-1", "\"-1\" cannot name a domain: starts with '-', which xcd takes for an option");
	refused("a\nb", "\"a\\x0ab\" cannot name a domain: a control character (U+000A) at byte 1");
	refused("a\tb", "(U+0009) at byte 1");
	refused("a\x7f", "(U+007F) at byte 1");
	refused("a\xc2\x85", "(U+0085) at byte 1"); /* NEL, a C1 control */
	refused("ab\xe2\x80\xae", "(U+202E) at byte 2"); /* right-to-left override */
	refused("a\xe2\x80\xa8", "(U+2028) at byte 1");
	refused("a/b", "'/' at byte 1: a name is used in file names");
	refused("x\xc0\xaf",
		"\"x\\xc0\\xaf\" cannot name a domain: not valid UTF-8 at byte 1: an overlong form");
	refused("\xed\xa0\x80", "not valid UTF-8 at byte 0: a UTF-16 surrogate");
	refused("\xf4\x90\x80\x80", "a code point above U+10FFFF");
	refused("caf\xe9", "not valid UTF-8 at byte 3"); /* Latin-1 */
}

static void test_quote_cut(void)
{
	char q[16];
	U_STR_EQ(domname_quote("café", q, sizeof(q)), "café");
	U_STR_EQ(domname_quote("a\\b\x01", q, sizeof(q)), "a\\x5cb\\x01");
	U_STR_EQ(domname_quote("abcdefghijklmnopqrstuvwxyz", q, sizeof(q)), "abcdefghijkl...");
	/* Never half a character. */
	CU_ASSERT_EQUAL(domname_cut("café", 4), 3);
	CU_ASSERT_EQUAL(domname_cut("café", 5), 5);
	CU_ASSERT_EQUAL(domname_cut("abc", 64), 3);
}

/* name= says FILE:LINE:COLUMN, so `xcd create --dry-run` does. */
static void test_parser(void)
{
	u_domcfg_fails("name = 'Domain-0'\nkernel = '/k'\n", "t.cfg:1:8: name: ", "dom0's name");
	u_domcfg_fails("kernel = '/k'\nname = 123\n", "t.cfg:2:8: name: ", "all digits");
	u_domcfg_fails("name = 'a\\nb'\nkernel = '/k'\n", "t.cfg:1:8: name: ",
		       "a control character (U+000A) at byte 1");
	u_domcfg_fails("name = '../x'\nkernel = '/k'\n", "t.cfg:1:8: name: ", "'/' at byte 2");
	struct domcfg *d = u_domcfg("name = 'café'\nkernel = '/k'\n", NULL);
	if (d) {
		U_STR_EQ(d->name, "café");
		domcfg_free(d);
	}
}

void suite_domname_register(void)
{
	CU_pSuite s = CU_add_suite("domname", NULL, NULL);
	CU_add_test(s, "the name rule", test_rule);
	CU_add_test(s, "quoted and cut at a character", test_quote_cut);
	CU_add_test(s, "name= in a file", test_parser);
}
