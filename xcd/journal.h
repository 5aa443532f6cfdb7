/*
 * journal: what xcdd must remember across a restart, one JSON file per domain
 * (KEY.json) in one directory. A write replaces the file atomically (temporary
 * file, fsync, rename, fsync of the directory), so a crash leaves either the
 * old record or the new one, never half of one.
 */
#ifndef XCD_JOURNAL_H
#define XCD_JOURNAL_H
#include <stddef.h>
#include <yajl/yajl_tree.h>

struct journal;

/* Largest record journal_load_all() reads. */
#define JOURNAL_MAX_RECORD (16 * 1024 * 1024)
/* Longest key (a domain name or uuid). */
#define JOURNAL_MAX_KEY 128

/* Opens DIR, creating it mode 0700 if absent (not its parents). */
int journal_open(const char *dir, struct journal **out, char *err, size_t errlen);
void journal_close(struct journal *j);

/*
 * Whether KEY can name a record: 1 to JOURNAL_MAX_KEY bytes, no '/', no "..",
 * not starting with '.', no control characters. 0 or -EINVAL with ERR.
 */
int journal_key_check(const char *key, char *err, size_t errlen);

/* Replaces KEY's record with TEXT (LEN bytes of JSON made by yajl_gen). */
int journal_write(struct journal *j, const char *key, const char *text, size_t len, char *err,
		  size_t errlen);
/* KEY's record as it is on disk (*TEXT malloc'd, NUL-terminated): 0,
 * -ENOENT (none; ERR untouched), or -errno with ERR. */
int journal_read(struct journal *j, const char *key, char **text, size_t *len, char *err,
		 size_t errlen);
/* Removes KEY's record: 0, -ENOENT if there is none, or -errno. */
int journal_remove(struct journal *j, const char *key, char *err, size_t errlen);

struct journal_load_ops {
	/* Each record that parses as a JSON object; TREE is freed after the call.
	 * Non-zero stops the load, and journal_load_all returns it. */
	int (*record)(const char *key, yajl_val tree, void *arg);
	/* Each file that is not a record, by name, with what was done about it:
	 * a leftover temporary file (ignored, kept), an unreadable or invalid
	 * record (moved aside to NAME.corrupt), a file set aside earlier. */
	void (*problem)(const char *name, const char *what, void *arg);
	void *arg;
};

/* Reads every KEY.json in name order. 0, a record callback's value, or -errno. */
int journal_load_all(struct journal *j, const struct journal_load_ops *ops, char *err,
		     size_t errlen);
#endif
