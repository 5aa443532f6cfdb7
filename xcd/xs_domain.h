/*
 * xs_domain: a domain's own xenstore entries, as libxl writes them for a PV
 * or PVH guest (docs/misc/xenstore-paths): its home /local/domain/DOMID,
 * /vm/UUID, the toolstack's /libxl/DOMID, and INTRODUCE of its store ring.
 *
 * Permissions as libxl's: dom0 owns the home and /vm/UUID, the domain reads
 * them; the nodes tagged [w] (control/shutdown, control/feature-*,
 * control/sysrq, data, drivers, feature, attr, error) belong to the domain;
 * /libxl/DOMID is dom0's alone.
 */
#ifndef XCD_XS_DOMAIN_H
#define XCD_XS_DOMAIN_H
#include "../hv/hv.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xenstore.h>

struct xsd_domain {
	uint32_t domid;
	const char *name;
	const char *uuid;
	bool pvh;
	uint64_t max_kb, target_kb;
	uint32_t max_vcpus, vcpus; /* vcpus online at start */
	long long start_sec;
	long start_usec;
	const char *kernel, *ramdisk, *cmdline; /* NULL: none */
};

/* Every entry of a new domain, before it is built (stale ones replaced). */
int xsd_create(struct xs_handle *xs, const struct xsd_domain *d, char *err, size_t errlen);
/* After the build: store/ and console/ ring and port, and INTRODUCE when the
 * backend gave a store ring (store_pfn != 0). */
int xsd_built(struct xs_handle *xs, uint32_t domid, const struct hv_build_result *b,
	      char *err, size_t errlen);
/* RELEASE (when introduced) and removal of the home, /vm/UUID and /libxl/DOMID. */
int xsd_remove(struct xs_handle *xs, uint32_t domid, const char *uuid, char *err,
	       size_t errlen);
int xsd_rename(struct xs_handle *xs, uint32_t domid, const char *uuid, const char *name,
	       char *err, size_t errlen);
/* The domain's /vm/OLD moves to /vm/UUID (its uuid node saying so) and its
 * home's vm node follows: a domain given another uuid (rename-restart). */
int xsd_set_uuid(struct xs_handle *xs, uint32_t domid, const char *old, const char *uuid,
		 char *err, size_t errlen);
/* memory/NODE ("target": the balloon's goal; "static-max") := KB. */
int xsd_set_memory(struct xs_handle *xs, uint32_t domid, const char *node, uint64_t kb,
		   char *err, size_t errlen);
/* cpu/K/availability: online below ONLINE, offline up to MAX. */
int xsd_set_vcpus(struct xs_handle *xs, uint32_t domid, uint32_t max, uint32_t online,
		  char *err, size_t errlen);
/* A guest restored from a save it suspended itself for (a PVH guest, by
 * xcd or xl alike) answers control/shutdown: it did, to suspend. Its Linux
 * wrote control/feature-poweroff, -reboot and -suspend once, at boot, into
 * the old domain's entries, and does not write them again when it resumes:
 * this writes them for it, in its new entries (guest-owned, as created). */
int xsd_resumed_features(struct xs_handle *xs, uint32_t domid, char *err, size_t errlen);
/* Whether the guest said it answers control/shutdown's COMMAND ("poweroff",
 * "reboot"): its control/feature-COMMAND is "1". */
bool xsd_pv_control(struct xs_handle *xs, uint32_t domid, const char *command);
/* Writes COMMAND to control/shutdown, the request a PV guest acts on. */
int xsd_request_shutdown(struct xs_handle *xs, uint32_t domid, const char *command, char *err,
			 size_t errlen);
/* Whether /local/domain/DOMID/vm is /vm/UUID: the entries are this domain's. */
bool xsd_is_ours(struct xs_handle *xs, uint32_t domid, const char *uuid);
#endif
