/* rpc-unit: the CUnit suites of the JSON-RPC codec, peer credentials and the
 * journal. */
#include "suites.h"
#include <CUnit/Basic.h>
#include "../../lib/cunit_run.h"
#include <stdio.h>
#include <string.h>

void u_contains(const char *hay, const char *needle, const char *file, unsigned line)
{
	int ok = hay && strstr(hay, needle);
	if (!ok)
		fprintf(stderr, "\n%s:%u: \"%s\" does not contain \"%s\"\n", file, line,
			hay ? hay : "(null)", needle);
	CU_assertImplementation(ok, line, "substring", file, "", CU_FALSE);
}

int main(void)
{
	static suite_register_fn *const suites[] = { suite_jsonrpc_register, suite_linebuf_register, suite_peercred_register, suite_journal_register, NULL };
	return cunit_run("rpc-unit", suites);
}
