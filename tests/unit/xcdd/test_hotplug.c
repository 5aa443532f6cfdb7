/* hotplug: a script's argument, environment, exit status, output and time limit. */
#include "../../../xcd/hotplug.h"
#include "../../../lib/errmsg.h"
#include "suites.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static int setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/xcdd-hotplug.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void)
{
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void script(const char *name, const char *body, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fprintf(f, "#!/bin/sh\n%s\n", body);
	fclose(f);
	chmod(path, 0755);
}

static void t_argument_and_environment(void)
{
	char path[128], out[160], err[XCD_ERR_MAX] = "", body[400];
	snprintf(out, sizeof(out), "%s/seen", dir);
	snprintf(body, sizeof(body), "echo \"$1 $XENBUS_PATH $vif\" > %s", out);
	script("ok", body, path, sizeof(path));
	/* A variable of xcdd's own is replaced, not doubled. */
	setenv("vif", "stale", 1);
	char *env[] = { (char *)"XENBUS_PATH=backend/vif/3/0", (char *)"vif=vif3.0", NULL };
	CU_ASSERT_EQUAL(hotplug_run(path, "online", env, 5000, err, sizeof(err)), 0);
	U_STR_EQ(err, "");
	FILE *f = fopen(out, "r");
	char line[160] = "";
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), f));
	fclose(f);
	U_STR_EQ(line, "online backend/vif/3/0 vif3.0\n");
	unsetenv("vif");
}

static void t_failure_quotes_last_line(void)
{
	char path[128], err[XCD_ERR_MAX] = "";
	script("fails", "echo first; echo 'no such bridge xenbr9' >&2; exit 3", path, sizeof(path));
	CU_ASSERT_EQUAL(hotplug_run(path, "add", NULL, 5000, err, sizeof(err)), -EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "exit status 3"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no such bridge xenbr9"));
	CU_ASSERT_PTR_NULL(strstr(err, "first"));
}

static void t_timeout_kills_the_group(void)
{
	char path[128], err[XCD_ERR_MAX] = "", body[300], mark[128];
	snprintf(mark, sizeof(mark), "%s/late", dir);
	/* A child of the script outlives it unless the whole group is killed. */
	snprintf(body, sizeof(body), "(sleep 2; touch %s) & sleep 30", mark);
	script("hangs", body, path, sizeof(path));
	time_t t0 = time(NULL);
	CU_ASSERT_EQUAL(hotplug_run(path, "add", NULL, 1000, err, sizeof(err)), -ETIMEDOUT);
	CU_ASSERT(time(NULL) - t0 < 5);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "no answer in 1 s"));
	sleep(3);
	CU_ASSERT_NOT_EQUAL(access(mark, F_OK), 0);
}

static void t_missing_script(void)
{
	char err[XCD_ERR_MAX] = "";
	CU_ASSERT_EQUAL(hotplug_run("/nonexistent/block", "add", NULL, 5000, err, sizeof(err)),
			-EIO);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "exit status 127"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "cannot run the script: /nonexistent/block: No such file"));
}

void suite_hotplug_register(void)
{
	CU_pSuite s = CU_add_suite("hotplug", setup, teardown);
	CU_add_test(s, "argument and environment", t_argument_and_environment);
	CU_add_test(s, "a failure quotes the last line", t_failure_quotes_last_line);
	CU_add_test(s, "a timeout kills the group", t_timeout_kills_the_group);
	CU_add_test(s, "a missing script", t_missing_script);
}
