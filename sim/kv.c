/* kv: the sim:kv guest program's store: requests ("SEQ OP KEY [VALUE]", the
 * text a client wrote to data/kv/request) applied to a hash table in guest
 * memory, each SEQ once (struct sim_kv and the table, sim/guest.h). The
 * xenstore side (the watch, the read, writing the answer) is xenbus.c's. */
#include "sim.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>

enum kv_op { OP_SET, OP_GET, OP_DEL };
static const char *const op_names[] = { "set", "get", "del" };

struct sim_kv *sim_kv_state(struct sim_domain *d)
{
	const struct sim_guest_header *g = (const struct sim_guest_header *)d->mem.base;
	return (struct sim_kv *)(d->mem.base + g->data_pfn * SIM_PAGE_SIZE);
}

void sim_kv_boot(struct sim_domain *d)
{
	const struct sim_guest_header *g = (const struct sim_guest_header *)d->mem.base;
	struct sim_kv *kv = sim_kv_state(d);
	memset(kv, 0, sizeof(*kv));
	kv->magic = SIM_KV_MAGIC;
	kv->table_pfn = g->data_pfn + 1;
	uint64_t pages = g->nr_pages > kv->table_pfn ? (g->nr_pages - kv->table_pfn) / 2 : 0;
	uint64_t max_pages = (SIM_KV_MAX_SLOTS + SIM_KV_PER_PAGE - 1) / SIM_KV_PER_PAGE;
	kv->table_pages = pages < max_pages ? pages : max_pages;
	kv->slots = kv->table_pages * SIM_KV_PER_PAGE;
	if (kv->slots > SIM_KV_MAX_SLOTS)
		kv->slots = SIM_KV_MAX_SLOTS;
	kv->capacity = kv->slots * 3 / 4;
	/* The table pages are zero, as the builder leaves all memory: every
	 * slot free. */
	sim_guest_touch(d, g->data_pfn);
}

uint64_t sim_kv_end_pfn(struct sim_domain *d)
{
	const struct sim_kv *kv = sim_kv_state(d);
	return kv->table_pfn + kv->table_pages;
}

static struct sim_kv_entry *entry(struct sim_domain *d, const struct sim_kv *kv, uint64_t i)
{
	uint8_t *pg = d->mem.base + (kv->table_pfn + i / SIM_KV_PER_PAGE) * SIM_PAGE_SIZE;
	return (struct sim_kv_entry *)(pg + (i % SIM_KV_PER_PAGE) * sizeof(struct sim_kv_entry));
}

int sim_kv_check(struct sim_domain *d, char *err, size_t errlen)
{
	const struct sim_guest_header *g = (const struct sim_guest_header *)d->mem.base;
	struct sim_kv *kv = sim_kv_state(d);
	struct sim_kv want = { 0 };
	want.table_pfn = g->data_pfn + 1;
	uint64_t pages = g->nr_pages > want.table_pfn ? (g->nr_pages - want.table_pfn) / 2 : 0;
	uint64_t max_pages = (SIM_KV_MAX_SLOTS + SIM_KV_PER_PAGE - 1) / SIM_KV_PER_PAGE;
	want.table_pages = pages < max_pages ? pages : max_pages;
	want.slots = want.table_pages * SIM_KV_PER_PAGE;
	if (want.slots > SIM_KV_MAX_SLOTS)
		want.slots = SIM_KV_MAX_SLOTS;
	want.capacity = want.slots * 3 / 4;
	if (kv->magic != SIM_KV_MAGIC || kv->table_pfn != want.table_pfn ||
	    kv->table_pages != want.table_pages || kv->slots != want.slots ||
	    kv->capacity != want.capacity || kv->keys > kv->capacity) {
		snprintf(err, errlen, "sim:kv's state at page %llu is not a table of this guest's size",
			 (unsigned long long)g->data_pfn);
		return -EINVAL;
	}
	if (!memchr(kv->last, 0, sizeof(kv->last)) || !memchr(kv->out, 0, sizeof(kv->out))) {
		snprintf(err, errlen, "sim:kv's kept answers are not terminated");
		return -EINVAL;
	}
	uint64_t used = 0;
	for (uint64_t i = 0; i < kv->slots; i++) {
		const struct sim_kv_entry *e = entry(d, kv, i);
		if (!e->used)
			continue;
		used++;
		if (!e->klen || e->klen > SIM_KV_KEY_MAX || e->vlen > SIM_KV_VALUE_MAX) {
			snprintf(err, errlen, "sim:kv's slot %llu holds a key of %u bytes and a value of %u",
				 (unsigned long long)i, e->klen, e->vlen);
			return -EINVAL;
		}
	}
	if (used != kv->keys) {
		snprintf(err, errlen, "sim:kv counts %llu keys but its table holds %llu",
			 (unsigned long long)kv->keys, (unsigned long long)used);
		return -EINVAL;
	}
	return 0;
}

static void touch_entry(struct sim_domain *d, const struct sim_kv *kv, uint64_t i)
{
	sim_guest_touch(d, kv->table_pfn + i / SIM_KV_PER_PAGE);
}

/* FNV-1a: the table's layout is part of the guest's ABI. */
static uint64_t slot_of(const struct sim_kv *kv, const char *key, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < len; i++) {
		h ^= (uint8_t)key[i];
		h *= 0x100000001b3ull;
	}
	return h % kv->slots;
}

/* The slot holding key, or the free slot where it would go (*found 0).
 * A free slot always exists: keys stay below slots. */
static uint64_t lookup(struct sim_domain *d, const struct sim_kv *kv, const char *key,
		       size_t len, int *found)
{
	uint64_t i = slot_of(kv, key, len);
	for (;;) {
		const struct sim_kv_entry *e = entry(d, kv, i);
		if (!e->used) {
			*found = 0;
			return i;
		}
		if (e->klen == len && memcmp(e->key, key, len) == 0) {
			*found = 1;
			return i;
		}
		i = (i + 1) % kv->slots;
	}
}

/* Empties slot i and moves back the entries after it that probing could
 * no longer reach, so that lookups stop at the first free slot. */
static void remove_at(struct sim_domain *d, struct sim_kv *kv, uint64_t i)
{
	uint64_t j = i;
	for (;;) {
		j = (j + 1) % kv->slots;
		struct sim_kv_entry *e = entry(d, kv, j);
		if (!e->used)
			break;
		uint64_t home = slot_of(kv, e->key, e->klen);
		/* e may move to i when its home is not cyclically in (i, j]. */
		int stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		*entry(d, kv, i) = *e;
		touch_entry(d, kv, i);
		i = j;
	}
	memset(entry(d, kv, i), 0, sizeof(struct sim_kv_entry));
	touch_entry(d, kv, i);
	kv->keys--;
}

static int key_char(char c) { return c > 0x20 && c < 0x7f; }
static int value_char(char c) { return c >= 0x20 && c < 0x7f; }

struct request {
	uint64_t seq;
	enum kv_op op;
	const char *key, *value;
	size_t klen, vlen;
};

/* Parses text after "SEQ ": NULL, or the reason for the answer (and the
 * detail for the console). */
static const char *parse(const char *p, const char *end, struct request *r, const char **why)
{
	const char *sp = memchr(p, ' ', (size_t)(end - p));
	const char *op_end = sp ? sp : end;
	unsigned o;
	for (o = 0; o < 3; o++)
		if ((size_t)(op_end - p) == 3 && memcmp(p, op_names[o], 3) == 0)
			break;
	if (o == 3) {
		*why = "the operation is not set, get or del";
		return "bad request";
	}
	r->op = (enum kv_op)o;
	if (!sp || sp + 1 == end || sp[1] == ' ') {
		*why = "no key";
		return "bad request";
	}
	r->key = sp + 1;
	const char *ksp = memchr(r->key, ' ', (size_t)(end - r->key));
	r->klen = (size_t)((ksp ? ksp : end) - r->key);
	if (r->klen > SIM_KV_KEY_MAX) {
		*why = "the key has more than 64 bytes";
		return "key too long";
	}
	for (size_t i = 0; i < r->klen; i++)
		if (!key_char(r->key[i])) {
			*why = "a key byte outside 0x21-0x7e";
			return "bad request";
		}
	r->value = ksp ? ksp + 1 : end;
	r->vlen = ksp ? (size_t)(end - ksp - 1) : 0;
	if (r->op != OP_SET) {
		if (ksp) {
			*why = "get and del take no value";
			return "bad request";
		}
		return NULL;
	}
	if (r->vlen > SIM_KV_VALUE_MAX) {
		*why = "the value has more than 256 bytes";
		return "value too long";
	}
	for (size_t i = 0; i < r->vlen; i++)
		if (!value_char(r->value[i])) {
			*why = "a value byte outside 0x20-0x7e";
			return "bad request";
		}
	return NULL;
}

/* Applies a parsed request: NULL (done) or the reason it was not. */
static const char *apply(struct sim_domain *d, struct sim_kv *kv, const struct request *r,
			 const char **value, size_t *vlen)
{
	int found = 0;
	uint64_t i = kv->slots ? lookup(d, kv, r->key, r->klen, &found) : 0;
	struct sim_kv_entry *e = found ? entry(d, kv, i) : NULL;
	switch (r->op) {
	case OP_GET:
		if (!e)
			return "no such key";
		*value = e->value;
		*vlen = e->vlen;
		return NULL;
	case OP_DEL:
		if (!e)
			return "no such key";
		remove_at(d, kv, i);
		break;
	case OP_SET:
		if (!e) {
			if (kv->keys >= kv->capacity)
				return "table full";
			e = entry(d, kv, i);
			e->used = 1;
			e->klen = (uint16_t)r->klen;
			memcpy(e->key, r->key, r->klen);
			kv->keys++;
		}
		e->seq = r->seq;
		e->vlen = (uint16_t)r->vlen;
		memcpy(e->value, r->value, r->vlen);
		touch_entry(d, kv, i);
		break;
	}
	kv->applied++;
	return NULL;
}

int sim_kv_request(struct sim_domain *d, const char *text, size_t len, char *line,
		   size_t linelen)
{
	struct sim_kv *kv = sim_kv_state(d);
	const struct sim_guest_header *g = (const struct sim_guest_header *)d->mem.base;
	const char *p = text, *end = text + len;
	if (len && end[-1] == '\n')
		end--; /* as echo leaves it */
	if (p == end)
		return -ENOENT;
	sim_guest_touch(d, g->data_pfn);
	struct request r = { 0 };
	const char *q = p;
	int bad_seq = 0;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		uint64_t digit = (uint64_t)(*q - '0');
		if (r.seq > (UINT64_MAX - digit) / 10)
			bad_seq = 1;
		else
			r.seq = r.seq * 10 + digit;
	}
	if (bad_seq || q == p || r.seq == 0 || (q < end && *q != ' ')) {
		snprintf(kv->out, sizeof(kv->out), "0 error: bad request");
		kv->rejected++;
		snprintf(line, linelen, "kv: a request without a SEQ (a decimal number from 1)");
		return 0;
	}
	if (r.seq == kv->last_seq) {
		memcpy(kv->out, kv->last, sizeof(kv->out));
		kv->replays++;
		snprintf(line, linelen, "kv: %llu answered again: %.60s", (unsigned long long)r.seq,
			 kv->last);
		return 0;
	}
	if (r.seq < kv->last_seq) {
		snprintf(kv->out, sizeof(kv->out), "%llu error: stale request",
			 (unsigned long long)r.seq);
		kv->rejected++;
		snprintf(line, linelen, "kv: %llu is stale (the last SEQ answered is %llu)",
			 (unsigned long long)r.seq, (unsigned long long)kv->last_seq);
		return 0;
	}
	const char *why = "no operation", *value = NULL, *reason = "bad request";
	size_t vlen = 0;
	if (q < end) {
		why = NULL;
		reason = parse(q + 1, end, &r, &why);
	}
	if (!reason)
		reason = apply(d, kv, &r, &value, &vlen);
	kv->last_seq = r.seq;
	kv->requests++;
	if (reason) {
		kv->rejected++;
		snprintf(kv->last, sizeof(kv->last), "%llu error: %s", (unsigned long long)r.seq,
			 reason);
	} else if (value) {
		snprintf(kv->last, sizeof(kv->last), "%llu ok %.*s", (unsigned long long)r.seq,
			 (int)vlen, value);
	} else {
		snprintf(kv->last, sizeof(kv->last), "%llu ok", (unsigned long long)r.seq);
	}
	memcpy(kv->out, kv->last, sizeof(kv->out));
	if (why)
		snprintf(line, linelen, "kv: %llu: error: %s (%s)", (unsigned long long)r.seq,
			 reason, why);
	else
		snprintf(line, linelen, "kv: %llu %s %.*s: %s%s", (unsigned long long)r.seq,
			 op_names[r.op], (int)r.klen, r.key, reason ? "error: " : "ok",
			 reason ? reason : "");
	return 0;
}
