/* lib-unit: CUnit suites for lib/. */
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <stddef.h>

int main(void)
{
	suite_register_fn *const regs[] = { register_loop, register_childjob, register_tuneplan,
					    register_tunejournal, register_tuneapply, register_pidlock,
					    register_procstat, NULL };
	return cunit_run("lib-unit", regs);
}
