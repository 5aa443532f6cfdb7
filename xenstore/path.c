#include "path.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool valid_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '/' || c == '_' || c == '@';
}

static bool valid_chars(const char *p, size_t max_len)
{
	size_t n = 0;
	char prev = 0;
	for (; *p; p++, n++) {
		if (!valid_char(*p) || (*p == '/' && prev == '/'))
			return false;
		prev = *p;
	}
	if (n == 0 || n > max_len)
		return false;
	if (n > 1 && prev == '/')
		return false;
	return true;
}

bool xs_path_valid(const char *path, size_t max_len)
{
	return path[0] == '/' && valid_chars(path, max_len);
}

bool xs_path_valid_watch(const char *path, size_t max_len)
{
	if (path[0] == '@')
		return valid_chars(path, max_len);
	return xs_path_valid(path, max_len);
}

char *xs_path_canon(const char *path, unsigned domid, size_t max_len, int *err)
{
	char *abs;
	if (path[0] == '/' || path[0] == '@') {
		abs = strdup(path);
	} else {
		if (path[0] == '\0') {
			*err = EINVAL;
			return NULL;
		}
		if (asprintf(&abs, "/local/domain/%u/%s", domid, path) < 0)
			abs = NULL;
	}
	if (!abs) {
		*err = ENOMEM;
		return NULL;
	}
	bool ok = abs[0] == '@' ? xs_path_valid_watch(abs, max_len) : xs_path_valid(abs, max_len);
	if (!ok) {
		free(abs);
		*err = EINVAL;
		return NULL;
	}
	return abs;
}

char *xs_path_parent(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash || (slash == path && path[1] == '\0'))
		return NULL;
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

const char *xs_path_basename(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

bool xs_path_is_child(const char *child, const char *parent)
{
	size_t n = strlen(parent);
	if (strcmp(parent, "/") == 0)
		return child[0] == '/';
	return strncmp(child, parent, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

unsigned xs_path_depth_below(const char *child, const char *parent)
{
	if (strcmp(child, parent) == 0)
		return 0;
	size_t n = strcmp(parent, "/") == 0 ? 0 : strlen(parent);
	unsigned depth = 0;
	for (const char *p = child + n; *p; p++)
		if (*p == '/')
			depth++;
	return depth;
}
