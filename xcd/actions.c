/* actions: a guest's own shutdown, turned into what xcdd does about it. */
#include "actions.h"
#include "../lib/errmsg.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_tree.h>

void dm_on_defaults(struct dm_on *on)
{
	on->poweroff = DOMCFG_ACTION_DESTROY;
	on->reboot = DOMCFG_ACTION_RESTART;
	on->crash = DOMCFG_ACTION_DESTROY;
	on->watchdog = DOMCFG_ACTION_DESTROY;
	on->soft_reset = DOMCFG_ACTION_SOFT_RESET;
}

static int action_by_name(const char *name, enum domcfg_action *out)
{
	for (int a = DOMCFG_ACTION_DESTROY; a <= DOMCFG_ACTION_SOFT_RESET; a++)
		if (strcmp(domcfg_action_name(a), name) == 0) {
			*out = a;
			return 0;
		}
	return -EINVAL;
}

int dm_on_from_json(const char *config_json, struct dm_on *on, char *err, size_t errlen)
{
	char perr[XCD_ERR_MAX];
	yajl_val t = yajl_tree_parse(config_json, perr, sizeof(perr));
	if (!t || !YAJL_IS_OBJECT(t)) {
		snprintf(err, errlen, "the domain's configuration is not a JSON object: %s", perr);
		if (t)
			yajl_tree_free(t);
		return -EINVAL;
	}
	struct {
		const char *key;
		enum domcfg_action *a;
	} m[] = {
		{ "on_poweroff", &on->poweroff }, { "on_reboot", &on->reboot },
		{ "on_crash", &on->crash },	  { "on_watchdog", &on->watchdog },
		{ "on_soft_reset", &on->soft_reset },
	};
	int rc = 0;
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]) && rc == 0; i++) {
		const char *p[] = { m[i].key, NULL };
		yajl_val v = yajl_tree_get(t, p, yajl_t_any);
		/* libxl's JSON leaves destroy, the zero value, out. */
		*m[i].a = DOMCFG_ACTION_DESTROY;
		if (!v)
			continue;
		if (!YAJL_IS_STRING(v) || action_by_name(YAJL_GET_STRING(v), m[i].a) < 0) {
			snprintf(err, errlen, "%s: not an action libxl knows", m[i].key);
			rc = -EINVAL;
		}
	}
	yajl_tree_free(t);
	return rc;
}

enum dm_act dm_action_for(const struct dm_on *on, enum hv_shutdown_reason reason,
			  const char **warning)
{
	enum domcfg_action a;
	*warning = NULL;
	switch (reason) {
	case HV_SHUTDOWN_POWEROFF: a = on->poweroff; break;
	case HV_SHUTDOWN_REBOOT: a = on->reboot; break;
	case HV_SHUTDOWN_CRASH: a = on->crash; break;
	case HV_SHUTDOWN_WATCHDOG: a = on->watchdog; break;
	case HV_SHUTDOWN_SOFT_RESET: a = on->soft_reset; break;
	case HV_SHUTDOWN_SUSPEND: return DM_ACT_NONE;
	default:
		/* A reason newer than this code: xl destroys. */
		*warning = "unknown shutdown reason: destroyed";
		return DM_ACT_DESTROY;
	}
	switch (a) {
	case DOMCFG_ACTION_DESTROY: return DM_ACT_DESTROY;
	case DOMCFG_ACTION_RESTART: return DM_ACT_RESTART;
	case DOMCFG_ACTION_RESTART_RENAME: return DM_ACT_RENAME_RESTART;
	case DOMCFG_ACTION_PRESERVE: return DM_ACT_PRESERVE;
	case DOMCFG_ACTION_COREDUMP_DESTROY:
		*warning = "coredump-destroy: xcd writes no core dumps; destroyed";
		return DM_ACT_DESTROY;
	case DOMCFG_ACTION_COREDUMP_RESTART:
		*warning = "coredump-restart: xcd writes no core dumps; restarted";
		return DM_ACT_RESTART;
	case DOMCFG_ACTION_SOFT_RESET:
		*warning = "soft-reset: xcd cannot reset a domain in place; restarted";
		return DM_ACT_RESTART;
	}
	*warning = "unknown action: destroyed";
	return DM_ACT_DESTROY;
}

const char *dm_act_name(enum dm_act a)
{
	static const char *const n[] = { "none", "destroy", "restart", "rename-restart",
					 "preserve" };
	return a <= DM_ACT_PRESERVE ? n[a] : "?";
}

const char *dm_reason_name(enum hv_shutdown_reason r)
{
	static const char *const n[] = { "poweroff", "reboot", "suspend",
					 "crash",    "watchdog", "soft_reset" };
	return (unsigned)r <= HV_SHUTDOWN_SOFT_RESET ? n[r] : "unknown";
}
