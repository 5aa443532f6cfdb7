/* util: fixtures of nettune-unit (see util.h). */
#include "util.h"
#include "../../../lib/errmsg.h"
#include "../../lib/cunit_run.h"
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

void fixture_task(const char *root, int pid, const char *name, int ppid)
{
	char path[512], text[512];
	snprintf(path, sizeof(path), "%s/proc/%d", root, pid);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/proc/%d/comm", root, pid);
	snprintf(text, sizeof(text), "%s\n", name);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/proc/%d/status", root, pid);
	snprintf(text, sizeof(text),
		 "Name:\t%s\nState:\tS (sleeping)\nPid:\t%d\nPPid:\t%d\nCpus_allowed_list:\t0\n",
		 name, pid, ppid);
	write_file(path, text);
	snprintf(path, sizeof(path), "%s/proc/%d/stat", root, pid);
	snprintf(text, sizeof(text), "%d (%s) S %d 0 0 0 -1 %u 0 0 0 0 0 0 0 0 20 0 1 0 100\n",
		 pid, name, ppid, ppid == 2 ? 0x208040u : 0x400100u);
	write_file(path, text);
}

struct nt_host *fixture_host(const char *name)
{
	char path[512], err[XCD_ERR_MAX];
	snprintf(path, sizeof(path), "%s/%s", NT_FIXTURES, name);
	struct nt_host *h = NULL;
	int rc = nt_host_read(path, &h, err, sizeof(err));
	if (rc)
		fprintf(stderr, "fixture %s: %s\n", name, err);
	CU_ASSERT_EQUAL(rc, 0);
	return rc ? NULL : h;
}

int fixture_policy(const char *name, const struct nt_host *h, struct nt_policy *p)
{
	char path[512], err[XCD_ERR_MAX];
	snprintf(path, sizeof(path), "%s/%s.conf", NT_FIXTURES, name);
	int rc = nt_policy_load(path, h, p, err, sizeof(err));
	if (rc)
		fprintf(stderr, "policy %s: %s\n", name, err);
	CU_ASSERT_EQUAL(rc, 0);
	return rc;
}

const struct tune_item *plan_find(const struct tune_plan *p, enum tune_kind kind,
				  const char *area, const char *object)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->items[i].kind == kind && !strcmp(p->items[i].area, area) &&
		    !strcmp(p->items[i].object, object))
			return &p->items[i];
	return NULL;
}

void plan_expect(const struct tune_plan *p, enum tune_kind kind, const char *area,
		 const char *object, const char *from, const char *to, const char *figure,
		 const char *reason_part, const char *file, unsigned line)
{
	const struct tune_item *it = plan_find(p, kind, area, object);
	if (!it) {
		fprintf(stderr, "\n%s:%u: no %s %s %s in the plan\n", file, line,
			kind == TUNE_CHANGE ? "change" : "warning", area, object);
		CU_FAIL("item missing");
		return;
	}
	if (from)
		u_str_eq(it->from, from, object, file, line);
	u_str_eq(it->to, to, object, file, line);
	u_str_eq(it->figure, figure, object, file, line);
	if (reason_part && !strstr(it->reason, reason_part)) {
		fprintf(stderr, "\n%s:%u: %s: reason \"%s\" lacks \"%s\"\n", file, line, object,
			it->reason, reason_part);
		CU_FAIL("reason");
	}
}

char *fixture_file(const char *rel, size_t *len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", NT_FIXTURES, rel);
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(1 << 20);
	size_t n = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	*len = n;
	return buf;
}
