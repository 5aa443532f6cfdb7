/* xlcfg-unit: the CUnit suites of the xl.cfg parser (xcd/libxlcfg.a). */
#include "suites.h"
#include <CUnit/Basic.h>
#include "../../../lib/errmsg.h"
#include "../../lib/cunit_run.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef XLCFG_TEST_DIR
#define XLCFG_TEST_DIR "tests/unit/cfg"
#endif
#ifndef XLCFG_CORPUS_DIR
#define XLCFG_CORPUS_DIR "fuzz/cfg/corpus"
#endif

/* XCD_SRCDIR (set by make check) wins over the build's path, so that a copied
 * tree still finds its data. */
static const char *from_srcdir(const char *rel, const char *built, char *buf, size_t len)
{
	const char *src = getenv("XCD_SRCDIR");
	if (!src)
		return built;
	snprintf(buf, len, "%s/%s", src, rel);
	return buf;
}

const char *u_data_dir(void)
{
	static char buf[4096];
	return from_srcdir("tests/unit/cfg", XLCFG_TEST_DIR, buf, sizeof(buf));
}

const char *u_corpus_dir(void)
{
	static char buf[4096];
	return from_srcdir("fuzz/cfg/corpus", XLCFG_CORPUS_DIR, buf, sizeof(buf));
}

void u_contains(const char *hay, const char *needle, const char *file, unsigned line)
{
	int ok = hay && strstr(hay, needle);
	if (!ok)
		fprintf(stderr, "\n%s:%u: \"%s\" does not contain \"%s\"\n", file, line,
			hay ? hay : "(null)", needle);
	CU_assertImplementation(ok, line, "substring", file, "", CU_FALSE);
}

struct cfgfile *u_parse(const char *text)
{
	struct cfgfile *cf = NULL;
	char err[XCD_ERR_MAX] = "";
	int r = cfgfile_parse("t.cfg", text, strlen(text), &cf, err, sizeof(err));
	if (r)
		fprintf(stderr, "\nunexpected parse error: %s\n", err);
	CU_ASSERT_EQUAL(r, 0);
	return r ? NULL : cf;
}

void u_parse_fails(const char *text, const char *prefix, const char *what)
{
	/* A sentinel: the parser must not touch *out on error. */
	struct cfgfile *cf = (struct cfgfile *)&cf;
	char err[XCD_ERR_MAX] = "";
	int r = cfgfile_parse("t.cfg", text, strlen(text), &cf, err, sizeof(err));
	CU_ASSERT_EQUAL(r, -EINVAL);
	CU_ASSERT_PTR_EQUAL(cf, (struct cfgfile *)&cf);
	if (r == 0 && cf != (struct cfgfile *)&cf)
		cfgfile_free(cf);
	if (strncmp(err, prefix, strlen(prefix)))
		fprintf(stderr, "\nerror \"%s\" does not start with \"%s\"\n", err, prefix);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
	U_CONTAINS(err, what);
}

struct domcfg *u_domcfg(const char *text, const struct domcfg_host *host)
{
	struct cfgfile *cf = u_parse(text);
	if (!cf)
		return NULL;
	struct domcfg *d = NULL;
	char err[XCD_ERR_MAX] = "";
	int r = domcfg_from_cfg(cf, host, &d, err, sizeof(err));
	if (r)
		fprintf(stderr, "\nunexpected domcfg error: %s\n", err);
	CU_ASSERT_EQUAL(r, 0);
	cfgfile_free(cf);
	return r ? NULL : d;
}

void u_domcfg_fails(const char *text, const char *prefix, const char *what)
{
	struct cfgfile *cf = u_parse(text);
	if (!cf)
		return;
	struct domcfg *d = (struct domcfg *)&d;
	char err[XCD_ERR_MAX] = "";
	int r = domcfg_from_cfg(cf, NULL, &d, err, sizeof(err));
	CU_ASSERT_EQUAL(r, -EINVAL);
	CU_ASSERT_PTR_EQUAL(d, (struct domcfg *)&d);
	if (r == 0 && d != (struct domcfg *)&d)
		domcfg_free(d);
	if (strncmp(err, prefix, strlen(prefix)))
		fprintf(stderr, "\nerror \"%s\" does not start with \"%s\"\n", err, prefix);
	CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
	U_CONTAINS(err, what);
	cfgfile_free(cf);
}

int u_has_warning(const struct domcfg *d, const char *what)
{
	for (size_t i = 0; i < d->n_warnings; i++)
		if (strstr(d->warnings[i], what))
			return 1;
	return 0;
}

char *u_read_data(const char *file, size_t *len)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", u_data_dir(), file);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "\ncannot open %s\n", path);
		return NULL;
	}
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(buf, (cap *= 2) + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
			}
			buf = nb;
		}
	}
	fclose(f);
	if (buf) {
		buf[n] = '\0';
		if (len)
			*len = n;
	}
	return buf;
}

int main(void)
{
	static suite_register_fn *const suites[] = { suite_cfgfile_register, suite_disk_register, suite_vif_register, suite_domcfg_register, suite_domcfg_libxl_register, suite_domname_register, NULL };
	return cunit_run("xlcfg-unit", suites);
}
