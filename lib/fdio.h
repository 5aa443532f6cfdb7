/* fdio: whole reads and writes of a descriptor, and the monotonic clock in ms: what
 * several programs here need around their own loops. */
#ifndef XCD_FDIO_H
#define XCD_FDIO_H
#include <stddef.h>
#include <stdint.h>

/* Writes all N bytes, again after EINTR and short writes (a blocking fd:
 * EAGAIN fails). 0, or a negative errno. */
int fd_write_all(int fd, const void *p, size_t n);
/* Reads FD to its end into *OUT (malloc'd, NUL-terminated, *LEN bytes not
 * counting the NUL), again after EINTR: 0, -EFBIG past MAX bytes (procfs and
 * sysfs files say size 0, so the bound is on what is read), or -errno. */
int fd_read_all(int fd, size_t max, char **out, size_t *len);
/* Milliseconds on CLOCK_MONOTONIC (the same clock as loop_now_ms). */
uint64_t mono_ms(void);
#endif
