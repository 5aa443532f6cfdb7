/*
 * peercred: who is at the other end of a Unix socket (SO_PEERCRED and
 * SO_PEERGROUPS), and what xcdd lets them do: root everything, members of the
 * API group (`xcd`) read only, anyone else nothing. Membership is the
 * connecting process's own: its gid or one of its supplementary groups as
 * they were at connect(), as for file permissions, not the group database.
 */
#ifndef XCD_PEERCRED_H
#define XCD_PEERCRED_H
#include <stddef.h>
#include <sys/types.h>

struct peercred {
	pid_t pid;
	uid_t uid;
	gid_t gid;
	/* Supplementary groups (malloc'd; peercred_free). Empty on kernels
	 * before 4.13, which lack SO_PEERGROUPS: there only GID counts. */
	gid_t *groups;
	size_t ngroups;
};

enum peercred_access {
	PEERCRED_REFUSED,
	PEERCRED_READONLY,
	PEERCRED_FULL,
};

/*
 * How the group's name becomes its gid: the system's group database by
 * default; tests inject their own. group_gid: 0 and *gid, -ENOENT if no such
 * group, or a negative errno.
 */
struct peercred_lookup {
	int (*group_gid)(const char *group, gid_t *gid, void *arg);
	void *arg;
};

/* The credentials of FD's peer (as of its connect()). 0 or -errno with ERR;
 * on success free them with peercred_free. */
int peercred_get(int fd, struct peercred *pc, char *err, size_t errlen);
void peercred_free(struct peercred *pc);

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
