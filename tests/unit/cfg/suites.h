/* suites: the CUnit suites of xlcfg-unit, one per module of the xl.cfg
 * parser, and the helpers they share (in main.c). */
#ifndef XLCFG_UNIT_SUITES_H
#define XLCFG_UNIT_SUITES_H
#include <CUnit/CUnit.h>
#include <stddef.h>
#include "../../../lib/cfgfile.h"
#include "../../../xcd/domcfg.h"

void suite_cfgfile_register(void);
void suite_disk_register(void);
void suite_vif_register(void);
void suite_domcfg_register(void);
void suite_domcfg_libxl_register(void);
void suite_domname_register(void);

/* Parses TEXT (named "t.cfg"); a failed assertion and NULL if it fails. */
struct cfgfile *u_parse(const char *text);
/*
 * Asserts that TEXT fails to parse with an error that starts with PREFIX
 * (e.g. "t.cfg:2:5: expected") and contains WHAT, and that nothing was
 * returned.
 */
void u_parse_fails(const char *text, const char *prefix, const char *what);
/* Parses TEXT and normalises it (HOST may be NULL); NULL on failure. */
struct domcfg *u_domcfg(const char *text, const struct domcfg_host *host);
/* Asserts that TEXT parses but does not normalise, with an error that
 * starts with PREFIX and contains WHAT, and that nothing was returned. */
void u_domcfg_fails(const char *text, const char *prefix, const char *what);
/* Whether D has a warning containing WHAT. */
int u_has_warning(const struct domcfg *d, const char *what);
/* The contents of FILE in the test data folder (malloc'd), NULL if unreadable. */
char *u_read_data(const char *file, size_t *len);
/* The test data folder (tests/unit/cfg) and the fuzz corpus folder. */
const char *u_data_dir(void);
const char *u_corpus_dir(void);

/* String assertion that prints both sides when it fails. */
#define U_STR_EQ(actual, expected) u_str_eq((actual), (expected), #actual, __FILE__, __LINE__)
void u_str_eq(const char *actual, const char *expected, const char *what, const char *file,
	      unsigned line);
#define U_CONTAINS(hay, needle) u_contains((hay), (needle), __FILE__, __LINE__)
void u_contains(const char *hay, const char *needle, const char *file, unsigned line);
#endif
