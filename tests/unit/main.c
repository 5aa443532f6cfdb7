/* xs-unit: the CUnit suites of xcd-xenstored. */
#include <CUnit/Basic.h>
#include "../lib/cunit_run.h"
#include <stdio.h>
#include <stdlib.h>
#include "suites.h"

int main(void)
{
	static suite_register_fn *const suites[] = { suite_path_register, suite_perm_register, suite_tree_register, suite_transaction_register, suite_watch_register, suite_quota_register, suite_request_register, suite_state_register, NULL };
	return cunit_run("xs-unit", suites);
}
