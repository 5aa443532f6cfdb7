#include "ring.h"
#include <errno.h>

ssize_t ring_take_output(struct xencons_interface *r, char *buf)
{
	XENCONS_RING_IDX prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX cons = __atomic_load_n(&r->out_cons, __ATOMIC_RELAXED);
	if (prod - cons > sizeof(r->out)) {
		__atomic_store_n(&r->out_cons, prod, __ATOMIC_RELEASE);
		return -EPROTO;
	}
	size_t n = 0;
	while (cons != prod)
		buf[n++] = r->out[MASK_XENCONS_IDX(cons++, r->out)];
	/* The bytes are copied before the guest may reuse their slots. */
	__atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
	return (ssize_t)n;
}

ssize_t ring_input_room(const struct xencons_interface *r)
{
	XENCONS_RING_IDX cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
	XENCONS_RING_IDX prod = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED);
	if (prod - cons > sizeof(r->in))
		return -EPROTO;
	return (ssize_t)(sizeof(r->in) - (prod - cons));
}

void ring_put_input(struct xencons_interface *r, const char *p, size_t n)
{
	XENCONS_RING_IDX prod = __atomic_load_n(&r->in_prod, __ATOMIC_RELAXED);
	for (size_t i = 0; i < n; i++)
		r->in[MASK_XENCONS_IDX(prod++, r->in)] = p[i];
	/* The bytes are in place before the guest sees the new index. */
	__atomic_store_n(&r->in_prod, prod, __ATOMIC_RELEASE);
}
