/* devid: PV device numbers and names as Xen and libxl give them. */
#include "devid.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* "a".."z", "aa".. as a bijective base-26 number from 0; -1 if none. */
static long letters(const char **p)
{
	long n = -1;
	const char *s = *p;
	while (*s >= 'a' && *s <= 'z') {
		n = (n + 1) * 26 + (*s - 'a');
		if (n > (1L << 20))
			return -1;
		s++;
	}
	*p = s;
	return n;
}

/* A decimal number without a sign or a leading zero (0 alone is fine); -1 if none. */
static long number(const char **p)
{
	const char *s = *p;
	long n = 0;
	if (*s < '0' || *s > '9' || (s[0] == '0' && s[1] >= '0' && s[1] <= '9'))
		return -1;
	while (*s >= '0' && *s <= '9') {
		n = n * 10 + (*s - '0');
		if (n > (1L << 28))
			return -1;
		s++;
	}
	*p = s;
	return n;
}

/* xvd numbering: 202 major for 16 disks of 15 partitions, the extended
 * form beyond (blkif.h). */
static int xvd(long disk, long part, int *devid)
{
	if (disk < 16 && part < 16)
		*devid = (202 << 8) | (int)(disk << 4) | (int)part;
	else if (disk < (1L << 20) && part < 256)
		*devid = (1 << 28) | (int)(disk << 8) | (int)part;
	else
		return -EINVAL;
	return 0;
}

int devid_from_vdev(const char *vdev, int *devid, char *err, size_t errlen)
{
	const char *p = vdev;
	long disk = -1, part = 0;
	int rc = -EINVAL;
	if (!vdev || !*vdev) {
		snprintf(err, errlen, "empty vdev");
		return -EINVAL;
	}
	if (*p >= '0' && *p <= '9') {
		long n = number(&p);
		if (n < 0 || *p) {
			snprintf(err, errlen, "vdev %.40s: not a device number", vdev);
			return -EINVAL;
		}
		*devid = (int)n;
		return 0;
	}
	if (!strncmp(p, "xvd", 3) || !strncmp(p, "hd", 2) || !strncmp(p, "sd", 2)) {
		char kind = *p;
		p += kind == 'x' ? 3 : 2;
		disk = letters(&p);
		if (disk >= 0 && *p && (part = number(&p)) < 0)
			disk = -1;
		if (disk < 0 || *p)
			goto bad;
		if (kind == 'x')
			rc = xvd(disk, part, devid);
		else if (kind == 'h' && disk < 4 && part < 64) {
			*devid = ((disk < 2 ? 3 : 22) << 8) | (int)((disk & 1) << 6) | (int)part;
			rc = 0;
		} else if (kind == 's' && disk < 16 && part < 16) {
			*devid = (8 << 8) | (int)(disk << 4) | (int)part;
			rc = 0;
		}
	} else if (*p == 'd') {
		p++;
		disk = number(&p);
		if (disk >= 0 && *p == 'p') {
			p++;
			part = number(&p);
		}
		if (disk < 0 || part < 0 || *p)
			goto bad;
		rc = xvd(disk, part, devid);
	} else {
		goto bad;
	}
	if (rc < 0)
		snprintf(err, errlen, "vdev %.40s: disk or partition number out of range", vdev);
	return rc;
bad:
	snprintf(err, errlen, "vdev %.40s: expected xvdX[N], hdX[N], sdX[N], dNpM or a number",
		 vdev);
	return -EINVAL;
}

void devid_default_mac(const uint8_t uuid[16], int devid, uint8_t mac[6])
{
	/* FNV-1a over uuid and devid: stable, spread, no randomness needed. */
	uint32_t h = 2166136261u;
	for (int i = 0; i < 16; i++)
		h = (h ^ uuid[i]) * 16777619u;
	for (int i = 0; i < 4; i++)
		h = (h ^ (uint8_t)((unsigned)devid >> (8 * i))) * 16777619u;
	mac[0] = 0x00;
	mac[1] = 0x16;
	mac[2] = 0x3e;
	/* The top bit clear, as libxl, keeps clear of other Xen-prefix users. */
	mac[3] = (uint8_t)(h >> 16) & 0x7f;
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

void devid_mac_string(const uint8_t m[6], char out[18])
{
	snprintf(out, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

void devid_vif_name(uint32_t domid, int devid, char *out, size_t len)
{
	snprintf(out, len, "vif%u.%d", domid, devid);
}
