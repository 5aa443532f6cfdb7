/* cfgfile: the file grammar of xl.cfg(5) (see cfgfile.h). */
#include "cfgfile.h"
#include "strmap.h"
#include "utf8.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum tok_kind {
	TOK_EOF,
	TOK_NEWLINE,
	TOK_SEMI,
	TOK_COMMA,
	TOK_LBRACK,
	TOK_RBRACK,
	TOK_EQ,
	TOK_ADDTO,
	TOK_IDENT,
	TOK_STRING,
	TOK_NUMBER,
};

struct token {
	enum tok_kind kind;
	struct cfg_pos pos;
	char *text; /* IDENT, STRING, NUMBER: malloc'd, owned by the token */
	long long num;
};

struct lexer {
	const char *p, *end;
	const char *line_start;
	unsigned line;
	const char *file;
	char *err;
	size_t errlen;
};

/* One parsed KEY op VALUE, applied only once the whole input has parsed. */
struct op {
	char *key;
	bool add;
	struct cfg_pos pos;
	struct cfg_value value;
};

struct ops {
	struct op *v;
	size_t n, cap;
};

const char *cfg_type_name(enum cfg_type type)
{
	switch (type) {
	case CFG_STRING:
		return "string";
	case CFG_NUMBER:
		return "number";
	case CFG_LIST:
		return "list";
	}
	return "value";
}

static void set_err(char *err, size_t errlen, const struct cfg_pos *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_err(char *err, size_t errlen, const struct cfg_pos *pos, const char *fmt, ...)
{
	if (!errlen)
		return;
	int n = 0;
	if (pos)
		n = snprintf(err, errlen, "%s:%u:%u: ", pos->file, pos->line, pos->column);
	if (n < 0 || (size_t)n >= errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
}

static void value_free(struct cfg_value *v)
{
	free(v->text);
	for (size_t i = 0; i < v->n_items; i++)
		value_free(&v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

static int value_copy(struct cfg_value *dst, const struct cfg_value *src)
{
	*dst = *src;
	dst->text = NULL;
	dst->items = NULL;
	dst->n_items = 0;
	if (src->text && !(dst->text = strdup(src->text)))
		return -ENOMEM;
	if (src->n_items) {
		dst->items = calloc(src->n_items, sizeof(*dst->items));
		if (!dst->items) {
			value_free(dst);
			return -ENOMEM;
		}
		for (size_t i = 0; i < src->n_items; i++) {
			dst->n_items = i + 1;
			int r = value_copy(&dst->items[i], &src->items[i]);
			if (r) {
				value_free(dst);
				return r;
			}
		}
	}
	return 0;
}

/* ---- lexer ---- */

static struct cfg_pos lex_pos(const struct lexer *lx, const char *at)
{
	struct cfg_pos pos = { lx->file, lx->line, (unsigned)(at - lx->line_start) + 1 };
	return pos;
}

static int lex_fail(struct lexer *lx, const char *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int lex_fail(struct lexer *lx, const char *at, const char *fmt, ...)
{
	struct cfg_pos pos = lex_pos(lx, at);
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	set_err(lx->err, lx->errlen, &pos, "%s", msg);
	return -EINVAL;
}

static bool is_key_start(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_key_char(char c)
{
	return is_key_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '_';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_number_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       c == '.';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A byte for messages: printable as itself, otherwise in hex. */
static const char *describe_byte(char c, char *buf, size_t len)
{
	unsigned char u = (unsigned char)c;
	if (u >= 0x20 && u < 0x7f)
		snprintf(buf, len, "'%c'", c);
	else if (u == 0)
		snprintf(buf, len, "NUL byte");
	else if (c == '\r')
		snprintf(buf, len, "carriage return");
	else
		snprintf(buf, len, "byte 0x%02x", u);
	return buf;
}

/* Reads a quoted string at lx->p (on the opening quote) with xl's escapes. */
static int lex_string(struct lexer *lx, struct token *t)
{
	const char *open = lx->p;
	char quote = *lx->p++;
	size_t cap = 16, n = 0;
	char *s = malloc(cap);
	if (!s)
		return -ENOMEM;
	for (;;) {
		if (lx->p >= lx->end || *lx->p == '\n') {
			free(s);
			return lex_fail(lx, open, "unterminated string: expected a closing %c "
				       "on the same line", quote);
		}
		char c = *lx->p;
		if (c == quote) {
			lx->p++;
			break;
		}
		if (c == '\0') {
			free(s);
			return lex_fail(lx, lx->p, "unexpected NUL byte in a string");
		}
		if (c == '\\') {
			const char *esc = lx->p++;
			if (lx->p >= lx->end || *lx->p == '\n') {
				free(s);
				return lex_fail(lx, open, "unterminated string: expected a closing "
					       "%c on the same line", quote);
			}
			char e = *lx->p++;
			unsigned val;
			switch (e) {
			case '"': case '\'': case '\\': c = e; break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'v': c = '\v'; break;
			case 'x':
				if (lx->end - lx->p < 2 || hex_digit(lx->p[0]) < 0 ||
				    hex_digit(lx->p[1]) < 0) {
					free(s);
					return lex_fail(lx, esc, "invalid escape: expected two hex "
						       "digits after \\x");
				}
				val = (unsigned)(hex_digit(lx->p[0]) * 16 + hex_digit(lx->p[1]));
				lx->p += 2;
				c = (char)val;
				break;
			default:
				if (e < '0' || e > '7') {
					char b[16];
					free(s);
					return lex_fail(lx, esc, "invalid escape: %s after a backslash "
						       "(expected one of \\\" \\' \\\\ \\a \\b \\f \\n "
						       "\\r \\t \\v \\xHH \\ooo)",
						       describe_byte(e, b, sizeof(b)));
				}
				val = (unsigned)(e - '0');
				for (int i = 0; i < 2 && lx->p < lx->end && *lx->p >= '0' &&
						*lx->p <= '7'; i++)
					val = val * 8 + (unsigned)(*lx->p++ - '0');
				if (val > 0377) {
					free(s);
					return lex_fail(lx, esc, "invalid escape: octal value above "
						       "\\377");
				}
				c = (char)val;
				break;
			}
			if (c == '\0') {
				free(s);
				return lex_fail(lx, esc, "invalid escape: a string cannot contain "
					       "a NUL byte");
			}
		} else {
			lx->p++;
		}
		if (n + 1 >= cap) {
			char *ns = realloc(s, cap *= 2);
			if (!ns) {
				free(s);
				return -ENOMEM;
			}
			s = ns;
		}
		s[n++] = c;
	}
	s[n] = '\0';
	/* Strings reach JSON (xcdd's answers, the journal) and the log: they
	 * must be UTF-8 there. Latin-1 bytes or an escaped overlong '/' are
	 * refused here, where the file and line can still be named. */
	const char *why = NULL;
	size_t bad = utf8_invalid(s, n, &why);
	if (bad != n) {
		unsigned char b = (unsigned char)s[bad];
		free(s);
		return lex_fail(lx, open, "a string that is not valid UTF-8: byte %zu of its text "
			       "(0x%02x) is %s", bad, b, why);
	}
	t->kind = TOK_STRING;
	t->text = s;
	return 0;
}

/*
 * A number as libxlutil lexes it: a digit, then digits, a-f and x (A-F too,
 * here). One that strtoll's base 0 (xl's strtol) cannot read, such as 08 or
 * 12abc, stays a string, as libxlutil keeps every value as text: it is an
 * error only where a number is needed.
 */
static int lex_number(struct lexer *lx, struct token *t)
{
	const char *start = lx->p;
	if (*lx->p == '-')
		lx->p++;
	while (lx->p < lx->end && (is_digit(*lx->p) || hex_digit(*lx->p) >= 0 || *lx->p == 'x'))
		lx->p++;
	if (lx->p < lx->end && is_number_char(*lx->p)) {
		/* libxlutil fails here too (a number followed by a key): say why. */
		const char *e = lx->p;
		while (e < lx->end && is_number_char(*e))
			e++;
		return lex_fail(lx, start, "invalid number '%.*s' (a string needs quotes)",
				(int)(e - start), start);
	}
	char *s = strndup(start, (size_t)(lx->p - start));
	if (!s)
		return -ENOMEM;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 0);
	bool ok = !*end && end != s && errno != ERANGE;
	t->kind = ok ? TOK_NUMBER : TOK_STRING;
	t->text = s;
	t->num = ok ? v : 0;
	return 0;
}

/* Skips blanks and comments; fills *t with the next token. */
static int lex_next(struct lexer *lx, struct token *t)
{
	memset(t, 0, sizeof(*t));
	for (;;) {
		if (lx->p >= lx->end) {
			t->kind = TOK_EOF;
			t->pos = lex_pos(lx, lx->p);
			return 0;
		}
		char c = *lx->p;
		if (c == ' ' || c == '\t') {
			lx->p++;
		} else if (c == '\r' && lx->p + 1 < lx->end && lx->p[1] == '\n') {
			lx->p++; /* a CR LF line end */
		} else if (c == '#') {
			while (lx->p < lx->end && *lx->p != '\n')
				lx->p++;
		} else {
			break;
		}
	}
	const char *at = lx->p;
	char c = *at;
	t->pos = lex_pos(lx, at);
	switch (c) {
	case '\n':
		lx->p++;
		lx->line++;
		lx->line_start = lx->p;
		t->kind = TOK_NEWLINE;
		return 0;
	case ';': lx->p++; t->kind = TOK_SEMI; return 0;
	case ',': lx->p++; t->kind = TOK_COMMA; return 0;
	case '[': lx->p++; t->kind = TOK_LBRACK; return 0;
	case ']': lx->p++; t->kind = TOK_RBRACK; return 0;
	case '=': lx->p++; t->kind = TOK_EQ; return 0;
	case '+':
		if (lx->p + 1 < lx->end && lx->p[1] == '=') {
			lx->p += 2;
			t->kind = TOK_ADDTO;
			return 0;
		}
		return lex_fail(lx, at, "unexpected '+' (only '+=' is allowed)");
	case '"':
	case '\'':
		return lex_string(lx, t);
	}
	if (is_digit(c) || (c == '-' && lx->p + 1 < lx->end && is_digit(lx->p[1])))
		return lex_number(lx, t);
	if (is_key_start(c)) {
		while (lx->p < lx->end && is_key_char(*lx->p))
			lx->p++;
		t->kind = TOK_IDENT;
		t->text = strndup(at, (size_t)(lx->p - at));
		return t->text ? 0 : -ENOMEM;
	}
	char b[24];
	if (c >= 'A' && c <= 'Z')
		return lex_fail(lx, at, "unexpected %s (keys are lower-case)",
				describe_byte(c, b, sizeof(b)));
	if (c == '(' || c == ')' || c == '{' || c == '}')
		return lex_fail(lx, at, "unexpected %s (xl.cfg is not Python: lists use "
				"[ ] and strings quotes)", describe_byte(c, b, sizeof(b)));
	return lex_fail(lx, at, "unexpected %s", describe_byte(c, b, sizeof(b)));
}

static const char *describe_token(const struct token *t, char *buf, size_t len)
{
	switch (t->kind) {
	case TOK_EOF: return "the end of the input";
	case TOK_NEWLINE: return "the end of the line";
	case TOK_SEMI: return "';'";
	case TOK_COMMA: return "','";
	case TOK_LBRACK: return "'['";
	case TOK_RBRACK: return "']'";
	case TOK_EQ: return "'='";
	case TOK_ADDTO: return "'+='";
	case TOK_STRING: return "a string";
	case TOK_NUMBER: snprintf(buf, len, "the number %s", t->text); return buf;
	case TOK_IDENT: snprintf(buf, len, "'%.40s'", t->text); return buf;
	}
	return "something";
}

static void token_free(struct token *t)
{
	free(t->text);
	t->text = NULL;
}

/* ---- parser ---- */

static int parse_value(struct lexer *lx, struct token *first, struct cfg_value *out, int depth,
		       const char *after);

static int expected(struct lexer *lx, const struct token *t, const char *what)
{
	char b[64];
	set_err(lx->err, lx->errlen, &t->pos, "expected %s, found %s", what,
		describe_token(t, b, sizeof(b)));
	return -EINVAL;
}

/* Next token that is not a newline: lists may span lines. */
static int lex_next_in_list(struct lexer *lx, struct token *t)
{
	int r;
	while ((r = lex_next(lx, t)) == 0 && t->kind == TOK_NEWLINE)
		;
	return r;
}

static int parse_list(struct lexer *lx, const struct token *open, struct cfg_value *out,
		      int depth)
{
	size_t cap = 0;
	int r;
	out->type = CFG_LIST;
	out->pos = open->pos;
	if (depth >= CFGFILE_MAX_DEPTH) {
		set_err(lx->err, lx->errlen, &open->pos, "lists nested more than %d deep",
			CFGFILE_MAX_DEPTH);
		return -EINVAL;
	}
	for (;;) {
		struct token t;
		if ((r = lex_next_in_list(lx, &t)))
			return r;
		if (t.kind == TOK_RBRACK)
			return 0;
		if (t.kind == TOK_EOF) {
			set_err(lx->err, lx->errlen, &t.pos, "expected ']' to close the list "
				"opened at %u:%u, found the end of the input",
				open->pos.line, open->pos.column);
			return -EINVAL;
		}
		if (out->n_items == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct cfg_value *ni = realloc(out->items, ncap * sizeof(*ni));
			if (!ni) {
				token_free(&t);
				return -ENOMEM;
			}
			out->items = ni;
			cap = ncap;
		}
		struct cfg_value *item = &out->items[out->n_items];
		memset(item, 0, sizeof(*item));
		r = parse_value(lx, &t, item, depth + 1, "a value or ']' in the list");
		if (r) {
			value_free(item); /* a nested list may have items already */
			return r;
		}
		out->n_items++;
		if ((r = lex_next_in_list(lx, &t)))
			return r;
		if (t.kind == TOK_RBRACK)
			return 0;
		if (t.kind != TOK_COMMA) {
			r = expected(lx, &t, t.kind == TOK_EOF ? "']' to close the list"
							     : "',' or ']' after a list item");
			token_free(&t);
			return r;
		}
	}
}

/* Parses the value starting at token *first (whose text it takes over). */
static int parse_value(struct lexer *lx, struct token *first, struct cfg_value *out, int depth,
		       const char *what)
{
	switch (first->kind) {
	case TOK_STRING:
	case TOK_NUMBER:
		out->type = first->kind == TOK_STRING ? CFG_STRING : CFG_NUMBER;
		out->pos = first->pos;
		out->text = first->text;
		out->num = first->num;
		first->text = NULL;
		return 0;
	case TOK_LBRACK:
		return parse_list(lx, first, out, depth);
	default: {
		int r = expected(lx, first, what);
		token_free(first);
		return r;
	}
	}
}

static int ops_push(struct ops *ops, struct op *op)
{
	if (ops->n == ops->cap) {
		size_t ncap = ops->cap ? ops->cap * 2 : 16;
		struct op *nv = realloc(ops->v, ncap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		ops->v = nv;
		ops->cap = ncap;
	}
	ops->v[ops->n++] = *op;
	return 0;
}

static void ops_free(struct ops *ops)
{
	for (size_t i = 0; i < ops->n; i++) {
		free(ops->v[i].key);
		value_free(&ops->v[i].value);
	}
	free(ops->v);
}

static int parse_all(struct lexer *lx, struct ops *ops)
{
	int r;
	for (;;) {
		struct token t;
		if ((r = lex_next(lx, &t)))
			return r;
		if (t.kind == TOK_EOF)
			return 0;
		if (t.kind == TOK_NEWLINE || t.kind == TOK_SEMI)
			continue;
		if (t.kind != TOK_IDENT) {
			r = expected(lx, &t, "a setting (KEY = VALUE)");
			token_free(&t);
			return r;
		}
		struct op op = { .key = t.text, .pos = t.pos };
		struct token eq;
		if ((r = lex_next(lx, &eq))) {
			free(op.key);
			return r;
		}
		if (eq.kind != TOK_EQ && eq.kind != TOK_ADDTO) {
			char what[96];
			snprintf(what, sizeof(what), "'=' or '+=' after '%.40s'", op.key);
			r = expected(lx, &eq, what);
			token_free(&eq);
			free(op.key);
			return r;
		}
		op.add = eq.kind == TOK_ADDTO;
		struct token v;
		if ((r = lex_next(lx, &v))) {
			free(op.key);
			return r;
		}
		r = parse_value(lx, &v, &op.value, 0, op.add ? "a value after '+='"
							     : "a value after '='");
		if (!r) {
			struct token end;
			r = lex_next(lx, &end);
			if (!r && end.kind != TOK_NEWLINE && end.kind != TOK_SEMI &&
			    end.kind != TOK_EOF) {
				char what[96];
				snprintf(what, sizeof(what), "a new line or ';' after the value "
					 "of '%.40s'", op.key);
				r = expected(lx, &end, what);
			}
			token_free(&end);
		}
		if (!r)
			r = ops_push(ops, &op);
		if (r) {
			free(op.key);
			value_free(&op.value);
			return r;
		}
	}
}

/* ---- settings ---- */

/* The index maps a key to its position in settings, plus one (NULL: absent). */
static struct strmap *index_of(const struct cfgfile *cf)
{
	return cf->index;
}

static void settings_free(struct cfgfile *cf)
{
	for (size_t i = 0; i < cf->n_settings; i++) {
		free(cf->settings[i].key);
		value_free(&cf->settings[i].value);
	}
	free(cf->settings);
	cf->settings = NULL;
	cf->n_settings = cf->cap = 0;
	if (cf->index) {
		strmap_destroy(cf->index);
		free(cf->index);
		cf->index = NULL;
	}
}

static int settings_init(struct cfgfile *cf)
{
	cf->index = calloc(1, sizeof(struct strmap));
	if (!cf->index)
		return -ENOMEM;
	if (strmap_init(cf->index)) {
		free(cf->index);
		cf->index = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int settings_copy(struct cfgfile *dst, const struct cfgfile *src)
{
	memset(dst, 0, sizeof(*dst));
	int r = settings_init(dst);
	if (r)
		return r;
	if (src->n_settings) {
		dst->settings = calloc(src->n_settings, sizeof(*dst->settings));
		if (!dst->settings)
			goto nomem;
		dst->cap = src->n_settings;
	}
	for (size_t i = 0; i < src->n_settings; i++) {
		struct cfg_setting *d = &dst->settings[i];
		const struct cfg_setting *s = &src->settings[i];
		d->pos = s->pos;
		if (!(d->key = strdup(s->key)))
			goto nomem;
		dst->n_settings = i + 1;
		if (value_copy(&d->value, &s->value))
			goto nomem;
		if (strmap_put(dst->index, d->key, (void *)(uintptr_t)(i + 1), NULL))
			goto nomem;
	}
	return 0;
nomem:
	settings_free(dst);
	return -ENOMEM;
}

/* Applies one op to CF, taking over op's key and value. */
static int apply_op(struct cfgfile *cf, struct op *op, char *err, size_t errlen)
{
	uintptr_t slot = (uintptr_t)strmap_get(index_of(cf), op->key);
	if (slot) {
		struct cfg_setting *s = &cf->settings[slot - 1];
		if (!op->add) {
			value_free(&s->value);
			s->value = op->value;
			s->pos = op->pos;
			memset(&op->value, 0, sizeof(op->value));
			free(op->key);
			op->key = NULL;
			return 0;
		}
		struct cfg_value *old = &s->value;
		if ((old->type == CFG_LIST) != (op->value.type == CFG_LIST)) {
			set_err(err, errlen, &op->value.pos, "'+=' cannot add a %s to '%s', "
				"which is a %s (set at %s:%u:%u)", cfg_type_name(op->value.type),
				op->key, cfg_type_name(old->type), s->pos.file, s->pos.line,
				s->pos.column);
			return -EINVAL;
		}
		if (old->type == CFG_LIST) {
			size_t n = old->n_items + op->value.n_items;
			if (op->value.n_items) {
				struct cfg_value *ni = realloc(old->items, n * sizeof(*ni));
				if (!ni)
					return -ENOMEM;
				memcpy(ni + old->n_items, op->value.items,
				       op->value.n_items * sizeof(*ni));
				old->items = ni;
				old->n_items = n;
				free(op->value.items);
				op->value.items = NULL;
				op->value.n_items = 0;
			}
		} else {
			/* As libxlutil: scalars concatenate, and the result is a string. */
			size_t a = strlen(old->text), b = strlen(op->value.text);
			char *t = malloc(a + b + 1);
			if (!t)
				return -ENOMEM;
			memcpy(t, old->text, a);
			memcpy(t + a, op->value.text, b + 1);
			free(old->text);
			old->text = t;
			old->type = CFG_STRING;
			old->num = 0;
		}
		value_free(&op->value);
		free(op->key);
		op->key = NULL;
		return 0;
	}
	/* A first '+=' is an assignment, as in libxlutil. */
	if (cf->n_settings == cf->cap) {
		size_t ncap = cf->cap ? cf->cap * 2 : 16;
		struct cfg_setting *ns = realloc(cf->settings, ncap * sizeof(*ns));
		if (!ns)
			return -ENOMEM;
		cf->settings = ns;
		cf->cap = ncap;
	}
	if (strmap_put(index_of(cf), op->key, (void *)(uintptr_t)(cf->n_settings + 1), NULL))
		return -ENOMEM;
	struct cfg_setting *s = &cf->settings[cf->n_settings++];
	s->key = op->key;
	s->pos = op->pos;
	s->value = op->value;
	op->key = NULL;
	memset(&op->value, 0, sizeof(op->value));
	return 0;
}

static const char *intern_name(struct cfgfile *cf, const char *name)
{
	char **nn = realloc(cf->names, (cf->n_names + 1) * sizeof(*nn));
	if (!nn)
		return NULL;
	cf->names = nn;
	if (!(nn[cf->n_names] = strdup(name)))
		return NULL;
	return nn[cf->n_names++];
}

int cfgfile_merge(struct cfgfile *cf, const char *name, const char *data, size_t len,
		  char *err, size_t errlen)
{
	if (errlen)
		err[0] = '\0';
	if (len > CFGFILE_MAX_SIZE) {
		set_err(err, errlen, NULL, "%s: too large (%zu bytes; the limit is %u)", name,
			len, CFGFILE_MAX_SIZE);
		return -EFBIG;
	}
	const char *file = intern_name(cf, name);
	if (!file) {
		set_err(err, errlen, NULL, "%s: out of memory", name);
		return -ENOMEM;
	}
	struct lexer lx = {
		.p = data, .end = data + len, .line_start = data, .line = 1,
		.file = file, .err = err, .errlen = errlen,
	};
	struct ops ops = { 0 };
	int r = parse_all(&lx, &ops);
	struct cfgfile next;
	if (!r)
		r = settings_copy(&next, cf);
	if (!r) {
		for (size_t i = 0; i < ops.n && !r; i++)
			r = apply_op(&next, &ops.v[i], err, errlen);
		if (r) {
			settings_free(&next);
		} else {
			settings_free(cf);
			cf->settings = next.settings;
			cf->n_settings = next.n_settings;
			cf->cap = next.cap;
			cf->index = next.index;
		}
	}
	ops_free(&ops);
	if (r == -ENOMEM)
		set_err(err, errlen, NULL, "%s: out of memory", name);
	return r;
}

int cfgfile_parse(const char *name, const char *data, size_t len, struct cfgfile **out,
		  char *err, size_t errlen)
{
	struct cfgfile *cf = calloc(1, sizeof(*cf));
	if (!cf || settings_init(cf)) {
		free(cf);
		set_err(err, errlen, NULL, "%s: out of memory", name);
		return -ENOMEM;
	}
	int r = cfgfile_merge(cf, name, data, len, err, errlen);
	if (r) {
		cfgfile_free(cf);
		return r;
	}
	*out = cf;
	return 0;
}

int cfgfile_load(const char *path, struct cfgfile **out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		set_err(err, errlen, NULL, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	size_t cap = 65536, len = 0;
	char *buf = malloc(cap);
	int r = buf ? 0 : -ENOMEM;
	while (!r) {
		if (len == cap) {
			if (cap > CFGFILE_MAX_SIZE) {
				set_err(err, errlen, NULL, "%s: too large (more than %u bytes)",
					path, CFGFILE_MAX_SIZE);
				r = -EFBIG;
				break;
			}
			char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				r = -ENOMEM;
				break;
			}
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			set_err(err, errlen, NULL, "%s: cannot read: %s", path, strerror(errno));
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (r == -ENOMEM)
		set_err(err, errlen, NULL, "%s: out of memory", path);
	if (!r)
		r = cfgfile_parse(path, buf, len, out, err, errlen);
	free(buf);
	return r;
}

int cfgfile_override(struct cfgfile *cf, const char *name, const char *arg, char *err,
		     size_t errlen)
{
	if (!strchr(arg, '=')) {
		set_err(err, errlen, NULL, "%s: expected KEY=VALUE, found '%.60s'", name, arg);
		return -EINVAL;
	}
	return cfgfile_merge(cf, name, arg, strlen(arg), err, errlen);
}

const struct cfg_setting *cfgfile_get(const struct cfgfile *cf, const char *key)
{
	uintptr_t slot = (uintptr_t)strmap_get(index_of(cf), key);
	return slot ? &cf->settings[slot - 1] : NULL;
}

const char *cfgfile_name(const struct cfgfile *cf)
{
	return cf->n_names ? cf->names[0] : "configuration";
}

void cfgfile_free(struct cfgfile *cf)
{
	if (!cf)
		return;
	settings_free(cf);
	for (size_t i = 0; i < cf->n_names; i++)
		free(cf->names[i]);
	free(cf->names);
	free(cf);
}
