/* peercred: SO_PEERCRED and the access decision (see peercred.h). */
#include "peercred.h"
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int peercred_get(int fd, struct peercred *pc, char *err, size_t errlen)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0) {
		int e = errno;
		snprintf(err, errlen, "SO_PEERCRED: %s", strerror(e));
		return -e;
	}
	pc->pid = uc.pid;
	pc->uid = uc.uid;
	pc->gid = uc.gid;
	return 0;
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

/* Supplementary groups come from the user's name (getgrouplist); a uid with no
 * passwd entry has only the primary group of its process. */
static int sys_is_member(uid_t uid, gid_t gid, gid_t group, void *arg)
{
	if (gid == group)
		return 1;
	size_t size = 4096;
	char *buf;
	struct passwd pw, *res = NULL;
	for (;;) {
		buf = malloc(size);
		if (!buf)
			return -ENOMEM;
		int e = getpwuid_r(uid, &pw, buf, size, &res);
		if (e == ERANGE && size < LOOKUP_BUF_MAX) {
			free(buf);
			size *= 2;
			continue;
		}
		if (e) {
			free(buf);
			return -e;
		}
		break;
	}
	if (!res) {
		free(buf);
		return 0;
	}
	int n = 64, r = 0;
	gid_t *groups = NULL;
	for (;;) {
		gid_t *ng = realloc(groups, (size_t)n * sizeof(*groups));
		if (!ng) {
			r = -ENOMEM;
			break;
		}
		groups = ng;
		int want = n;
		if (getgrouplist(pw.pw_name, gid, groups, &want) >= 0) {
			for (int i = 0; i < want; i++)
				if (groups[i] == group)
					r = 1;
			break;
		}
		/* want now holds the number needed; guard against a lookup that
		 * keeps changing its mind. */
		if (want <= n || want > 65536) {
			r = -EIO;
			break;
		}
		n = want;
	}
	free(groups);
	free(buf);
	return r;
}

static const struct peercred_lookup sys_lookup = { sys_group_gid, sys_is_member, NULL };

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
	if (r == 0) {
		r = lookup->is_member(pc->uid, pc->gid, ggid, lookup->arg);
		if (r == 1) {
			*access = PEERCRED_READONLY;
			return 0;
		}
	}
	if (r < 0) {
		snprintf(err, errlen,
			 "uid %lu (pid %ld) refused: cannot check membership of group \"%s\": %s",
			 (unsigned long)pc->uid, (long)pc->pid, group, strerror(-r));
		return r;
	}
	snprintf(err, errlen,
		 "uid %lu (gid %lu, pid %ld) refused: xcdd serves root (full access) and "
		 "members of group \"%s\" (read-only access)",
		 (unsigned long)pc->uid, (unsigned long)pc->gid, (long)pc->pid, group);
	return -EACCES;
}
