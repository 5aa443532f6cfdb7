/*
 * utf8: strict UTF-8 (RFC 3629), as JSON peers and terminals expect it.
 *
 * yajl's own check lets through overlong forms (C0 AF for '/'), UTF-16
 * surrogates (ED A0 80) and code points above U+10FFFF; a string that passed
 * it can make a stricter reader (Python's json) refuse a whole answer. What
 * crosses into xcdd (JSON-RPC, xl.cfg text) is checked here instead.
 */
#ifndef XCD_UTF8_H
#define XCD_UTF8_H
#include <stddef.h>
#include <stdint.h>

/*
 * The offset of the first byte of S (LEN bytes) that does not start a valid
 * sequence, or LEN if all of S is valid. *WHY (if WHY) says what is wrong
 * there ("an overlong form", "a UTF-16 surrogate", ...).
 */
size_t utf8_invalid(const char *s, size_t len, const char **why);

/*
 * Reads one sequence at S (LEN > 0 bytes): its length, with its code point in
 * *CP, or 0 if it is not valid (*WHY says why).
 */
size_t utf8_next(const char *s, size_t len, uint32_t *cp, const char **why);

/* Drops an incomplete UTF-8 sequence at the end of S, left by truncating it
 * to fit a buffer: yajl_gen refuses invalid UTF-8, and a message carried in
 * JSON would be lost. */
void utf8_trim_tail(char *s);
#endif
