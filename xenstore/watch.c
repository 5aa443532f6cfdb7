/* watch: per-connection watches and the firing of events to them. */
#include "server.h"
#include "path.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void watch_free(struct xs_watch *w)
{
	free(w->path);
	free(w->abs);
	free(w->token);
	free(w);
}

int watch_add(struct xs_conn *c, const char *path, const char *token, int depth)
{
	int err = 0;
	size_t max = c->privileged ? XENSTORE_ABS_PATH_MAX : (size_t)c->srv->opt.quota.v[XS_Q_PATH_MAX];
	char *abs = xs_path_canon(path, c->domid, max, &err);
	if (!abs)
		return -err;
	for (struct xs_watch *w = c->watches; w; w = w->next) {
		if (strcmp(w->abs, abs) == 0 && strcmp(w->token, token) == 0) {
			free(abs);
			return -EEXIST;
		}
	}
	uint64_t limit = conn_quota(c)->v[XS_Q_WATCHES];
	if (!c->privileged && limit && c->nwatches >= limit) {
		free(abs);
		return -E2BIG;
	}
	struct xs_watch *w = calloc(1, sizeof(*w));
	if (!w) {
		free(abs);
		return -ENOMEM;
	}
	w->path = strdup(path);
	w->token = strdup(token);
	w->abs = abs;
	w->depth = depth;
	if (!w->path || !w->token) {
		watch_free(w);
		return -ENOMEM;
	}
	/* Appended: events for a path go out in registration order. */
	struct xs_watch **p = &c->watches;
	while (*p)
		p = &(*p)->next;
	*p = w;
	c->nwatches++;
	return 0;
}

int watch_del(struct xs_conn *c, const char *path, const char *token)
{
	int err = 0;
	size_t max = c->privileged ? XENSTORE_ABS_PATH_MAX : (size_t)c->srv->opt.quota.v[XS_Q_PATH_MAX];
	char *abs = xs_path_canon(path, c->domid, max, &err);
	if (!abs)
		return -err;
	for (struct xs_watch **p = &c->watches; *p; p = &(*p)->next) {
		struct xs_watch *w = *p;
		if (strcmp(w->abs, abs) == 0 && strcmp(w->token, token) == 0) {
			*p = w->next;
			c->nwatches--;
			watch_free(w);
			free(abs);
			return 0;
		}
	}
	free(abs);
	return -ENOENT;
}

void watch_free_all(struct xs_conn *c)
{
	while (c->watches) {
		struct xs_watch *w = c->watches;
		c->watches = w->next;
		watch_free(w);
	}
	c->nwatches = 0;
}

void watch_send(struct xs_conn *c, const struct xs_watch *w, const char *abs_path)
{
	const char *epath = abs_path;
	/* A relative watch gets relative event paths. */
	if (w->path[0] != '/' && w->path[0] != '@') {
		char base[32];
		int bl = snprintf(base, sizeof(base), "/local/domain/%u/", c->domid);
		if (strncmp(abs_path, base, (size_t)bl) == 0)
			epath = abs_path + bl;
	}
	size_t pl = strlen(epath) + 1, tl = strlen(w->token) + 1;
	char buf[XENSTORE_PAYLOAD_MAX];
	if (pl + tl > sizeof(buf))
		return;
	memcpy(buf, epath, pl);
	memcpy(buf + pl, w->token, tl);
	conn_send(c, XS_WATCH_EVENT, 0, 0, buf, (uint32_t)(pl + tl), true);
}

static bool may_see(const struct xs_conn *c, const struct xs_perms *perms)
{
	if (c->privileged)
		return true;
	return xs_perms_access(perms, c->domid, c->target) & XS_PERM_READ;
}

void watch_fire_events(struct xs_server *s, struct xs_event *events)
{
	for (struct xs_event *e = events; e; e = e->next) {
		for (struct xs_conn *c = s->conns; c; c = c->next) {
			if (c->dead)
				continue;
			for (struct xs_watch *w = c->watches; w; w = w->next) {
				if (w->abs[0] == '@')
					continue;
				if (xs_path_is_child(e->path, w->abs)) {
					if (!may_see(c, &e->perms))
						continue;
					if (w->depth >= 0 &&
					    xs_path_depth_below(e->path, w->abs) > (unsigned)w->depth)
						continue;
					watch_send(c, w, e->path);
				} else if (e->removed && xs_path_is_child(w->abs, e->path)) {
					/* The watched node went with a removed parent: seen by
					 * those who could read it (or its nearest removed parent). */
					const struct xs_perms *p = &e->perms;
					size_t best = strlen(e->path);
					for (struct xs_event *b = e->below; b; b = b->next) {
						size_t bl = strlen(b->path);
						if (bl > best && xs_path_is_child(w->abs, b->path)) {
							best = bl;
							p = &b->perms;
						}
					}
					if (may_see(c, p))
						watch_send(c, w, w->abs);
				}
			}
		}
	}
	events_free(events);
}

void watch_fire_special(struct xs_server *s, const char *name, unsigned domid)
{
	const struct xs_perms *perms = store_special_perms(&s->store, name);
	char withid[64];
	snprintf(withid, sizeof(withid), "%s/%u", name, domid);
	size_t nl = strlen(name);
	for (struct xs_conn *c = s->conns; c; c = c->next) {
		if (c->dead || (perms && !may_see(c, perms)))
			continue;
		for (struct xs_watch *w = c->watches; w; w = w->next) {
			if (strncmp(w->abs, name, nl) != 0)
				continue;
			if (w->abs[nl] == '\0')
				watch_send(c, w, w->depth == 1 ? withid : name);
			else if (strcmp(w->abs, withid) == 0)
				watch_send(c, w, withid);
		}
	}
}
