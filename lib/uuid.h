/* uuid: the 16 bytes of a domain's uuid and their text form
 * xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx (lower-case hex when written, either
 * case when read), as Xen, libxl and xenstore's /vm paths spell them. */
#ifndef XCD_UUID_H
#define XCD_UUID_H
#include <stdint.h>

#define UUID_STR_LEN 36

void uuid_format(const uint8_t u[16], char out[UUID_STR_LEN + 1]);
/* uuid_format into OUT, which it returns: for a message, with UUID_STR. */
const char *uuid_str(const uint8_t u[16], char out[UUID_STR_LEN + 1]);
/* U's text form in a buffer that lives until the end of the enclosing block:
 * log_info("... %s", UUID_STR(d->uuid)). */
#define UUID_STR(u) uuid_str((u), (char[UUID_STR_LEN + 1]){ 0 })
/* 0, or -EINVAL when S is not exactly that form. */
int uuid_parse(const char *s, uint8_t out[16]);
/* A new random (version 4) uuid, as xl makes for a config without one. 0 or
 * a negative errno (no randomness to be had). */
int uuid_random(uint8_t out[16]);
#endif
