/* cunit_run: the main of every CUnit program here: registers the suites,
 * runs them verbosely, exits 0 (all passed), 1 (failures) or 2 (set-up). */
#ifndef XCD_CUNIT_RUN_H
#define XCD_CUNIT_RUN_H
typedef void suite_register_fn(void);
/* registers is NULL-terminated. */
int cunit_run(const char *prog, suite_register_fn *const registers[]);
/* String equality that prints both strings when it fails. */
void u_str_eq(const char *actual, const char *expected, const char *what, const char *file,
	      unsigned line);
#endif
