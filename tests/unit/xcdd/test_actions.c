/* actions: the on_* table as xl's handle_domain_death applies it. */
#include "../../../xcd/actions.h"
#include "../../../lib/errmsg.h"
#include "suites.h"
#include <errno.h>
#include <string.h>

static void t_defaults(void)
{
	struct dm_on on;
	const char *w;
	dm_on_defaults(&on);
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_POWEROFF, &w), DM_ACT_DESTROY);
	CU_ASSERT_PTR_NULL(w);
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_REBOOT, &w), DM_ACT_RESTART);
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_CRASH, &w), DM_ACT_DESTROY);
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_WATCHDOG, &w), DM_ACT_DESTROY);
	/* Suspended domains belong to save and migration. */
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_SUSPEND, &w), DM_ACT_NONE);
	CU_ASSERT_PTR_NULL(w);
}

static void t_each_reason_its_own_setting(void)
{
	struct dm_on on = { DOMCFG_ACTION_PRESERVE, DOMCFG_ACTION_RESTART_RENAME,
			    DOMCFG_ACTION_RESTART, DOMCFG_ACTION_DESTROY,
			    DOMCFG_ACTION_PRESERVE };
	const char *w;
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_POWEROFF, &w), DM_ACT_PRESERVE);
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_REBOOT, &w), DM_ACT_RENAME_RESTART);
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_CRASH, &w), DM_ACT_RESTART);
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_WATCHDOG, &w), DM_ACT_DESTROY);
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_SOFT_RESET, &w), DM_ACT_PRESERVE);
}

static void t_coredump_and_soft_reset_warn(void)
{
	struct dm_on on;
	const char *w;
	dm_on_defaults(&on);
	on.crash = DOMCFG_ACTION_COREDUMP_DESTROY;
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_CRASH, &w), DM_ACT_DESTROY);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_PTR_NOT_NULL(strstr(w, "coredump-destroy"));
	on.crash = DOMCFG_ACTION_COREDUMP_RESTART;
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_CRASH, &w), DM_ACT_RESTART);
	CU_ASSERT_PTR_NOT_NULL_FATAL(w);
	CU_ASSERT_PTR_NOT_NULL(strstr(w, "coredump-restart"));
	CU_ASSERT_EQUAL(dm_action_for(&on, HV_SHUTDOWN_SOFT_RESET, &w), DM_ACT_RESTART);
	CU_ASSERT_PTR_NOT_NULL(w);
	CU_ASSERT_EQUAL(dm_action_for(&on, (enum hv_shutdown_reason)77, &w), DM_ACT_DESTROY);
	CU_ASSERT_PTR_NOT_NULL(w);
}

static void t_from_json(void)
{
	struct dm_on on;
	char err[XCD_ERR_MAX] = "";
	dm_on_defaults(&on);
	/* libxl's JSON leaves destroy out, so a missing member is destroy. */
	CU_ASSERT_EQUAL(dm_on_from_json("{\"on_reboot\": \"restart_rename\", "
					"\"on_crash\": \"coredump_restart\", "
					"\"on_poweroff\": \"preserve\"}",
					&on, err, sizeof(err)),
			0);
	CU_ASSERT_EQUAL(on.poweroff, DOMCFG_ACTION_PRESERVE);
	CU_ASSERT_EQUAL(on.reboot, DOMCFG_ACTION_RESTART_RENAME);
	CU_ASSERT_EQUAL(on.crash, DOMCFG_ACTION_COREDUMP_RESTART);
	CU_ASSERT_EQUAL(on.watchdog, DOMCFG_ACTION_DESTROY);
	CU_ASSERT_EQUAL(on.soft_reset, DOMCFG_ACTION_DESTROY);
	CU_ASSERT_EQUAL(dm_on_from_json("{\"on_crash\": \"explode\"}", &on, err, sizeof(err)),
			-EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "on_crash"));
	CU_ASSERT_EQUAL(dm_on_from_json("[1", &on, err, sizeof(err)), -EINVAL);
	CU_ASSERT_EQUAL(dm_on_from_json("{\"on_reboot\": 3}", &on, err, sizeof(err)), -EINVAL);
}

static void t_names(void)
{
	U_STR_EQ(dm_act_name(DM_ACT_RENAME_RESTART), "rename-restart");
	U_STR_EQ(dm_reason_name(HV_SHUTDOWN_CRASH), "crash");
	U_STR_EQ(dm_reason_name((enum hv_shutdown_reason)99), "unknown");
}

void suite_actions_register(void)
{
	CU_pSuite s = CU_add_suite("actions", NULL, NULL);
	CU_add_test(s, "libxl's defaults", t_defaults);
	CU_add_test(s, "each reason its own setting", t_each_reason_its_own_setting);
	CU_add_test(s, "coredump-* and soft-reset warn", t_coredump_and_soft_reset_warn);
	CU_add_test(s, "on_* from libxl's JSON", t_from_json);
	CU_add_test(s, "names", t_names);
}
