/* proto: the xenstore wire protocol (xen/io/xs_wire.h) and the message types
 * that Xen's header of this Debian release does not list yet. */
#ifndef XS_PROTO_H
#define XS_PROTO_H
#include <errno.h>
#include <stdint.h>
#include <xen/io/xs_wire.h>

/* docs/misc/xenstore.txt: GET/SET_FEATURE and GET/SET_QUOTA follow DIRECTORY_PART. */
#define XS_GET_FEATURE (XS_DIRECTORY_PART + 1)
#define XS_SET_FEATURE (XS_DIRECTORY_PART + 2)
#define XS_GET_QUOTA (XS_DIRECTORY_PART + 3)
#define XS_SET_QUOTA (XS_DIRECTORY_PART + 4)
#define XS_MSG_TYPES (XS_DIRECTORY_PART + 5)

#define XS_HDR_SIZE ((uint32_t)sizeof(struct xsd_sockmsg))

const char *xs_type_name(uint32_t type);
/* Wire name of an errno ("EINVAL"); unknown values map to EINVAL like Xen. */
const char *xs_errno_name(int err);
/* errno for a wire name, or 0. */
int xs_errno_from_name(const char *name);
#endif
