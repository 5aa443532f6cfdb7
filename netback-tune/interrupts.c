/* interrupts: /proc/interrupts (see interrupts.h). */
#include "interrupts.h"
#include "../lib/cpuset.h"
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void nt_interrupts_free(struct nt_interrupts *ir)
{
	free(ir->cpu_ids);
	free(ir->irqs);
	free(ir->counts);
	memset(ir, 0, sizeof(*ir));
}

static int fail(char *err, size_t errlen, unsigned line, int rc, const char *what)
{
	if (errlen)
		snprintf(err, errlen, "line %u: %s", line, what);
	return rc;
}

static bool is_space(char c) { return c == ' ' || c == '\t'; }

/* The next whitespace-separated token of [*p, end): its start and length. */
static size_t token(const char **p, const char *end, const char **tok)
{
	const char *s = *p;
	while (s < end && is_space(*s))
		s++;
	const char *t = s;
	while (t < end && !is_space(*t))
		t++;
	*tok = s;
	*p = t;
	return (size_t)(t - s);
}

/* A decimal of at most 20 digits that fits in 64 bits. */
static int u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	if (n == 0 || n > 20)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int header(const char *s, const char *end, struct nt_interrupts *ir)
{
	unsigned cap = 0;
	for (;;) {
		const char *t;
		size_t n = token(&s, end, &t);
		if (n == 0)
			break;
		uint64_t id;
		if (n < 4 || memcmp(t, "CPU", 3) || u64(t + 3, n - 3, &id) || id >= CPUSET_MAX ||
		    (ir->ncpus && id <= ir->cpu_ids[ir->ncpus - 1]))
			return -EINVAL;
		if (ir->ncpus == cap) {
			cap = cap ? cap * 2 : 16;
			unsigned *nc = realloc(ir->cpu_ids, cap * sizeof(*nc));
			if (!nc)
				return -ENOMEM;
			ir->cpu_ids = nc;
		}
		ir->cpu_ids[ir->ncpus++] = (unsigned)id;
	}
	return ir->ncpus ? 0 : -EINVAL;
}

int nt_interrupts_parse(const char *text, size_t len, struct nt_interrupts *out, char *err,
			size_t errlen)
{
	struct nt_interrupts ir = { 0 };
	size_t cap = 0;
	unsigned lineno = 0;
	int rc = 0;
	if (len > NT_IRQ_MAX_SIZE)
		return fail(err, errlen, 0, -E2BIG, "larger than 64 MiB");
	if (memchr(text, '\0', len))
		return fail(err, errlen, 0, -EINVAL, "a NUL byte");
	const char *p = text, *end = text + len;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end, *s = p;
		p = nl ? nl + 1 : end;
		lineno++;
		if (le > s && le[-1] == '\r')
			le--;
		if (lineno == 1) {
			rc = header(s, le, &ir);
			if (rc)
				rc = fail(err, errlen, 1, rc, "a header of CPU columns (CPU0 CPU1 ...) expected");
			continue;
		}
		const char *t;
		size_t n = token(&s, le, &t);
		if (n == 0)
			continue;
		uint64_t num;
		if (t[n - 1] != ':') {
			rc = fail(err, errlen, lineno, -EINVAL, "an IRQ number and ':' expected");
			break;
		}
		if (u64(t, n - 1, &num))
			continue; /* NMI:, LOC:, ERR: ... */
		if (num > 0xffffffu) {
			rc = fail(err, errlen, lineno, -EINVAL, "an IRQ number too large");
			break;
		}
		/* The kernel lists IRQs in ascending order: checking it also
		 * refuses duplicates at no cost. */
		if (ir.n && num <= ir.irqs[ir.n - 1].irq) {
			rc = fail(err, errlen, lineno, -EINVAL, "IRQ numbers out of order");
			break;
		}
		if (ir.n == cap) {
			cap = cap ? cap * 2 : 64;
			struct nt_irq *ni = realloc(ir.irqs, cap * sizeof(*ni));
			uint64_t *nc = ni ? realloc(ir.counts, cap * ir.ncpus * sizeof(*nc)) : NULL;
			if (ni)
				ir.irqs = ni;
			if (!nc) {
				rc = -ENOMEM;
				break;
			}
			ir.counts = nc;
		}
		struct nt_irq *q = &ir.irqs[ir.n];
		memset(q, 0, sizeof(*q));
		q->irq = (unsigned)num;
		uint64_t *c = &ir.counts[ir.n * ir.ncpus];
		for (unsigned k = 0; k < ir.ncpus && rc == 0; k++) {
			n = token(&s, le, &t);
			if (u64(t, n, &c[k]))
				rc = fail(err, errlen, lineno, -EINVAL, "a count per CPU expected");
			else
				q->total += c[k];
		}
		if (rc)
			break;
		/* The handlers' names are the last column. */
		const char *last = NULL;
		size_t lastn = 0;
		while ((n = token(&s, le, &t)) > 0) {
			last = t;
			lastn = n;
		}
		if (lastn >= sizeof(q->name)) {
			rc = fail(err, errlen, lineno, -EINVAL, "a handler name longer than 63 bytes");
			break;
		}
		if (last)
			memcpy(q->name, last, lastn);
		q->name[lastn] = '\0';
		ir.n++;
	}
	if (rc == 0 && lineno == 0)
		rc = fail(err, errlen, 0, -EINVAL, "empty");
	if (rc) {
		nt_interrupts_free(&ir);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	/* The counts moved with each realloc: point each IRQ at its row now. */
	for (size_t i = 0; i < ir.n; i++)
		ir.irqs[i].counts = &ir.counts[i * ir.ncpus];
	*out = ir;
	return 0;
}
