/*
 * hotplug: running a device's hotplug script as libxl does: one argument
 * (add/remove for a vbd, online/offline for a vif), xcdd's environment plus
 * the device's variables (script, XENBUS_TYPE, XENBUS_PATH, XENBUS_BASE_PATH,
 * vif, netdev), a time limit after which its process group is killed.
 */
#ifndef XCD_HOTPLUG_H
#define XCD_HOTPLUG_H
#include <stddef.h>

/* libxl's LIBXL_HOTPLUG_TIMEOUT. */
#define HOTPLUG_TIMEOUT_MS 40000

/*
 * Runs SCRIPT ARG with ENV ("NAME=VALUE" strings, NULL-terminated) added to
 * the environment, for at most TIMEOUT_MS. 0 when it exits with status 0;
 * else -EIO (non-zero exit or a signal) or -ETIMEDOUT, with err saying so and
 * quoting the last line the script printed.
 */
int hotplug_run(const char *script, const char *arg, char *const env[], int timeout_ms,
		char *err, size_t errlen);

/* Kills the process group of the script hotplug_run runs now, if any, with
 * everything the script started: async-signal-safe, for a device job told to
 * stop (its SIGTERM handler). */
void hotplug_kill_running(void);
#endif
