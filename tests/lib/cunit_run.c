#include "cunit_run.h"
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

int cunit_run(const char *prog, suite_register_fn *const registers[])
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	for (size_t i = 0; registers[i]; i++)
		registers[i]();
	if (CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "%s: %s\n", prog, CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}

void u_str_eq(const char *actual, const char *expected, const char *what, const char *file,
	      unsigned line)
{
	int ok = actual && expected ? strcmp(actual, expected) == 0 : actual == expected;
	if (!ok)
		fprintf(stderr, "\n%s:%u: %s is \"%s\", expected \"%s\"\n", file, line, what,
			actual ? actual : "(null)", expected ? expected : "(null)");
	CU_assertImplementation(ok, line, "string equality", file, "", CU_FALSE);
}
