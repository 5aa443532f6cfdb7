/* procstat: kernel threads and stat fields from /proc (see procstat.h). */
#include "procstat.h"
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* A decimal number at P, ending at one of ENDS or the string's end, in
 * 0..MAX. */
static int number(const char *p, unsigned long long max, const char *ends, unsigned long long *out)
{
	char *end;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(p, &end, 10);
	if (errno || (*end && !strchr(ends, *end)) || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int proc_stat_field(const char *stat, int field, unsigned long long max, unsigned long long *out)
{
	const char *p = strrchr(stat, ')');
	if (!p || field < 4)
		return -EINVAL;
	p++;
	for (int f = 3; f <= field; f++) {
		while (*p == ' ')
			p++;
		if (!*p || *p == '\n')
			return -EINVAL;
		if (f == field)
			return number(p, max, " \n", out);
		while (*p && *p != ' ' && *p != '\n')
			p++;
	}
	return -EINVAL;
}

int proc_stat_ppid(const char *stat, int *ppid)
{
	unsigned long long v;
	int rc = proc_stat_field(stat, 4, INT_MAX, &v);
	if (rc == 0)
		*ppid = (int)v;
	return rc;
}

int proc_status_ppid(const char *status, int *ppid)
{
	static const char key[] = "PPid:";
	for (const char *l = status; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		if (strncmp(l, key, sizeof(key) - 1))
			continue;
		unsigned long long v;
		l += sizeof(key) - 1;
		l += strspn(l, " \t");
		if (number(l, INT_MAX, "\n", &v))
			return -EINVAL;
		*ppid = (int)v;
		return 0;
	}
	return -EINVAL;
}

static int by_value(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

int proc_children_parse(const char *text, size_t len, int **pids, size_t *n)
{
	int rc = proc_children_list(text, len, pids, n);
	if (rc == 0 && *n)
		qsort(*pids, *n, sizeof(**pids), by_value);
	return rc;
}

int proc_children_list(const char *text, size_t len, int **pids, size_t *n)
{
	size_t cap = 0, k = 0;
	int *v = NULL;
	*pids = NULL;
	*n = 0;
	for (size_t i = 0; i < len;) {
		if (text[i] == ' ' || (text[i] == '\n' && i + 1 == len)) {
			i++;
			continue;
		}
		long long p = 0;
		size_t d = 0;
		for (; i < len && text[i] >= '0' && text[i] <= '9' && d < 10; i++, d++)
			p = p * 10 + (text[i] - '0');
		if (d == 0 || p < 1 || p > INT_MAX || (i < len && text[i] != ' ' && text[i] != '\n')) {
			free(v);
			return -EINVAL;
		}
		if (k == cap) {
			cap = cap ? cap * 2 : 256;
			int *nv = realloc(v, cap * sizeof(*nv));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[k++] = (int)p;
	}
	*pids = v;
	*n = k;
	return 0;
}

bool proc_pids_have(const int *pids, size_t n, int pid)
{
	return n && bsearch(&pid, pids, n, sizeof(*pids), by_value) != NULL;
}

int proc_loadavg_last_pid(const char *loadavg, int *last)
{
	const char *p = strchr(loadavg, '/');
	unsigned long long v;
	/* "R/T L": running/total tasks, then the last pid, then the end */
	if (!p || !(p = strchr(p, ' ')) || number(p + 1, INT_MAX, "\n", &v) || strchr(p + 1, ' '))
		return -EINVAL;
	*last = (int)v;
	return 0;
}

bool proc_pid_given_since(int pid, int last1, int last2)
{
	if (last2 >= last1)
		return pid > last1 && pid <= last2;
	return pid > last1 || pid <= last2; /* wrapped at pid_max */
}
