/*
 * runcmd: runs a program (no shell: an argument vector, searched on PATH)
 * with stdin and stderr on /dev/null, and gathers its stdout, bounded in
 * size and in time: what the tuners' jobs ask of multipathd.
 */
#ifndef XCD_RUNCMD_H
#define XCD_RUNCMD_H
#include <stdbool.h>
#include <stddef.h>

struct run_result {
	bool timed_out; /* killed after the time limit */
	bool too_big;	/* killed after MAX bytes of output */
	bool not_found; /* exit status 127: the program could not be run */
	int status;	/* waitpid's status */
};

/* Whether the program ran to the end and exited 0. */
bool run_ok(const struct run_result *r);

/*
 * Runs ARGV (NULL-terminated) for at most TIMEOUT_MS. OUT (NULL: the
 * output is thrown away) gets stdout, NUL-terminated, malloc'd, even when
 * the program failed. 0 (R says how it ended), or a negative errno when it
 * could not be started or read (nothing in *OUT).
 */
int run_capture(char *const argv[], int timeout_ms, size_t max, char **out, size_t *len,
		struct run_result *r);
#endif
