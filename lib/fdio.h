/* fdio: whole writes to a descriptor, and the monotonic clock in ms: what
 * several programs here need around their own loops. */
#ifndef XCD_FDIO_H
#define XCD_FDIO_H
#include <stddef.h>
#include <stdint.h>

/* Writes all N bytes, again after EINTR and short writes (a blocking fd:
 * EAGAIN fails). 0, or a negative errno. */
int fd_write_all(int fd, const void *p, size_t n);
/* Milliseconds on CLOCK_MONOTONIC (the same clock as loop_now_ms). */
uint64_t mono_ms(void);
#endif
