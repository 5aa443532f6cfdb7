/*
 * cfgfile: the file grammar of xl.cfg(5).
 *
 * A file is a series of KEY = VALUE (or KEY += VALUE) settings separated by
 * newlines or ';'. A VALUE is a string in single or double quotes, a number
 * (decimal, 0x hex, 0 octal, or negative decimal), or a list [ v, v, ... ]
 * that may span lines, nest, and end with a comma. '#' starts a comment.
 * Command-line overrides (`xl create cfg KEY=VALUE`) use the same grammar and
 * are merged after the file: '=' replaces an earlier setting, '+=' appends to
 * an earlier list or concatenates to an earlier string, as libxlutil does.
 *
 * As in libxlutil, a number that C's strtol cannot read (08, 12abc, one too
 * large) is kept as a string: it is an error only where a number is needed.
 *
 * Differences from libxlutil (xl's own parser), all of them extensions:
 * negative numbers, upper-case hex digits, CR LF line ends, a last line
 * without a newline, and \xHH / \ooo escapes that produce their byte
 * (libxlutil rejects the first and silently drops the second). A string
 * must be valid UTF-8 once its escapes are applied (strict: no overlong
 * forms, no surrogates): it is refused with its FILE:LINE:COLUMN, since it
 * would reach JSON and the log. Comments may hold any bytes.
 */
#ifndef XCD_CFGFILE_H
#define XCD_CFGFILE_H
#include <stdbool.h>
#include <stddef.h>

/* Inputs larger than this are refused with an error rather than read. */
#define CFGFILE_MAX_SIZE (4u << 20)
/* Lists nested deeper than this are refused (the parser recurses). */
#define CFGFILE_MAX_DEPTH 32

enum cfg_type { CFG_STRING, CFG_NUMBER, CFG_LIST };

/* Where something was written: column counts bytes from 1. */
struct cfg_pos {
	const char *file; /* owned by the struct cfgfile it came from */
	unsigned line;
	unsigned column;
};

struct cfg_value {
	enum cfg_type type;
	struct cfg_pos pos;
	/* CFG_STRING: the text between the quotes with escapes applied.
	 * CFG_NUMBER: the number as written (xl lets a number stand for a
	 * string, e.g. vncpasswd = 1234). NULL for CFG_LIST. */
	char *text;
	long long num;           /* CFG_NUMBER */
	struct cfg_value *items; /* CFG_LIST */
	size_t n_items;
};

struct cfg_setting {
	char *key;
	struct cfg_pos pos; /* of the key of the setting in effect */
	struct cfg_value value;
};

/* The settings in effect, in the order their keys first appeared. */
struct cfgfile {
	struct cfg_setting *settings;
	size_t n_settings;
	/* private */
	size_t cap;
	char **names;
	size_t n_names;
	void *index;
};

/* A default-able boolean, as libxl's libxl_defbool. */
enum cfg_defbool { CFG_DEFBOOL_DEFAULT = 0, CFG_DEFBOOL_FALSE, CFG_DEFBOOL_TRUE };

/*
 * All functions return 0 or a negative errno value; on error they fill err
 * (if errlen > 0) with "FILE:LINE:COLUMN: what was expected" and leave
 * their outputs untouched.
 */

/* Parses DATA (LEN bytes, named NAME in positions) into a new *out. */
int cfgfile_parse(const char *name, const char *data, size_t len,
		  struct cfgfile **out, char *err, size_t errlen);

/* Reads and parses the file at PATH. */
int cfgfile_load(const char *path, struct cfgfile **out, char *err, size_t errlen);

/* Merges more settings, parsed from DATA, into CF: all or nothing. */
int cfgfile_merge(struct cfgfile *cf, const char *name, const char *data, size_t len,
		  char *err, size_t errlen);

/*
 * Merges one command-line argument such as `memory=512` or
 * `vif+=["bridge=br1"]; vcpus=2` into CF, as `xl create FILE ARG...` does.
 * NAME names the argument in messages (e.g. "command line argument 2").
 */
int cfgfile_override(struct cfgfile *cf, const char *name, const char *arg,
		     char *err, size_t errlen);

const struct cfg_setting *cfgfile_get(const struct cfgfile *cf, const char *key);

/* The name of the first input (the file), for messages about the whole of it. */
const char *cfgfile_name(const struct cfgfile *cf);

void cfgfile_free(struct cfgfile *cf);

/* "string", "number" or "list", for messages. */
const char *cfg_type_name(enum cfg_type type);

#endif
