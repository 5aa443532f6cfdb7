/* fuzz-xenbus: the guest side of the xenstore ring (sim/xenbus.c) against
 * whatever a xenstored might write to it. The input is the byte stream of
 * the response ring, fed in pieces as the ring frees up, with a guest step
 * after each; the guest's requests are taken off its ring as a xenstored
 * would. The input is a sequence of pieces, each a length byte then that
 * many bytes of the ring's stream (a piece may split or join messages); each
 * piece is put on the ring (as much as fits) and followed by a guest step.
 * The guest must never read or write outside its memory, nor break its own
 * ring's indices. Each input runs twice: against a sim:idle guest and a
 * sim:kv one (whose store serves data/kv/request). */
#include "xenbus-fake.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size, enum sim_program program)
{
	struct xb_fake f;
	if (xb_fake_init_program(&f, program) < 0)
		return;
	char sink[XENSTORE_RING_SIZE];
	size_t off = 0;
	sim_xenbus_step(&f.d);
	xb_fake_take(&f, sink, sizeof(sink));
	while (off < size && !f.d.shutdown) {
		size_t len = data[off++];
		if (len > size - off)
			len = size - off;
		size_t put = xb_fake_put(&f, data + off, len);
		off += len; /* what did not fit is lost, as from a broken xenstored */
		sim_xenbus_step(&f.d);
		xb_fake_take(&f, sink, sizeof(sink));
		if (f.ring->req_prod - f.ring->req_cons > XENSTORE_RING_SIZE ||
		    f.ring->rsp_prod - f.ring->rsp_cons > XENSTORE_RING_SIZE ||
		    f.x->in_used >= SIM_XB_INBUF || put > len)
			abort();
	}
	if (program == SIM_PROG_KV) {
		const struct sim_kv *kv = sim_kv_state(&f.d);
		if (kv->keys > kv->capacity || kv->applied > kv->requests ||
		    !memchr(kv->out, 0, sizeof(kv->out)) || !memchr(kv->last, 0, sizeof(kv->last)))
			abort();
	}
	xb_fake_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run(data, size, SIM_PROG_IDLE);
	run(data, size, SIM_PROG_KV);
	return 0;
}
