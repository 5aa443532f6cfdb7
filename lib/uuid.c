/* uuid: format, parse and make domain uuids (see uuid.h). */
#include "uuid.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

void uuid_format(const uint8_t u[16], char out[UUID_STR_LEN + 1])
{
	snprintf(out, UUID_STR_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
		 u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13],
		 u[14], u[15]);
}

const char *uuid_str(const uint8_t u[16], char out[UUID_STR_LEN + 1])
{
	uuid_format(u, out);
	return out;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int uuid_parse(const char *s, uint8_t out[16])
{
	uint8_t u[16];
	size_t k = 0;
	if (strlen(s) != UUID_STR_LEN)
		return -EINVAL;
	for (size_t i = 0; i < UUID_STR_LEN; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return -EINVAL;
			continue;
		}
		int h = hexval(s[i]), l = hexval(s[i + 1]);
		if (h < 0 || l < 0)
			return -EINVAL;
		u[k++] = (uint8_t)(h * 16 + l);
		i++;
	}
	memcpy(out, u, sizeof(u));
	return 0;
}

int uuid_random(uint8_t out[16])
{
	ssize_t n = getrandom(out, 16, 0);
	if (n != 16)
		return n < 0 ? -errno : -EIO;
	out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);
	out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);
	return 0;
}
