/* peercred: SO_PEERCRED and the access decision (see peercred.h). */
#include "peercred.h"
#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* More than any kernel allows (NGROUPS_MAX is 65536): a bound for the loop. */
#define PEERGROUPS_MAX 65536

/* FD's peer's supplementary groups, as they were at its connect(). */
static int peer_groups(int fd, struct peercred *pc, char *err, size_t errlen)
{
#ifdef SO_PEERGROUPS
	socklen_t len = 64 * sizeof(gid_t);
	for (;;) {
		gid_t *g = malloc(len);
		if (!g) {
			snprintf(err, errlen, "SO_PEERGROUPS: out of memory");
			return -ENOMEM;
		}
		socklen_t got = len;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &got) == 0) {
			pc->groups = g;
			pc->ngroups = got / sizeof(gid_t);
			return 0;
		}
		int e = errno;
		free(g);
		/* The kernel says how much it needs. */
		if (e == ERANGE && got > len && got <= PEERGROUPS_MAX * sizeof(gid_t)) {
			len = got;
			continue;
		}
		if (e == ENOPROTOOPT)
			return 0; /* before Linux 4.13: the primary group only */
		snprintf(err, errlen, "SO_PEERGROUPS: %s", strerror(e));
		return -e;
	}
#else
	return 0;
#endif
}

int peercred_get(int fd, struct peercred *pc, char *err, size_t errlen)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	memset(pc, 0, sizeof(*pc));
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		int e = errno;
		snprintf(err, errlen, "SO_PEERCRED: %s", strerror(e));
		return -e;
	}
	pc->pid = uc.pid;
	pc->uid = uc.uid;
	pc->gid = uc.gid;
	return peer_groups(fd, pc, err, errlen);
}

void peercred_free(struct peercred *pc)
{
	free(pc->groups);
	pc->groups = NULL;
	pc->ngroups = 0;
}

/* getgr*_r and getpw*_r want a buffer of a size they do not know in advance. */
#define LOOKUP_BUF_MAX (1 << 20)

static int sys_group_gid(const char *group, gid_t *gid, void *arg)
{
	size_t size = 4096;
	for (;;) {
		struct group gr, *res = NULL;
		char *buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		int e = getgrnam_r(group, &gr, buf, size, &res);
		if (res)
			*gid = gr.gr_gid;
		free(buf);
		if (e == ERANGE && size < LOOKUP_BUF_MAX) {
			size *= 2;
			continue;
		}
		if (e)
			return -e;
		return res ? 0 : -ENOENT;
	}
}

/* The process's own groups decide, not the user's entry in the group
 * database: a member who dropped the group (setpriv --clear-groups, a
 * service's SupplementaryGroups) is no member, one given it is. */
static bool in_groups(const struct peercred *pc, gid_t group)
{
	if (pc->gid == group)
		return true;
	for (size_t i = 0; i < pc->ngroups; i++)
		if (pc->groups[i] == group)
			return true;
	return false;
}

static const struct peercred_lookup sys_lookup = { sys_group_gid, NULL };

const char *peercred_access_name(enum peercred_access a)
{
	switch (a) {
	case PEERCRED_FULL:
		return "full";
	case PEERCRED_READONLY:
		return "read-only";
	default:
		return "refused";
	}
}

int peercred_decide(const struct peercred *pc, const char *group,
		    const struct peercred_lookup *lookup, enum peercred_access *access,
		    char *err, size_t errlen)
{
	if (!lookup)
		lookup = &sys_lookup;
	*access = PEERCRED_REFUSED;
	if (pc->uid == 0) {
		*access = PEERCRED_FULL;
		return 0;
	}
	gid_t ggid;
	int r = lookup->group_gid(group, &ggid, lookup->arg);
	if (r == -ENOENT) {
		snprintf(err, errlen,
			 "uid %lu (pid %ld) refused: only root may use xcdd, since group \"%s\" "
			 "(read-only access) does not exist on this host",
			 (unsigned long)pc->uid, (long)pc->pid, group);
		return -EACCES;
	}
	if (r == 0 && in_groups(pc, ggid)) {
		*access = PEERCRED_READONLY;
		return 0;
	}
	if (r < 0) {
		snprintf(err, errlen,
			 "uid %lu (pid %ld) refused: cannot check membership of group \"%s\": %s",
			 (unsigned long)pc->uid, (long)pc->pid, group, strerror(-r));
		return r;
	}
	snprintf(err, errlen,
		 "uid %lu (gid %lu, pid %ld) refused: xcdd serves root (full access) and "
		 "members of group \"%s\" (read-only access; the connecting process's own "
		 "groups count)",
		 (unsigned long)pc->uid, (unsigned long)pc->gid, (long)pc->pid, group);
	return -EACCES;
}
