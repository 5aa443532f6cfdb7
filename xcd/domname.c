/* domname: what may name a domain (see domname.h). */
#include "domname.h"
#include "../lib/utf8.h"
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Characters that change how a line reads without being seen. */
static bool invisible_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x200E || cp == 0x200F ||
	       cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

const char *domname_quote(const char *name, char *out, size_t len)
{
	size_t o = 0, n = strlen(name);
	for (size_t i = 0; i < n;) {
		char piece[16];
		uint32_t cp = 0;
		size_t k = utf8_next(name + i, n - i, &cp, NULL);
		if (k && !invisible_control(cp) && cp != '\\') {
			memcpy(piece, name + i, k);
			piece[k] = '\0';
		} else {
			snprintf(piece, sizeof(piece), "\\x%02x", (unsigned char)name[i]);
			k = 1;
		}
		size_t pl = strlen(piece);
		if (o + pl + 4 > len) {
			snprintf(out + o, len - o, "...");
			return out;
		}
		memcpy(out + o, piece, pl);
		o += pl;
		i += k;
	}
	out[o] = '\0';
	return out;
}

size_t domname_cut(const char *name, size_t max)
{
	size_t n = strlen(name), i = 0;
	while (i < n) {
		uint32_t cp;
		size_t k = utf8_next(name + i, n - i, &cp, NULL);
		if (!k)
			k = 1;
		if (i + k > max)
			break;
		i += k;
	}
	return i;
}

#define REFUSED "\"%s\" cannot name a domain: "

int domname_check(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);
	char q[96];
	if (n == 0) {
		snprintf(err, errlen, "an empty string cannot name a domain");
		return -EINVAL;
	}
	domname_quote(name, q, sizeof(q));
	if (n > DOMNAME_MAX) {
		snprintf(err, errlen, REFUSED "%zu bytes, more than the %d a name may have", q,
			 n, DOMNAME_MAX);
		return -EINVAL;
	}
	const char *why = NULL;
	size_t bad = utf8_invalid(name, n, &why);
	if (bad != n) {
		snprintf(err, errlen, REFUSED "not valid UTF-8 at byte %zu: %s", q, bad, why);
		return -EINVAL;
	}
	for (size_t i = 0; i < n;) {
		uint32_t cp = 0;
		size_t k = utf8_next(name + i, n - i, &cp, NULL);
		if (invisible_control(cp)) {
			snprintf(err, errlen, REFUSED "a control character (U+%04X) at byte %zu: "
				 "a name must read as it prints", q, (unsigned)cp, i);
			return -EINVAL;
		}
		if (cp == '/') {
			snprintf(err, errlen, REFUSED "'/' at byte %zu: a name is used in file "
				 "names", q, i);
			return -EINVAL;
		}
		i += k;
	}
	if (strspn(name, "0123456789") == n) {
		snprintf(err, errlen, REFUSED "all digits, which xcd takes for a domid", q);
		return -EINVAL;
	}
	if (name[0] == '-') {
		snprintf(err, errlen, REFUSED "starts with '-', which xcd takes for an option", q);
		return -EINVAL;
	}
	if (!strcmp(name, "Domain-0")) {
		snprintf(err, errlen, "\"Domain-0\" cannot name a domain: it is dom0's name");
		return -EINVAL;
	}
	return 0;
}
