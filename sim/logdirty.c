/* logdirty: write-protect the guest mapping and catch each first write of a
 * page with SIGSEGV, as Xen's shadow log-dirty does with page faults.
 *
 * Every thread that writes guest memory through xcd-sim's own mapping (the
 * vCPU threads, the builder) names that memory in a thread-local pointer: a
 * signal handler cannot take locks to look a domain up, and this pointer is
 * the only state it reads besides the memory's own fields. */
#include "sim.h"
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>

static __thread struct sim_mem *current_mem;

void sim_logdirty_set_current(struct sim_mem *m) { current_mem = m; }

static void lock(struct sim_mem *m)
{
	while (atomic_flag_test_and_set_explicit(&m->lock, memory_order_acquire))
		;
}

static void unlock(struct sim_mem *m) { atomic_flag_clear_explicit(&m->lock, memory_order_release); }

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	struct sim_mem *m = current_mem;
	uintptr_t a = (uintptr_t)si->si_addr, base = m ? (uintptr_t)m->base : 0;
	if (!m || a < base || a >= base + m->nr_pages * SIM_PAGE_SIZE) {
		/* Not a guest write: let the fault repeat with the default action. */
		signal(SIGSEGV, SIG_DFL);
		return;
	}
	uint64_t pfn = (a - base) / SIM_PAGE_SIZE;
	lock(m);
	if (atomic_load(&m->logdirty)) {
		m->dirty[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
		mprotect(m->base + pfn * SIM_PAGE_SIZE, SIM_PAGE_SIZE, PROT_READ | PROT_WRITE);
	}
	/* Log-dirty already off: the mapping is writable again, retry. */
	unlock(m);
}

int sim_logdirty_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSEGV, &sa, NULL) < 0 ? -errno : 0;
}

int sim_logdirty_enable(struct sim_mem *m)
{
	int rc = 0;
	lock(m);
	if (!atomic_load(&m->logdirty)) {
		memset(m->dirty, 0, (m->nr_pages + 7) / 8);
		if (mprotect(m->base, m->nr_pages * SIM_PAGE_SIZE, PROT_READ) < 0)
			rc = -errno;
		else
			atomic_store(&m->logdirty, 1);
	}
	unlock(m);
	return rc;
}

int sim_logdirty_disable(struct sim_mem *m)
{
	int rc = 0;
	lock(m);
	if (atomic_load(&m->logdirty)) {
		atomic_store(&m->logdirty, 0);
		if (mprotect(m->base, m->nr_pages * SIM_PAGE_SIZE, PROT_READ | PROT_WRITE) < 0)
			rc = -errno;
	}
	unlock(m);
	return rc;
}

/* Copies the first npages bits; with clear, write-protects those dirty pages
 * again and clears their bits (consecutive pages in one mprotect). */
int sim_logdirty_read(struct sim_mem *m, uint8_t *out, uint64_t npages, int clear)
{
	int rc = 0;
	if (npages > m->nr_pages)
		npages = m->nr_pages;
	lock(m);
	if (!atomic_load(&m->logdirty)) {
		unlock(m);
		return -EINVAL;
	}
	memcpy(out, m->dirty, (npages + 7) / 8);
	if (npages % 8)
		out[npages / 8] &= (uint8_t)((1u << (npages % 8)) - 1);
	if (clear) {
		uint64_t run = 0, len = 0;
		for (uint64_t p = 0; p <= npages; p++) {
			int set = p < npages && (m->dirty[p / 8] >> (p % 8) & 1);
			if (set) {
				m->dirty[p / 8] &= (uint8_t)~(1u << (p % 8));
				if (!len)
					run = p;
				len++;
				continue;
			}
			if (len && mprotect(m->base + run * SIM_PAGE_SIZE, len * SIM_PAGE_SIZE,
					    PROT_READ) < 0 && !rc)
				rc = -errno;
			len = 0;
		}
	}
	unlock(m);
	return rc;
}
