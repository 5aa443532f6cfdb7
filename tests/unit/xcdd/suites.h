/* suites: the CUnit suites of xcdd-unit and the helpers they share (main.c). */
#ifndef XCDD_UNIT_SUITES_H
#define XCDD_UNIT_SUITES_H
#include <CUnit/CUnit.h>

void suite_xlfmt_register(void);
void suite_actions_register(void);
void suite_devid_register(void);
void suite_hotplug_register(void);
void suite_io_summary_register(void);

/* String equality that prints both sides when it fails. */
#define U_STR_EQ(actual, expected) u_str_eq((actual), (expected), #actual, __FILE__, __LINE__)
void u_str_eq(const char *actual, const char *expected, const char *what, const char *file,
	      unsigned line);
#endif
