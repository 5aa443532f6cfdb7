/* suites: the CUnit suites of rpc-unit (lib/jsonrpc, lib/peercred,
 * xcd/journal), one per module, and the helpers they share (in main.c). */
#ifndef RPC_UNIT_SUITES_H
#define RPC_UNIT_SUITES_H
#include <CUnit/CUnit.h>

void suite_jsonrpc_register(void);
void suite_linebuf_register(void);
void suite_peercred_register(void);
void suite_journal_register(void);

/* String assertions that print both sides when they fail. */
#define U_STR_EQ(actual, expected) u_str_eq((actual), (expected), #actual, __FILE__, __LINE__)
void u_str_eq(const char *actual, const char *expected, const char *what, const char *file,
	      unsigned line);
#define U_CONTAINS(hay, needle) u_contains((hay), (needle), __FILE__, __LINE__)
void u_contains(const char *hay, const char *needle, const char *file, unsigned line);
#endif
