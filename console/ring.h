/* ring: the backend's side of a console ring (xen/io/console.h) in guest
 * memory. The page is the guest's to scribble on at any time: every index is
 * read once and checked before it is used, and nothing read from it can
 * take this process outside the page. */
#ifndef XCD_CONSOLE_RING_H
#define XCD_CONSOLE_RING_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <xen/io/console.h>

/* The guest's pending output, copied to buf (at least sizeof(r->out) bytes)
 * and consumed. Returns the bytes copied (0: none), or -EPROTO when the
 * guest's indexes span more than the ring: its output is then skipped
 * (out_cons set to out_prod) so that a broken guest cannot wedge us. */
ssize_t ring_take_output(struct xencons_interface *r, char *buf);
/* Free bytes in the input ring, or -EPROTO when its indexes are out of
 * range (input then stops). */
ssize_t ring_input_room(const struct xencons_interface *r);
/* Appends n bytes to the input ring: n at most ring_input_room's answer. */
void ring_put_input(struct xencons_interface *r, const char *p, size_t n);
#endif
