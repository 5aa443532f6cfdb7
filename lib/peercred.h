/*
 * peercred: who is at the other end of a Unix socket (SO_PEERCRED), and what
 * xcdd lets them do: root everything, members of the API group (`xcd`) read
 * only, anyone else nothing.
 */
#ifndef XCD_PEERCRED_H
#define XCD_PEERCRED_H
#include <stddef.h>
#include <sys/types.h>

struct peercred {
	pid_t pid;
	uid_t uid;
	gid_t gid;
};

enum peercred_access {
	PEERCRED_REFUSED,
	PEERCRED_READONLY,
	PEERCRED_FULL,
};

/*
 * How group membership is found: the system's databases by default; tests
 * inject their own. group_gid: 0 and *gid, -ENOENT if no such group, or a
 * negative errno. is_member: 1 if the user UID (primary group GID) belongs to
 * GROUP, 0 if not, or a negative errno.
 */
struct peercred_lookup {
	int (*group_gid)(const char *group, gid_t *gid, void *arg);
	int (*is_member)(uid_t uid, gid_t gid, gid_t group, void *arg);
	void *arg;
};

/* The credentials of FD's peer (as of its connect()). 0 or -errno with ERR. */
int peercred_get(int fd, struct peercred *pc, char *err, size_t errlen);

/*
 * The access PC gets, in *ACCESS, with GROUP the read-only group and LOOKUP
 * NULL for the system's databases. Returns 0 (FULL or READONLY) or, with
 * *ACCESS = PEERCRED_REFUSED and ERR saying why and what would grant access,
 * -EACCES (refused) or another negative errno (a lookup failed).
 */
int peercred_decide(const struct peercred *pc, const char *group,
		    const struct peercred_lookup *lookup, enum peercred_access *access,
		    char *err, size_t errlen);

const char *peercred_access_name(enum peercred_access a);
#endif
