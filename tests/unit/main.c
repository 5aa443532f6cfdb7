/* xs-unit: the CUnit suites of xcd-xenstored. */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include "suites.h"

int main(void)
{
	if (CU_initialize_registry() != CUE_SUCCESS)
		return 2;
	suite_path_register();
	suite_perm_register();
	suite_tree_register();
	suite_transaction_register();
	suite_watch_register();
	suite_quota_register();
	suite_request_register();
	suite_state_register();
	if (CU_get_error() != CUE_SUCCESS) {
		fprintf(stderr, "xs-unit: %s\n", CU_get_error_msg());
		CU_cleanup_registry();
		return 2;
	}
	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	unsigned failed = CU_get_number_of_failures();
	CU_cleanup_registry();
	return failed ? 1 : 0;
}
