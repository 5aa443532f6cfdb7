/*
 * actions: what xcdd does when a guest shuts down on its own, from the
 * reason Xen reports and the guest's on_poweroff / on_reboot / on_crash /
 * on_watchdog / on_soft_reset settings, as xl's handle_domain_death decides.
 */
#ifndef XCD_ACTIONS_H
#define XCD_ACTIONS_H
#include "../hv/hv.h"
#include "domcfg.h"
#include <stddef.h>

enum dm_act {
	DM_ACT_NONE,		/* suspended: a save or migration owns it */
	DM_ACT_DESTROY,
	DM_ACT_RESTART,		/* destroy, create again: same name and uuid */
	DM_ACT_RENAME_RESTART,	/* keep the old one renamed, create again */
	DM_ACT_PRESERVE,	/* leave it shut down */
};

/* The configured on_* actions of one domain. */
struct dm_on {
	enum domcfg_action poweroff, reboot, crash, watchdog, soft_reset;
};

/* libxl's defaults: destroy, restart, destroy, destroy, soft_reset. */
void dm_on_defaults(struct dm_on *on);

/*
 * Reads the on_* members of a domain configuration in libxl's JSON (as
 * domcfg_to_json writes it: a member left out is destroy). Unknown names are
 * an error naming the member.
 */
int dm_on_from_json(const char *config_json, struct dm_on *on, char *err, size_t errlen);

/*
 * The action for a shutdown with REASON. Actions xcd does not carry out in
 * full (coredump-*, soft-reset) become the nearest one it does, with a
 * sentence for the log in *WARNING (NULL when none).
 */
enum dm_act dm_action_for(const struct dm_on *on, enum hv_shutdown_reason reason,
			  const char **warning);

const char *dm_act_name(enum dm_act a);
/* xl's word for REASON: "poweroff", "reboot", "suspend", "crash", ... */
const char *dm_reason_name(enum hv_shutdown_reason reason);
#endif
