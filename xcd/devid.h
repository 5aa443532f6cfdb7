/*
 * devid: how Xen numbers and names PV devices: a disk's virtual-device
 * number from its vdev (xvda, hdc, sdb2, d0p1, or a number), as
 * xen/include/public/io/blkif.h and libxl's vdev rules define it; the MAC a
 * vif gets when none is configured; the name of a vif's backend interface.
 */
#ifndef XCD_DEVID_H
#define XCD_DEVID_H
#include <stddef.h>
#include <stdint.h>

/* *devid from VDEV; -EINVAL with the reason in err when VDEV names nothing. */
int devid_from_vdev(const char *vdev, int *devid, char *err, size_t errlen);

/* 00:16:3e (Xen's prefix) and three bytes derived from the domain's uuid and
 * the vif's devid, so a restarted domain keeps its MACs. */
void devid_default_mac(const uint8_t uuid[16], int devid, uint8_t mac[6]);

/* "aa:bb:cc:dd:ee:ff" into OUT (18 bytes). */
void devid_mac_string(const uint8_t mac[6], char out[18]);

/* netback's name for the interface of vif DEVID of DOMID: "vifDOMID.DEVID". */
void devid_vif_name(uint32_t domid, int devid, char *out, size_t len);
#endif
