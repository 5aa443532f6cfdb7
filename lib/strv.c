/* strv: a growable array of malloc'd strings (see strv.h). */
#include "strv.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

int strv_vaddf(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (vasprintf(&nv[*n], fmt, ap) < 0)
		return -ENOMEM;
	(*n)++;
	return 0;
}

int strv_addf(char ***v, size_t *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = strv_vaddf(v, n, fmt, ap);
	va_end(ap);
	return rc;
}

void strv_free(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}
