/*
 * domname: what may name a domain.
 *
 * One rule for every way a name comes in: name= in an xl.cfg file (parsed
 * by domcfg, so `xcd create --dry-run` says so with FILE:LINE), domain.create
 * and domain.rename (the domain manager's dm_name_check, which adds that the name
 * must be free), and, when they come, restore and migrate-receive, which
 * must call dm_name_check too. A name is:
 *  - 1 to DOMNAME_MAX bytes of valid UTF-8 (strict: no overlong forms nor
 *    surrogates), so that every JSON reader of `xcd list --json` and of the
 *    notifications takes it;
 *  - free of control characters (C0, DEL, C1), of U+2028/U+2029 (line and
 *    paragraph separators) and of the bidirectional controls (U+200E,
 *    U+200F, U+202A..U+202E, U+2066..U+2069): a newline would split
 *    `xcd list` and the log, a right-to-left override would show one name as
 *    another;
 *  - free of '/' (a name is used in file names: guest-NAME.log);
 *  - not all ASCII digits, which `xcd` takes for a domid, and not starting
 *    with '-', which it takes for an option;
 *  - not "Domain-0", dom0's name, which `xcd domid Domain-0` must find.
 */
#ifndef XCD_DOMNAME_H
#define XCD_DOMNAME_H
#include <stddef.h>

/*
 * xl has no limit; xenstore would take 4 KiB. 64 bytes, as a host name
 * (HOST_NAME_MAX), holds any name a person types and keeps `xcd list`, the
 * log and guest-NAME.log readable; rename-restart's NAME-YYYYMMDDTHHMMZ-NN
 * is cut to fit it (domname_cut).
 */
#define DOMNAME_MAX 64

/*
 * 0 if NAME may name a domain, else -EINVAL with ERR saying why and where
 * ("a control character (U+000A) at byte 1"); ERR quotes NAME only through
 * domname_quote.
 */
int domname_check(const char *name, char *err, size_t errlen);

/* NAME for a message: printable ASCII and valid UTF-8 as they are, anything
 * else as \xHH, cut to fit OUT (LEN > 4) with "..." at the end. Returns OUT. */
const char *domname_quote(const char *name, char *out, size_t len);

/* The length of NAME's longest prefix of at most MAX bytes that does not
 * split a UTF-8 sequence. */
size_t domname_cut(const char *name, size_t max);

#endif
