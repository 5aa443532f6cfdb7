/* fuzz-ring: xcd-consoled's reading and writing of a console ring that the
 * guest controls (console/ring.c), and the output buffer behind it
 * (console/outbuf.c). The input is the ring page as the guest left it, then
 * operations: the backend taking output, putting input, the pty taking
 * output, and the guest rewriting an index between any two of them.
 * Invariants (abort when broken): a take consumes exactly to the producer
 * index it saw and never returns more than the ring holds; input never
 * exceeds the room reported; the buffer never holds more than its limit. */
#include "../../console/outbuf.h"
#include "../../console/ring.h"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t u32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xencons_interface r;
	memset(&r, 0, sizeof(r));
	size_t head = size < sizeof(r) ? size : sizeof(r);
	memcpy(&r, data, head);
	data += head;
	size -= head;
	struct outbuf o;
	outbuf_init(&o, size ? (size_t)data[0] * 37 + 1 : 4096);
	char buf[sizeof(r.out)];
	while (size >= 2) {
		uint8_t op = data[0] % 5, arg = data[1];
		data += 2;
		size -= 2;
		switch (op) {
		case 0: {
			uint32_t prod = r.out_prod;
			ssize_t n = ring_take_output(&r, buf);
			if (n > (ssize_t)sizeof(r.out) || r.out_cons != prod)
				abort();
			if (n > 0)
				outbuf_append(&o, buf, (size_t)n);
			if (n == -EPROTO && ring_take_output(&r, buf) != 0)
				abort();
			break;
		}
		case 1: {
			ssize_t room = ring_input_room(&r);
			if (room < 0)
				break;
			if (room > (ssize_t)sizeof(r.in))
				abort();
			size_t n = arg < (size_t)room ? arg : (size_t)room;
			if (n > size)
				n = size;
			uint32_t before = r.in_prod;
			ring_put_input(&r, (const char *)data, n);
			if (r.in_prod - before != n || ring_input_room(&r) != room - (ssize_t)n)
				abort();
			data += n;
			size -= n;
			break;
		}
		case 2:
			outbuf_consume(&o, (size_t)arg * 16);
			break;
		case 3: {
			if (size < 4)
				break;
			/* The guest scribbles over one of the four indexes. */
			uint32_t v = u32(data);
			if (arg % 4 == 0)
				r.out_prod = v;
			else if (arg % 4 == 1)
				r.out_cons = v;
			else if (arg % 4 == 2)
				r.in_prod = v;
			else
				r.in_cons = v;
			data += 4;
			size -= 4;
			break;
		}
		case 4: {
			size_t n = arg < size ? arg : size;
			outbuf_append(&o, (const char *)data, n);
			data += n;
			size -= n;
			break;
		}
		}
		if (o.len > o.limit || o.len > o.cap)
			abort();
	}
	outbuf_free(&o);
	return 0;
}
