/* cfgfile: the file grammar of xl.cfg(5) ("SYNTAX"), positions, overrides. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cfg_value *val(const struct cfgfile *cf, const char *key)
{
	const struct cfg_setting *s = cf ? cfgfile_get(cf, key) : NULL;
	CU_ASSERT_PTR_NOT_NULL(s);
	return s ? &s->value : NULL;
}

static void assert_string(const struct cfgfile *cf, const char *key, const char *expect)
{
	const struct cfg_value *v = val(cf, key);
	if (!v)
		return;
	CU_ASSERT_EQUAL(v->type, CFG_STRING);
	U_STR_EQ(v->text, expect);
}

static void assert_number(const struct cfgfile *cf, const char *key, long long expect,
			  const char *text)
{
	const struct cfg_value *v = val(cf, key);
	if (!v)
		return;
	CU_ASSERT_EQUAL(v->type, CFG_NUMBER);
	CU_ASSERT_EQUAL(v->num, expect);
	U_STR_EQ(v->text, text);
}

static void test_strings(void)
{
	struct cfgfile *cf = u_parse("d = \"double\"\n"
				     "s = 'single'\n"
				     "q1 = 'say \"hi\"'\n"
				     "q2 = \"it's\"\n"
				     "e = \"\"\n"
				     "h = \"# not a comment\"\n"
				     "u = \"caf\xc3\xa9\"\n"
				     "t = \"a\tb\"\n");
	assert_string(cf, "d", "double");
	assert_string(cf, "s", "single");
	assert_string(cf, "q1", "say \"hi\"");
	assert_string(cf, "q2", "it's");
	assert_string(cf, "e", "");
	assert_string(cf, "h", "# not a comment");
	assert_string(cf, "u", "caf\xc3\xa9");
	assert_string(cf, "t", "a\tb");
	cfgfile_free(cf);
}

/* The escapes of libxlutil's dequoting. */
static void test_escapes(void)
{
	struct cfgfile *cf = u_parse("a = \"\\\"\\'\\\\\"\n"
				     "b = '\\a\\b\\f\\n\\r\\t\\v'\n"
				     "c = 'it\\'s'\n"
				     "x = \"\\x41\\x7a\"\n"
				     "o = \"\\101\\60\\7\"\n");
	assert_string(cf, "a", "\"'\\");
	assert_string(cf, "b", "\a\b\f\n\r\t\v");
	assert_string(cf, "c", "it's");
	assert_string(cf, "x", "Az");
	assert_string(cf, "o", "A0\a");
	cfgfile_free(cf);
	u_parse_fails("a = \"x\\qy\"\n", "t.cfg:1:7: ", "invalid escape");
	u_parse_fails("a = \"\\x4\"\n", "t.cfg:1:6: ", "two hex digits");
	u_parse_fails("a = \"\\x00\"\n", "t.cfg:1:6: ", "NUL");
	u_parse_fails("a = \"\\0\"\n", "t.cfg:1:6: ", "NUL");
	u_parse_fails("a = \"\\400\"\n", "t.cfg:1:6: ", "above");
	u_parse_fails("a = \"abc\\\"\n", "t.cfg:1:5: ", "unterminated string");
}

static void test_string_errors(void)
{
	u_parse_fails("name = \"abc\n", "t.cfg:1:8: ", "unterminated string");
	u_parse_fails("name = 'abc", "t.cfg:1:8: ", "unterminated string");
	u_parse_fails("a = 1\nname = \"two\nlines\"\n", "t.cfg:2:8: ", "same line");
	struct cfgfile *cf = (struct cfgfile *)&cf;
	char err[XCD_ERR_MAX];
	static const char nul[] = "a = \"x\0y\"\n";
	CU_ASSERT_EQUAL(cfgfile_parse("t.cfg", nul, sizeof(nul) - 1, &cf, err, sizeof(err)),
			-EINVAL);
	U_STR_EQ(err, "t.cfg:1:7: unexpected NUL byte in a string");
	CU_ASSERT_PTR_EQUAL(cf, (struct cfgfile *)&cf);
	static const char nul2[] = "a = 1\n\0";
	CU_ASSERT_EQUAL(cfgfile_parse("t.cfg", nul2, sizeof(nul2) - 1, &cf, err, sizeof(err)),
			-EINVAL);
	U_STR_EQ(err, "t.cfg:2:1: unexpected NUL byte");
	/* Strings must be UTF-8 (they reach JSON), raw or escaped. */
	u_parse_fails("a = 1\nname = 'caf\xe9'\n", "t.cfg:2:8: ",
		      "not valid UTF-8: byte 3 of its text (0xe9) is a truncated sequence");
	u_parse_fails("name = 'x\\xc0\\xaf'\n", "t.cfg:1:8: ",
		      "byte 1 of its text (0xc0) is an overlong form");
	u_parse_fails("name = '\\355\\240\\200'\n", "t.cfg:1:8: ", "a UTF-16 surrogate");
	u_parse_fails("a = [ 'ok', \"\xf4\x90\x80\x80\" ]\n", "t.cfg:1:13: ",
		      "a code point above U+10FFFF");
	u_parse_fails("a = 'ok'\na += '\xff'\n", "t.cfg:2:6: ", "a byte UTF-8 never uses");
	cf = u_parse("u = '\\xc3\\xa9\\342\\202\\254'\n");
	assert_string(cf, "u", "\xc3\xa9\xe2\x82\xac");
	cfgfile_free(cf);
}

static void test_numbers(void)
{
	struct cfgfile *cf = u_parse("dec = 512\n"
				     "hex = 0x1F\n"
				     "lhex = 0xff\n"
				     "oct = 010\n"
				     "zero = 0\n"
				     "neg = -42\n"
				     "nhex = -0x10\n"
				     "bool = 1\n");
	assert_number(cf, "dec", 512, "512");
	assert_number(cf, "hex", 31, "0x1F");
	assert_number(cf, "lhex", 255, "0xff");
	assert_number(cf, "oct", 8, "010");
	assert_number(cf, "zero", 0, "0");
	assert_number(cf, "neg", -42, "-42");
	assert_number(cf, "nhex", -16, "-0x10");
	assert_number(cf, "bool", 1, "1");
	cfgfile_free(cf);

	/* What strtol cannot read stays text, as in libxlutil. */
	cf = u_parse("a = 08\nb = 12abc\nc = 99999999999999999999\nd = 0x\n");
	assert_string(cf, "a", "08");
	assert_string(cf, "b", "12abc");
	assert_string(cf, "c", "99999999999999999999");
	assert_string(cf, "d", "0x");
	cfgfile_free(cf);

	u_parse_fails("a = 1.5\n", "t.cfg:1:5: ", "invalid number '1.5'");
	u_parse_fails("a = 0xfg\n", "t.cfg:1:5: ", "invalid number '0xfg'");
	u_parse_fails("a = 12MB\n", "t.cfg:1:5: ", "a string needs quotes");
	u_parse_fails("a = -\n", "t.cfg:1:5: ", "unexpected '-'");
	u_parse_fails("a = +1\n", "t.cfg:1:5: ", "unexpected '+'");
}

static void test_lists(void)
{
	struct cfgfile *cf = u_parse("disk = [ 'a', \"b\", ]\n"
				     "empty = []\n"
				     "multi = [\n"
				     "    'x',   # first\n"
				     "\n"
				     "    'y'\n"
				     "    ,\n"
				     "    'z' ]\n"
				     "mixed = [ 1, 'two', [ 'three', [] ] ]\n");
	const struct cfg_value *v = val(cf, "disk");
	if (v) {
		CU_ASSERT_EQUAL(v->type, CFG_LIST);
		CU_ASSERT_EQUAL(v->n_items, 2);
		U_STR_EQ(v->items[0].text, "a");
		U_STR_EQ(v->items[1].text, "b");
		CU_ASSERT_PTR_NULL(v->text);
	}
	v = val(cf, "empty");
	if (v) {
		CU_ASSERT_EQUAL(v->type, CFG_LIST);
		CU_ASSERT_EQUAL(v->n_items, 0);
	}
	v = val(cf, "multi");
	if (v && v->n_items == 3) {
		U_STR_EQ(v->items[0].text, "x");
		U_STR_EQ(v->items[2].text, "z");
		CU_ASSERT_EQUAL(v->items[0].pos.line, 4);
		CU_ASSERT_EQUAL(v->items[1].pos.line, 6);
		CU_ASSERT_EQUAL(v->items[2].pos.line, 8);
		CU_ASSERT_EQUAL(v->items[2].pos.column, 5);
	} else {
		CU_FAIL("multi-line list");
	}
	v = val(cf, "mixed");
	if (v && v->n_items == 3) {
		CU_ASSERT_EQUAL(v->items[0].type, CFG_NUMBER);
		CU_ASSERT_EQUAL(v->items[1].type, CFG_STRING);
		CU_ASSERT_EQUAL(v->items[2].type, CFG_LIST);
		CU_ASSERT_EQUAL(v->items[2].n_items, 2);
		CU_ASSERT_EQUAL(v->items[2].items[1].type, CFG_LIST);
	} else {
		CU_FAIL("nested list");
	}
	cfgfile_free(cf);
}

static void test_list_errors(void)
{
	u_parse_fails("a = [,]\n", "t.cfg:1:6: ", "expected a value or ']'");
	u_parse_fails("a = ['x',,'y']\n", "t.cfg:1:10: ", "expected a value or ']'");
	u_parse_fails("a = ['x'\n'y']\n", "t.cfg:2:1: ", "expected ',' or ']'");
	u_parse_fails("a = [ 'x',\n", "t.cfg:2:1: ", "close the list opened at 1:5");
	u_parse_fails("a = [ 'x'", "t.cfg:1:10: ", "']' to close the list");
	u_parse_fails("a = [ b ]\n", "t.cfg:1:7: ", "found 'b'");
	char deep[200] = "a = ";
	for (int i = 0; i < 40; i++)
		strcat(deep, "[");
	u_parse_fails(deep, "t.cfg:1:", "nested more than 32 deep");
}

static void test_separators_comments(void)
{
	struct cfgfile *cf = u_parse("# a comment line\n"
				     "\n"
				     "name=\"h0\"; type=\"hvm\"\n"
				     "  a = 1 ;; b = 2 ; \n"
				     ";\n"
				     "c = 3 # trailing comment\n"
				     "d = 4 # no newline at the end");
	assert_string(cf, "name", "h0");
	assert_string(cf, "type", "hvm");
	assert_number(cf, "a", 1, "1");
	assert_number(cf, "b", 2, "2");
	assert_number(cf, "c", 3, "3");
	assert_number(cf, "d", 4, "4");
	if (cf)
		CU_ASSERT_EQUAL(cf->n_settings, 6);
	cfgfile_free(cf);
	cf = u_parse("a = 1\r\nb = 'x'\r\n");
	assert_number(cf, "a", 1, "1");
	assert_string(cf, "b", "x");
	cfgfile_free(cf);
	cf = u_parse("");
	if (cf)
		CU_ASSERT_EQUAL(cf->n_settings, 0);
	cfgfile_free(cf);
}

static void test_keys(void)
{
	struct cfgfile *cf = u_parse("cpus_soft = 'x'\nvif.default.script = 'y'\na1 = 2\n");
	assert_string(cf, "cpus_soft", "x");
	assert_string(cf, "vif.default.script", "y");
	assert_number(cf, "a1", 2, "2");
	CU_ASSERT_PTR_NULL(cfgfile_get(cf, "missing"));
	cfgfile_free(cf);
	u_parse_fails("Name = 'x'\n", "t.cfg:1:1: ", "keys are lower-case");
	u_parse_fails("_a = 1\n", "t.cfg:1:1: ", "unexpected '_'");
	u_parse_fails("1 = 1\n", "t.cfg:1:1: ", "expected a setting");
	u_parse_fails("'a' = 1\n", "t.cfg:1:1: ", "expected a setting");
	u_parse_fails("a-b = 1\n", "t.cfg:1:2: ", "unexpected '-'");
	u_parse_fails("a b = 1\n", "t.cfg:1:3: ", "expected '=' or '+=' after 'a', found 'b'");
}

/* The positions and messages of syntax errors. */
static void test_syntax_errors(void)
{
	u_parse_fails("name = \"g\"\nmemory = 512\nvcpus =\n", "t.cfg:3:8: ",
		      "expected a value after '=', found the end of the line");
	u_parse_fails("a = ", "t.cfg:1:5: ", "expected a value after '=', found the end of "
		      "the input");
	u_parse_fails("a\n= 1\n", "t.cfg:1:2: ", "expected '=' or '+=' after 'a'");
	u_parse_fails("a = 1 b = 2\n", "t.cfg:1:7: ", "expected a new line or ';' after the "
		      "value of 'a', found 'b'");
	u_parse_fails("a = 'x' 'y'\n", "t.cfg:1:9: ", "found a string");
	u_parse_fails("= 1\n", "t.cfg:1:1: ", "expected a setting (KEY = VALUE), found '='");
	u_parse_fails("a = ('x')\n", "t.cfg:1:5: ", "not Python");
	u_parse_fails("a = 1\n\tb = x\n", "t.cfg:2:6: ", "found 'x'");
	u_parse_fails("a = 1 +\n", "t.cfg:1:7: ", "only '+=' is allowed");
	u_parse_fails("a = 1\rb = 2\n", "t.cfg:1:6: ", "carriage return");
	u_parse_fails("a = 1\n\xff = 2\n", "t.cfg:2:1: ", "byte 0xff");
}

static void test_positions(void)
{
	struct cfgfile *cf = u_parse("# header\n"
				     "name = 'g'\n"
				     "   memory=512\n"
				     "vif = [ 'a',\n"
				     "\t'b' ]\n");
	const struct cfg_setting *s = cf ? cfgfile_get(cf, "memory") : NULL;
	CU_ASSERT_PTR_NOT_NULL(s);
	if (s) {
		U_STR_EQ(s->pos.file, "t.cfg");
		CU_ASSERT_EQUAL(s->pos.line, 3);
		CU_ASSERT_EQUAL(s->pos.column, 4);
		CU_ASSERT_EQUAL(s->value.pos.line, 3);
		CU_ASSERT_EQUAL(s->value.pos.column, 11);
	}
	s = cf ? cfgfile_get(cf, "vif") : NULL;
	if (s && s->value.n_items == 2) {
		CU_ASSERT_EQUAL(s->value.pos.column, 7);
		CU_ASSERT_EQUAL(s->value.items[0].pos.line, 4);
		CU_ASSERT_EQUAL(s->value.items[0].pos.column, 9);
		CU_ASSERT_EQUAL(s->value.items[1].pos.line, 5);
		CU_ASSERT_EQUAL(s->value.items[1].pos.column, 2);
	} else {
		CU_FAIL("vif list");
	}
	if (cf) {
		/* Settings in the order their keys first appear. */
		CU_ASSERT_EQUAL(cf->n_settings, 3);
		U_STR_EQ(cf->settings[0].key, "name");
		U_STR_EQ(cf->settings[1].key, "memory");
		U_STR_EQ(cf->settings[2].key, "vif");
	}
	cfgfile_free(cf);
}

static void test_replace_and_append(void)
{
	struct cfgfile *cf = u_parse("memory = 256\n"
				     "name = 'a'\n"
				     "memory = 512\n"
				     "vif = [ 'bridge=b0' ]\n"
				     "vif += [ 'bridge=b1', 'bridge=b2' ]\n"
				     "extra = 'console=hvc0'\n"
				     "extra += ' quiet'\n"
				     "disk += [ 'x' ]\n"
				     "n = 1\n"
				     "n += 2\n");
	if (!cf)
		return;
	CU_ASSERT_EQUAL(cf->n_settings, 6);
	U_STR_EQ(cf->settings[0].key, "memory");
	const struct cfg_setting *s = cfgfile_get(cf, "memory");
	CU_ASSERT_EQUAL(s->value.num, 512);
	CU_ASSERT_EQUAL(s->pos.line, 3);
	const struct cfg_value *v = val(cf, "vif");
	CU_ASSERT_EQUAL(v->n_items, 3);
	if (v->n_items == 3) {
		U_STR_EQ(v->items[2].text, "bridge=b2");
		CU_ASSERT_EQUAL(v->items[2].pos.line, 5);
	}
	assert_string(cf, "extra", "console=hvc0 quiet");
	/* A first '+=' assigns, as in libxlutil. */
	CU_ASSERT_EQUAL(val(cf, "disk")->n_items, 1);
	/* Scalars concatenate as text, as libxlutil's strings. */
	assert_string(cf, "n", "12");
	cfgfile_free(cf);
	u_parse_fails("a = ['x']\na += 'y'\n", "t.cfg:2:6: ",
		      "'+=' cannot add a string to 'a', which is a list (set at t.cfg:1:1)");
	u_parse_fails("a = 'x'\na += ['y']\n", "t.cfg:2:6: ", "cannot add a list to 'a'");
}

static void test_overrides(void)
{
	struct cfgfile *cf = u_parse("name = 'g'\nmemory = 256\nvif = [ 'bridge=b0' ]\n");
	if (!cf)
		return;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(cfgfile_override(cf, "command line argument 1", "memory=1024", err,
					 sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfgfile_override(cf, "command line argument 2",
					 "vif+=[\"bridge=b1\"]; vcpus=2", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(cfgfile_override(cf, "command line argument 3", "cpus=\"0-3\"", err,
					 sizeof(err)), 0);
	const struct cfg_setting *s = cfgfile_get(cf, "memory");
	CU_ASSERT_EQUAL(s->value.num, 1024);
	U_STR_EQ(s->pos.file, "command line argument 1");
	CU_ASSERT_EQUAL(s->pos.line, 1);
	CU_ASSERT_EQUAL(s->pos.column, 1);
	CU_ASSERT_EQUAL(val(cf, "vif")->n_items, 2);
	CU_ASSERT_EQUAL(val(cf, "vcpus")->num, 2);
	assert_string(cf, "cpus", "0-3");
	/* Positions of the file stay valid after merging. */
	U_STR_EQ(cfgfile_get(cf, "name")->pos.file, "t.cfg");

	/* A bad override is an error with its position, and changes nothing. */
	CU_ASSERT_EQUAL(cfgfile_override(cf, "command line argument 4", "memory=2048; vcpus=",
					 err, sizeof(err)), -EINVAL);
	U_STR_EQ(err, "command line argument 4:1:20: expected a value after '=', found the "
		 "end of the input");
	CU_ASSERT_EQUAL(cfgfile_override(cf, "command line argument 5", "memory=4096; vif+='x'",
					 err, sizeof(err)), -EINVAL);
	U_CONTAINS(err, "command line argument 5:1:19: '+=' cannot add a string");
	CU_ASSERT_EQUAL(val(cf, "memory")->num, 1024);
	CU_ASSERT_EQUAL(val(cf, "vcpus")->num, 2);
	CU_ASSERT_EQUAL(cfgfile_override(cf, "command line argument 6", "hvm.cfg", err,
					 sizeof(err)), -EINVAL);
	U_CONTAINS(err, "expected KEY=VALUE");
	cfgfile_free(cf);
}

static void test_limits_and_files(void)
{
	/* Larger than the limit: refused before parsing, nothing returned. */
	size_t big = CFGFILE_MAX_SIZE + 1;
	char *text = malloc(big);
	if (!text)
		return;
	memset(text, '\n', big);
	struct cfgfile *cf = (struct cfgfile *)&cf;
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(cfgfile_parse("huge.cfg", text, big, &cf, err, sizeof(err)), -EFBIG);
	CU_ASSERT_PTR_EQUAL(cf, (struct cfgfile *)&cf);
	U_CONTAINS(err, "huge.cfg: too large");
	/* At the limit it is fine. */
	CU_ASSERT_EQUAL(cfgfile_parse("big.cfg", text, big - 1, &cf, err, sizeof(err)), 0);
	if (cf != (struct cfgfile *)&cf)
		cfgfile_free(cf);
	free(text);

	cf = (struct cfgfile *)&cf;
	CU_ASSERT_EQUAL(cfgfile_load("/nonexistent/guest.cfg", &cf, err, sizeof(err)), -ENOENT);
	U_CONTAINS(err, "/nonexistent/guest.cfg: cannot open");
	CU_ASSERT_PTR_EQUAL(cf, (struct cfgfile *)&cf);

	char path[] = "/tmp/xlcfg-unit-XXXXXX";
	int fd = mkstemp(path);
	CU_ASSERT_TRUE(fd >= 0);
	if (fd < 0)
		return;
	const char *body = "name = 'from-file'\nmemory = 64\nvcpus = \n";
	CU_ASSERT_EQUAL(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	CU_ASSERT_EQUAL(cfgfile_load(path, &cf, err, sizeof(err)), -EINVAL);
	char expect[600];
	snprintf(expect, sizeof(expect), "%s:3:9: expected a value", path);
	U_CONTAINS(err, expect);
	fd = open(path, O_WRONLY | O_TRUNC);
	body = "name = 'from-file'\nmemory = 64\n";
	CU_ASSERT_EQUAL(write(fd, body, strlen(body)), (ssize_t)strlen(body));
	close(fd);
	CU_ASSERT_EQUAL(cfgfile_load(path, &cf, err, sizeof(err)), 0);
	if (cf != (struct cfgfile *)&cf) {
		assert_string(cf, "name", "from-file");
		U_STR_EQ(cfgfile_get(cf, "memory")->pos.file, path);
		cfgfile_free(cf);
	}
	unlink(path);
}

/* The err buffer may be small or absent: messages are cut, never overrun. */
static void test_small_error_buffer(void)
{
	struct cfgfile *cf = NULL;
	char err[8]; /* not XCD_ERR_MAX: the point is a buffer too small */
	memset(err, 'x', sizeof(err));
	CU_ASSERT_EQUAL(cfgfile_parse("t.cfg", "a = ", 4, &cf, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(err[7], '\0');
	CU_ASSERT_EQUAL(cfgfile_parse("t.cfg", "a = ", 4, &cf, NULL, 0), -EINVAL);
}

void suite_cfgfile_register(void)
{
	CU_pSuite s = CU_add_suite("cfgfile", NULL, NULL);
	CU_add_test(s, "strings in both quotes", test_strings);
	CU_add_test(s, "escapes", test_escapes);
	CU_add_test(s, "string errors", test_string_errors);
	CU_add_test(s, "numbers", test_numbers);
	CU_add_test(s, "lists", test_lists);
	CU_add_test(s, "list errors", test_list_errors);
	CU_add_test(s, "separators and comments", test_separators_comments);
	CU_add_test(s, "keys", test_keys);
	CU_add_test(s, "syntax errors and positions", test_syntax_errors);
	CU_add_test(s, "positions", test_positions);
	CU_add_test(s, "later settings replace, += appends", test_replace_and_append);
	CU_add_test(s, "command-line overrides", test_overrides);
	CU_add_test(s, "size limit and files", test_limits_and_files);
	CU_add_test(s, "small error buffer", test_small_error_buffer);
}
