/* utf8: strict UTF-8 (see utf8.h). */
#include "utf8.h"
#include <string.h>

size_t utf8_next(const char *s, size_t len, uint32_t *cp, const char **why)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *w;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	size_t n;
	uint32_t c, min;
	if (u[0] >= 0xC2 && u[0] <= 0xDF) {
		n = 2, c = u[0] & 0x1F, min = 0x80;
	} else if ((u[0] & 0xF0) == 0xE0) {
		n = 3, c = u[0] & 0x0F, min = 0x800;
	} else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
		n = 4, c = u[0] & 0x07, min = 0x10000;
	} else {
		/* C0 and C1 can only start overlong forms of ASCII; F5..F7 start
		 * code points above U+10FFFF; F8..FF are in no form at all. */
		if (why)
			*why = u[0] == 0xC0 || u[0] == 0xC1 ? "an overlong form"
			     : u[0] >= 0xF8		   ? "a byte UTF-8 never uses"
			     : u[0] >= 0xF5		   ? "a code point above U+10FFFF"
							   : "a continuation byte out of place";
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (i >= len || (u[i] & 0xC0) != 0x80) {
			if (why)
				*why = "a truncated sequence";
			return 0;
		}
		c = c << 6 | (u[i] & 0x3F);
	}
	if (c < min)
		w = "an overlong form";
	else if (c >= 0xD800 && c <= 0xDFFF)
		w = "a UTF-16 surrogate";
	else if (c > 0x10FFFF)
		w = "a code point above U+10FFFF";
	else
		w = NULL;
	if (w) {
		if (why)
			*why = w;
		return 0;
	}
	*cp = c;
	return n;
}

size_t utf8_invalid(const char *s, size_t len, const char **why)
{
	size_t i = 0;
	while (i < len) {
		/* ASCII runs are most of what is checked. */
		if ((unsigned char)s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		size_t n = utf8_next(s + i, len - i, &cp, why);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

void utf8_trim_tail(char *s)
{
	size_t n = strlen(s), i = n;
	while (i > 0 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0) {
		s[0] = '\0';
		return;
	}
	unsigned char c = (unsigned char)s[i - 1];
	size_t need = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
	if (need != n - (i - 1))
		s[i - 1] = '\0';
}
