/* journal: one JSON file per domain, replaced atomically (see journal.h). */
#include "journal.h"
#include "../lib/fdio.h"
#include "../lib/jsonrpc.h"
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SUFFIX ".json"
#define TMP_SUFFIX ".json.tmp"
#define CORRUPT_SUFFIX ".corrupt"
/* Records are ours, but a corrupt one must not overflow the stack of
 * yajl_tree_free, which recurses. */
#define RECORD_MAX_DEPTH 256

struct journal {
	int dirfd;
	char *dir;
};

int journal_open(const char *dir, struct journal **out, char *err, size_t errlen)
{
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		snprintf(err, errlen, "journal %s: cannot create: %s", dir, strerror(e));
		return -e;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, errlen, "journal %s: %s", dir, strerror(e));
		return -e;
	}
	struct journal *j = calloc(1, sizeof(*j));
	if (!j || !(j->dir = strdup(dir))) {
		free(j);
		close(fd);
		snprintf(err, errlen, "journal %s: out of memory", dir);
		return -ENOMEM;
	}
	j->dirfd = fd;
	*out = j;
	return 0;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	close(j->dirfd);
	free(j->dir);
	free(j);
}

int journal_key_check(const char *key, char *err, size_t errlen)
{
	size_t len = strlen(key);
	const char *why = NULL;
	if (!len)
		why = "is empty";
	else if (len > JOURNAL_MAX_KEY)
		why = "is too long";
	else if (key[0] == '.')
		why = "starts with '.'";
	else if (strchr(key, '/'))
		why = "contains '/'";
	else if (strstr(key, ".."))
		why = "contains \"..\"";
	for (size_t i = 0; !why && i < len; i++)
		if ((unsigned char)key[i] < 0x20 || key[i] == 0x7f)
			why = "contains a control character";
	if (!why)
		return 0;
	/* Printed with %.*s and only if printable: the name may be anything. */
	bool printable = len <= JOURNAL_MAX_KEY;
	for (size_t i = 0; printable && i < len; i++)
		printable = (unsigned char)key[i] >= 0x20 && key[i] != 0x7f;
	if (printable)
		snprintf(err, errlen, "journal key \"%s\" %s", key, why);
	else
		snprintf(err, errlen, "journal key %s", why);
	return -EINVAL;
}

static int fail(char *err, size_t errlen, int e, const struct journal *j, const char *name,
		const char *what)
{
	snprintf(err, errlen, "journal %s/%s: %s: %s", j->dir, name, what, strerror(e));
	return -e;
}

int journal_write(struct journal *j, const char *key, const char *text, size_t len, char *err,
		  size_t errlen)
{
	int r = journal_key_check(key, err, errlen);
	if (r)
		return r;
	if (len > JOURNAL_MAX_RECORD) {
		snprintf(err, errlen, "journal %s/%s" SUFFIX ": record of %zu bytes is over the "
			 "limit of %d", j->dir, key, len, JOURNAL_MAX_RECORD);
		return -EFBIG;
	}
	char name[JOURNAL_MAX_KEY + sizeof(SUFFIX)], tmp[JOURNAL_MAX_KEY + sizeof(TMP_SUFFIX)];
	snprintf(name, sizeof(name), "%s" SUFFIX, key);
	snprintf(tmp, sizeof(tmp), "%s" TMP_SUFFIX, key);
	/* One writer (xcdd) per journal, so a fixed temporary name is enough and
	 * a crash leaves at most one leftover per key, replaced by the next write. */
	int fd = openat(j->dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			0600);
	if (fd < 0)
		return fail(err, errlen, errno, j, tmp, "cannot create");
	r = fd_write_all(fd, text, len);
	if (r) {
		fail(err, errlen, -r, j, tmp, "cannot write");
	} else if (fsync(fd) < 0) {
		r = fail(err, errlen, errno, j, tmp, "fsync");
	}
	if (close(fd) < 0 && !r)
		r = fail(err, errlen, errno, j, tmp, "close");
	if (!r && renameat(j->dirfd, tmp, j->dirfd, name) < 0)
		r = fail(err, errlen, errno, j, name, "cannot rename the new record into place");
	if (r) {
		unlinkat(j->dirfd, tmp, 0);
		return r;
	}
	/* The rename is durable only once the directory is on disk. */
	if (fsync(j->dirfd) < 0)
		return fail(err, errlen, errno, j, ".", "fsync");
	return 0;
}

int journal_remove(struct journal *j, const char *key, char *err, size_t errlen)
{
	int r = journal_key_check(key, err, errlen);
	if (r)
		return r;
	char name[JOURNAL_MAX_KEY + sizeof(SUFFIX)];
	snprintf(name, sizeof(name), "%s" SUFFIX, key);
	if (unlinkat(j->dirfd, name, 0) < 0)
		return fail(err, errlen, errno, j, name, "cannot remove");
	if (fsync(j->dirfd) < 0)
		return fail(err, errlen, errno, j, ".", "fsync");
	return 0;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The directory's entries, sorted, so that loads happen in a stable order. */
static int list_names(struct journal *j, char ***out, size_t *count, char *err, size_t errlen)
{
	int fd = openat(j->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return fail(err, errlen, e, j, ".", "cannot list");
	}
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r = 0;
	errno = 0;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap = cap ? cap * 2 : 16) * sizeof(*names));
			if (!nn) {
				r = -ENOMEM;
				break;
			}
			names = nn;
		}
		if (!(names[n] = strdup(de->d_name))) {
			r = -ENOMEM;
			break;
		}
		n++;
		errno = 0;
	}
	if (!r && errno)
		r = -errno;
	closedir(d);
	if (r) {
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		return fail(err, errlen, -r, j, ".", "cannot list");
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_names);
	*out = names;
	*count = n;
	return 0;
}

/* NAME's contents, NUL-terminated: 0, -EFBIG (too large), -EINVAL (not a
 * regular file), or -errno. */
static int read_record(struct journal *j, const char *name, char **out, size_t *outlen)
{
	int fd = openat(j->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	struct stat st;
	int r = 0;
	char *buf = NULL;
	size_t len = 0;
	if (fstat(fd, &st) < 0)
		r = -errno;
	else if (!S_ISREG(st.st_mode))
		r = -EINVAL;
	else if (st.st_size > JOURNAL_MAX_RECORD)
		r = -EFBIG;
	else if (!(buf = malloc((size_t)st.st_size + 1)))
		r = -ENOMEM;
	while (!r && len < (size_t)st.st_size) {
		ssize_t got = read(fd, buf + len, (size_t)st.st_size - len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			r = -errno;
		else if (got == 0)
			break; /* shrank while read: parse what is there */
		else
			len += (size_t)got;
	}
	close(fd);
	if (r) {
		free(buf);
		return r;
	}
	buf[len] = '\0';
	*out = buf;
	*outlen = len;
	return 0;
}

int journal_read(struct journal *j, const char *key, char **text, size_t *len, char *err,
		 size_t errlen)
{
	int r = journal_key_check(key, err, errlen);
	if (r)
		return r;
	char name[JOURNAL_MAX_KEY + sizeof(SUFFIX)];
	snprintf(name, sizeof(name), "%s" SUFFIX, key);
	r = read_record(j, name, text, len);
	if (r == -ENOENT)
		return r;
	if (r)
		return fail(err, errlen, r == -EFBIG ? EFBIG : -r, j, name, "cannot read");
	return 0;
}

/* Moves NAME out of the way of loads and writes, never over another file:
 * NAME.corrupt, or NAME.corrupt.1 … .9 if earlier ones are there. */
static int set_aside(struct journal *j, const char *name, char *to, size_t tolen)
{
	for (int i = 0; i < 10; i++) {
		if (i)
			snprintf(to, tolen, "%s" CORRUPT_SUFFIX ".%d", name, i);
		else
			snprintf(to, tolen, "%s" CORRUPT_SUFFIX, name);
		if (renameat2(j->dirfd, name, j->dirfd, to, RENAME_NOREPLACE) == 0) {
			fsync(j->dirfd);
			return 0;
		}
		if (errno != EEXIST)
			return -errno;
	}
	return -EEXIST;
}

static void report(const struct journal_load_ops *ops, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void report(const struct journal_load_ops *ops, const char *name, const char *fmt, ...)
{
	if (!ops->problem)
		return;
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	ops->problem(name, what, ops->arg);
}

static void load_corrupt(struct journal *j, const struct journal_load_ops *ops,
			 const char *name, const char *why)
{
	char to[NAME_MAX + 1];
	int r = set_aside(j, name, to, sizeof(to));
	if (r)
		report(ops, name, "%s; not loaded, and could not be moved aside: %s", why,
		       strerror(-r));
	else
		report(ops, name, "%s; moved aside to %s", why, to);
}

/* One KEY.json: the record callback's value, or 0 after reporting a problem. */
static int load_one(struct journal *j, const struct journal_load_ops *ops, const char *name)
{
	char key[NAME_MAX + 1], msg[256];
	size_t klen = strlen(name) - strlen(SUFFIX);
	snprintf(key, sizeof(key), "%.*s", (int)klen, name);
	if (journal_key_check(key, msg, sizeof(msg))) {
		report(ops, name, "not a record name (%s): ignored", msg);
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	int r = read_record(j, name, &text, &len);
	if (r == -EFBIG) {
		load_corrupt(j, ops, name, "larger than a record can be");
		return 0;
	}
	if (r == -EINVAL || r == -ELOOP) {
		report(ops, name, "not a regular file: ignored");
		return 0;
	}
	if (r) {
		/* Perhaps passing (EIO, EMFILE): keep the file for a later start. */
		report(ops, name, "cannot read: %s; not loaded", strerror(-r));
		return 0;
	}
	r = jsonrpc_check_text(text, len, RECORD_MAX_DEPTH, msg, sizeof(msg));
	yajl_val tree = NULL;
	if (!r) {
		char ybuf[128];
		tree = yajl_tree_parse(text, ybuf, sizeof(ybuf));
		if (!tree)
			snprintf(msg, sizeof(msg), "invalid JSON");
		else if (!YAJL_IS_OBJECT(tree))
			snprintf(msg, sizeof(msg), "a record must be a JSON object");
	}
	free(text);
	if (!tree || !YAJL_IS_OBJECT(tree)) {
		yajl_tree_free(tree);
		load_corrupt(j, ops, name, msg);
		return 0;
	}
	r = ops->record ? ops->record(key, tree, ops->arg) : 0;
	yajl_tree_free(tree);
	return r;
}

int journal_load_all(struct journal *j, const struct journal_load_ops *ops, char *err,
		     size_t errlen)
{
	char **names = NULL;
	size_t n = 0;
	int r = list_names(j, &names, &n, err, errlen);
	if (r)
		return r;
	for (size_t i = 0; i < n; i++) {
		const char *name = names[i];
		if (r)
			; /* a record callback stopped the load: free the rest */
		else if (ends_with(name, TMP_SUFFIX))
			report(ops, name, "temporary file left by an interrupted write: "
			       "ignored (the record it was replacing is unchanged)");
		else if (ends_with(name, SUFFIX))
			r = load_one(j, ops, name);
		else if (strstr(name, SUFFIX CORRUPT_SUFFIX))
			report(ops, name, "record set aside earlier as corrupt: ignored");
		else
			report(ops, name, "not a journal file: ignored");
		free(names[i]);
	}
	free(names);
	if (r)
		snprintf(err, errlen, "journal %s: loading stopped by a record (%d)", j->dir, r);
	return r;
}
