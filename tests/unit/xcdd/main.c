/* xcdd-unit: the CUnit suites of xcdd's and xcd's pure pieces (xcd/xlfmt, actions, devid, hotplug, io_summary). */
#include "suites.h"
#include <CUnit/Basic.h>
#include "../../lib/cunit_run.h"
#include <stdio.h>
#include <string.h>

int main(void)
{
	static suite_register_fn *const suites[] = { suite_xlfmt_register, suite_actions_register,
						     suite_devid_register, suite_hotplug_register,
						     suite_io_summary_register, NULL };
	return cunit_run("xcdd-unit", suites);
}
