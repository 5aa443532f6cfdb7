/* nettune-unit: CUnit suites for netback-tune/. */
#include "../../lib/cunit_run.h"
#include "suites.h"
#include <stddef.h>

int main(void)
{
	suite_register_fn *const regs[] = { register_parsers, register_host, register_policy,
					    register_plan, register_verify, register_apply,
					    register_linkwatch, register_kthreads, register_kthreadcache,
					    NULL };
	return cunit_run("nettune-unit", regs);
}
