/*
 * interrupts: the parser of /proc/interrupts: a header of CPU columns, then
 * one line per IRQ: "NUM:", a count per CPU, the chip, the trigger, and the
 * handlers' names ("vif3.0-q0-tx", "eth0-TxRx-1"). Lines of the
 * architecture's own counters ("NMI:", "LOC:", "ERR:") are skipped. Outside
 * input: bounded in size and CPU count, strict on what it keeps, fuzzed.
 */
#ifndef XCD_NT_INTERRUPTS_H
#define XCD_NT_INTERRUPTS_H
#include <stddef.h>
#include <stdint.h>

#define NT_IRQ_MAX_SIZE (64u << 20)
#define NT_IRQ_MAX_NAME 64

struct nt_irq {
	unsigned irq;
	char name[NT_IRQ_MAX_NAME]; /* the last column; "" when none */
	uint64_t *counts;           /* one per CPU column, in nt_interrupts.counts */
	uint64_t total;
};

struct nt_interrupts {
	unsigned ncpus;      /* CPU columns in the header */
	unsigned *cpu_ids;   /* the number of each column (CPUn; offline CPUs are absent) */
	struct nt_irq *irqs; /* in file order */
	size_t n;
	uint64_t *counts; /* n * ncpus */
};

/* Parses TEXT (LEN bytes). On error -EINVAL (-E2BIG, -ENOMEM) with "line
 * N: what" in ERR, and *OUT empty. */
int nt_interrupts_parse(const char *text, size_t len, struct nt_interrupts *out, char *err,
			size_t errlen);
void nt_interrupts_free(struct nt_interrupts *ir);
#endif
