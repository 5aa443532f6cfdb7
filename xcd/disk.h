/*
 * disk: one DISKSPEC of xl-disk-configuration(5), e.g.
 * "/dev/vg/guest,raw,xvda,rw" or "format=qcow2, vdev=xvdb, target=/img,1".
 *
 * Parsing follows libxlutil's disk lexer (a longest-match scanner): keyword
 * parameters, flags, positional target/format/vdev/access, "target=" taking
 * the rest of the spec, the deprecated "raw:", "phy:", "tap:aio:", "iscsi:"...
 * prefixes and the deprecated "<vdev>:cdrom" form. Fields and defaults are
 * those of libxl_device_disk after xlu_disk_parse: format raw, read-write,
 * a cdrom removable and read-only (and of format "empty" without a target).
 * What libxl decides later (the backend type when not given, the backend
 * domain id) is left for device creation.
 *
 * One difference: "trusted"/"untrusted" are flags as the man page says;
 * the 4.17 libxlutil takes them for a positional target.
 */
#ifndef XCD_DISK_H
#define XCD_DISK_H
#include "../lib/cfgfile.h"
#include <stdbool.h>
#include <stddef.h>
#include <yajl/yajl_gen.h>

/* Values and names as libxl_disk_format, libxl_disk_backend, ... */
enum disk_format {
	DISK_FORMAT_UNKNOWN = 0,
	DISK_FORMAT_QCOW = 1,
	DISK_FORMAT_QCOW2 = 2,
	DISK_FORMAT_VHD = 3,
	DISK_FORMAT_RAW = 4,
	DISK_FORMAT_EMPTY = 5,
	DISK_FORMAT_QED = 6,
};

enum disk_backend {
	DISK_BACKEND_UNKNOWN = 0, /* libxl chooses */
	DISK_BACKEND_PHY = 1,
	DISK_BACKEND_TAP = 2,
	DISK_BACKEND_QDISK = 3,
	DISK_BACKEND_STANDALONE = 4,
};

enum disk_specification {
	DISK_SPECIFICATION_UNKNOWN = 0, /* means xen */
	DISK_SPECIFICATION_XEN = 1,
	DISK_SPECIFICATION_VIRTIO = 2,
};

struct disk {
	char *backend_domname; /* NULL: domain 0 */
	char *pdev_path;       /* the target; "" for an empty cdrom */
	char *vdev;
	enum disk_backend backend;
	enum disk_format format;
	char *script;
	int removable;
	int readwrite;
	int is_cdrom;
	bool direct_io_safe;
	enum cfg_defbool discard_enable; /* default: on */
	enum disk_specification specification;
	enum cfg_defbool colo_enable;
	char *colo_host;
	int colo_port;
	char *colo_export;
	char *active_disk;
	char *hidden_disk;
	enum cfg_defbool trusted; /* default: trusted */
};

/*
 * Parses SPEC into *out (which the caller frees with disk_free). On error,
 * returns -EINVAL, *out is untouched and err says what is wrong, near which
 * part: "unknown value for format 'qcow3'".
 */
int disk_parse(const char *spec, struct disk *out, char *err, size_t errlen);

void disk_free(struct disk *d);

/* libxl's names: "raw", "qcow2", "phy", "qdisk", "virtio"... */
const char *disk_format_name(enum disk_format f);
const char *disk_backend_name(enum disk_backend b);
const char *disk_specification_name(enum disk_specification sp);

/* The disk as libxl_device_disk_gen_json prints it (defaults left out). */
yajl_gen_status disk_to_json(yajl_gen g, const struct disk *d);

#endif
