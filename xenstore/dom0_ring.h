/* dom0_ring: the xenstore ring of a Linux dom0's own kernel. Its page and
 * port are what the Linux kernel publishes (/dev/xen/xsd_kva or
 * /proc/xen/xsd_kva, /proc/xen/xsd_port): a fact of a Linux dom0, not of
 * the hypervisor, so it is not in hv. */
#ifndef XS_DOM0_RING_H
#define XS_DOM0_RING_H

/* 1 when this dom0's kernel offers its ring (the files exist). */
int dom0_ring_present(void);
/* Maps the page and reads the port; 0 or -errno (logged). */
int dom0_ring_map(void **page, unsigned *port);
void dom0_ring_unmap(void *page);
#endif
