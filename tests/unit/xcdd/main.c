/* xcdd-unit: the CUnit suites of xcdd's and xcd's pure pieces (xcd/xlfmt). */
#include "suites.h"
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

void u_str_eq(const char *actual, const char *expected, const char *what, const char *file,
	      unsigned line)
{
	int ok = actual && expected ? strcmp(actual, expected) == 0 : actual == expected;
	if (!ok)
		fprintf(stderr, "\n%s:%u: %s is \"%s\", expected \"%s\"\n", file, line, what,
			actual ? actual : "(null)", expected ? expected : "(null)");
	CU_assertImplementation(ok, line, "string equality", file, "", CU_FALSE);
}

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite_xlfmt_register();
	if (CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "xcdd-unit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
