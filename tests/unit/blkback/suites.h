/* The suites of blkback-unit, one per file; helpers they share. */
#ifndef XCD_BLKBACK_UNIT_SUITES_H
#define XCD_BLKBACK_UNIT_SUITES_H
#include <stddef.h>
void register_fchost(void);
void register_mpath(void);
void register_readers(void);
void register_policy(void);
void register_plan(void);
void register_measure(void);
void register_dmevent(void);
void register_apply(void);

#ifndef BLK_FIXTURES
#define BLK_FIXTURES "tests/unit/blkback/fixtures"
#endif
/* A fresh temporary sysroot (malloc'd path), files written under it, and
 * its removal. */
char *tmp_root(void);
void tmp_write(const char *root, const char *rel, const char *text);
void tmp_remove(char *root);
#endif
