/* migtcp-unit: the TCP transport of migrations (migrate/libmigtcp.a): its
 * frames and order, the host credential, TLS between two hosts, and the
 * relays end to end over loopback. */
#include "../../lib/cunit_run.h"
#include "suites.h"

int main(void)
{
	suite_register_fn *const regs[] = { register_mux, register_cred, register_tls,
					    register_relay, NULL };
	int rc = cunit_run("migtcp-unit", regs);
	mtu_cleanup();
	return rc;
}
