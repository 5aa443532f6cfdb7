/* strv: a growable array of malloc'd strings, each made printf-style: the
 * notes a reader of the host leaves ("/proc/interrupts: line 3: ..."). */
#ifndef XCD_STRV_H
#define XCD_STRV_H
#include <stdarg.h>
#include <stddef.h>

/* Appends a string made from FMT to *V (*N of them). 0 or -ENOMEM (*V and
 * *N unchanged). */
int strv_addf(char ***v, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int strv_vaddf(char ***v, size_t *n, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Frees the N strings of V and V. */
void strv_free(char **v, size_t n);
#endif
