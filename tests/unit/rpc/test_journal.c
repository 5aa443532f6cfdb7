/* The per-domain journal: names, atomic writes, loading and what it refuses. */
#include "suites.h"
#include "../../../lib/errmsg.h"
#include "../../../xcd/journal.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];
static char dir[128];

/* What a load saw: "key=value-of-a" per record, "name: what" per problem. */
struct seen {
	char records[1024];
	char problems[4096];
	int stop_at; /* record number that stops the load, 0 for none */
	int n;
};

static int on_record(const char *key, yajl_val tree, void *arg)
{
	struct seen *s = arg;
	const char *path[] = { "a", NULL };
	yajl_val a = yajl_tree_get(tree, path, yajl_t_any);
	size_t n = strlen(s->records);
	snprintf(s->records + n, sizeof(s->records) - n, "%s=%s;", key,
		 a && YAJL_IS_STRING(a) ? a->u.string : a && YAJL_IS_NUMBER(a) ? a->u.number.r : "?");
	return ++s->n == s->stop_at ? 99 : 0;
}

static void on_problem(const char *name, const char *what, void *arg)
{
	struct seen *s = arg;
	size_t n = strlen(s->problems);
	snprintf(s->problems + n, sizeof(s->problems) - n, "%s: %s\n", name, what);
}

static int load(struct journal *j, struct seen *s)
{
	char err[XCD_ERR_MAX];
	int stop = s->stop_at;
	memset(s, 0, sizeof(*s));
	s->stop_at = stop;
	struct journal_load_ops ops = { on_record, on_problem, s };
	return journal_load_all(j, &ops, err, sizeof(err));
}

static void put_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static int exists(const char *name)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

static int setup(void)
{
	strcpy(base, "/tmp/rpc-unit-journal.XXXXXX");
	if (!mkdtemp(base))
		return 1;
	snprintf(dir, sizeof(dir), "%s/journal", base);
	return 0;
}

static int teardown(void)
{
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	return system(cmd) ? 1 : 0;
}

static void test_keys(void)
{
	char err[XCD_ERR_MAX];
	CU_ASSERT_EQUAL(journal_key_check("vm-1", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(journal_key_check("my vm.prod_2", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(journal_key_check("f81d4fae-7dec-11d0-a765-00a0c91e6bf6", err,
					  sizeof(err)), 0);
	CU_ASSERT_EQUAL(journal_key_check("d\xc3\xa9j\xc3\xa0", err, sizeof(err)), 0);
	static const struct { const char *key, *why; } bad[] = {
		{ "", "is empty" },
		{ "a/b", "journal key \"a/b\" contains '/'" },
		{ "..", "starts with '.'" },
		{ ".hidden", "starts with '.'" },
		{ "a..b", "contains \"..\"" },
		{ "a\nb", "journal key contains a control character" },
		{ "a\x7f", "control character" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(journal_key_check(bad[i].key, err, sizeof(err)), -EINVAL);
		U_CONTAINS(err, bad[i].why);
	}
	char lng[JOURNAL_MAX_KEY + 2];
	memset(lng, 'k', sizeof(lng) - 1);
	lng[sizeof(lng) - 1] = '\0';
	CU_ASSERT_EQUAL(journal_key_check(lng, err, sizeof(err)), -EINVAL);
	U_CONTAINS(err, "too long");
	lng[JOURNAL_MAX_KEY] = '\0';
	CU_ASSERT_EQUAL(journal_key_check(lng, err, sizeof(err)), 0);
}

static void test_write_load(void)
{
	char err[XCD_ERR_MAX];
	struct journal *j = NULL;
	struct seen s = { .stop_at = 0 };
	CU_ASSERT_EQUAL_FATAL(journal_open(dir, &j, err, sizeof(err)), 0);
	struct stat st;
	CU_ASSERT_EQUAL(stat(dir, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0700);
	CU_ASSERT_EQUAL(load(j, &s), 0);
	U_STR_EQ(s.records, "");

	const char *t1 = "{\"a\":\"one\"}", *t2 = "{\"a\":\"two\"}";
	CU_ASSERT_EQUAL(journal_write(j, "vm2", t2, strlen(t2), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(journal_write(j, "vm1", t2, strlen(t2), err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(journal_write(j, "vm1", t1, strlen(t1), err, sizeof(err)), 0);
	CU_ASSERT(!exists("vm1.json.tmp"));
	char path[256];
	snprintf(path, sizeof(path), "%s/vm1.json", dir);
	CU_ASSERT_EQUAL(stat(path, &st), 0);
	CU_ASSERT_EQUAL(st.st_mode & 07777, 0600);
	CU_ASSERT_EQUAL(load(j, &s), 0);
	U_STR_EQ(s.records, "vm1=one;vm2=two;");
	U_STR_EQ(s.problems, "");

	CU_ASSERT_EQUAL(journal_write(j, "x/y", t1, strlen(t1), err, sizeof(err)), -EINVAL);
	U_CONTAINS(err, "contains '/'");
	CU_ASSERT_EQUAL(journal_remove(j, "vm2", err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(journal_remove(j, "vm2", err, sizeof(err)), -ENOENT);
	U_CONTAINS(err, "vm2.json: cannot remove");
	CU_ASSERT_EQUAL(journal_remove(j, "a/b", err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(load(j, &s), 0);
	U_STR_EQ(s.records, "vm1=one;");

	/* A record callback can stop the load. */
	CU_ASSERT_EQUAL(journal_write(j, "vm3", t2, strlen(t2), err, sizeof(err)), 0);
	s.stop_at = 1;
	CU_ASSERT_EQUAL(load(j, &s), 99);
	U_STR_EQ(s.records, "vm1=one;");
	s.stop_at = 0;
	CU_ASSERT_EQUAL(journal_remove(j, "vm3", err, sizeof(err)), 0);
	journal_close(j);

	/* Reopening an existing journal keeps it. */
	CU_ASSERT_EQUAL_FATAL(journal_open(dir, &j, err, sizeof(err)), 0);
	CU_ASSERT_EQUAL(load(j, &s), 0);
	U_STR_EQ(s.records, "vm1=one;");
	journal_close(j);
	/* A parent that does not exist. */
	snprintf(path, sizeof(path), "%s/no/such", base);
	CU_ASSERT_EQUAL(journal_open(path, &j, err, sizeof(err)), -ENOENT);
	U_CONTAINS(err, "cannot create");
	/* A file where the directory should be. */
	snprintf(path, sizeof(path), "%s/journal/vm1.json", base);
	CU_ASSERT_EQUAL(journal_open(path, &j, err, sizeof(err)), -ENOTDIR);
}

static void test_crash_leftovers(void)
{
	char err[XCD_ERR_MAX];
	struct journal *j = NULL;
	struct seen s = { .stop_at = 0 };
	CU_ASSERT_EQUAL_FATAL(journal_open(dir, &j, err, sizeof(err)), 0);
	/* A write killed before its rename: the old record stands, the half-written
	 * temporary file is reported and kept, and the next write replaces it. */
	put_file("vm1.json.tmp", "{\"a\":\"ha");
	put_file("vm9.json.tmp", "{\"a\":");
	CU_ASSERT_EQUAL(load(j, &s), 0);
	U_STR_EQ(s.records, "vm1=one;");
	U_CONTAINS(s.problems, "vm1.json.tmp: temporary file left by an interrupted write: "
			       "ignored");
	U_CONTAINS(s.problems, "vm9.json.tmp: temporary file");
	CU_ASSERT(exists("vm1.json.tmp"));
	const char *t = "{\"a\":3}";
	CU_ASSERT_EQUAL(journal_write(j, "vm1", t, strlen(t), err, sizeof(err)), 0);
	CU_ASSERT(!exists("vm1.json.tmp"));
	CU_ASSERT_EQUAL(load(j, &s), 0);
	U_STR_EQ(s.records, "vm1=3;");
	unlink(strcat(strcpy((char[256]){ 0 }, dir), "/vm9.json.tmp"));
	journal_close(j);
}

static void test_corrupt(void)
{
	char err[XCD_ERR_MAX];
	struct journal *j = NULL;
	struct seen s = { .stop_at = 0 };
	CU_ASSERT_EQUAL_FATAL(journal_open(dir, &j, err, sizeof(err)), 0);
	put_file("bad.json", "{\"a\":1");
	put_file("arr.json", "[1,2]");
	put_file("cmt.json", "{\"a\":1 /* c */}");
	put_file("empty.json", "");
	char deep[600] = "";
	for (int i = 0; i < 300; i++)
		strcat(deep, "[");
	put_file("deep.json", deep);
	put_file("notes.txt", "hello");
	put_file("a..b.json", "{\"a\":1}");
	CU_ASSERT_EQUAL(mkdir(strcat(strcpy((char[256]){ 0 }, dir), "/sub.json"), 0700), 0);
	CU_ASSERT_EQUAL(load(j, &s), 0);
	U_STR_EQ(s.records, "vm1=3;");
	U_CONTAINS(s.problems, "bad.json: invalid JSON at byte");
	U_CONTAINS(s.problems, "moved aside to bad.json.corrupt\n");
	U_CONTAINS(s.problems, "arr.json: a record must be a JSON object; moved aside to "
			       "arr.json.corrupt\n");
	U_CONTAINS(s.problems, "cmt.json: invalid JSON");
	U_CONTAINS(s.problems, "empty.json: empty message");
	U_CONTAINS(s.problems, "deep.json: nesting deeper than 256 levels");
	U_CONTAINS(s.problems, "notes.txt: not a journal file: ignored");
	U_CONTAINS(s.problems, "a..b.json: not a record name");
	U_CONTAINS(s.problems, "sub.json: not a regular file: ignored");
	CU_ASSERT(!exists("bad.json"));
	CU_ASSERT(exists("bad.json.corrupt"));
	CU_ASSERT(exists("notes.txt"));

	/* Next start: what was set aside is reported, never overwritten. */
	put_file("bad.json", "also bad");
	CU_ASSERT_EQUAL(load(j, &s), 0);
	U_STR_EQ(s.records, "vm1=3;");
	U_CONTAINS(s.problems, "bad.json.corrupt: record set aside earlier as corrupt: ignored");
	U_CONTAINS(s.problems, "moved aside to bad.json.corrupt.1\n");
	CU_ASSERT(exists("bad.json.corrupt"));
	CU_ASSERT(exists("bad.json.corrupt.1"));
	journal_close(j);
}

void suite_journal_register(void)
{
	CU_pSuite s = CU_add_suite("journal", setup, teardown);
	CU_add_test(s, "record names", test_keys);
	CU_add_test(s, "write, overwrite, remove, load", test_write_load);
	CU_add_test(s, "leftovers of an interrupted write", test_crash_leftovers);
	CU_add_test(s, "corrupt records moved aside and reported", test_corrupt);
}
