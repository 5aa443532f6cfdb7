/* hv_fake: a hypervisor in memory for tests and fuzzers (see hv_fake.h). */
#include "hv_fake.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FAKE_MAX_DOMAINS 64
#define FAKE_MAX_VCPUS 512
#define FAKE_NR_CPUS 8
#define FAKE_TOTAL_KB (16ull << 20)
#define AFF_BYTES 64

struct fake_dom {
	struct hv_dominfo info;
	uint8_t (*affinity)[AFF_BYTES]; /* per vCPU */
	int built;
};

struct fake {
	struct fake_dom dom[FAKE_MAX_DOMAINS]; /* [0] is domain 0 */
	uint32_t next_domid;
	int fail[HV_FAKE_NOPS]; /* an errno each operation returns, or 0 */
};

static struct fake *fake_of(struct hv *hv)
{
	return hv->priv;
}

static struct fake_dom *fake_find(struct hv *hv, uint32_t domid)
{
	struct fake *f = fake_of(hv);
	for (int i = 0; i < FAKE_MAX_DOMAINS; i++)
		if (f->dom[i].info.max_vcpus && f->dom[i].info.domid == domid)
			return &f->dom[i];
	return NULL;
}

#define FIND(d, hv, domid)                                                           \
	struct fake_dom *d = fake_find(hv, domid);                                   \
	if (!d)                                                                      \
		return hv_fail(hv, -ESRCH, "fake: no domain %u", (unsigned)(domid))

static void fake_close(struct hv *hv)
{
	struct fake *f = fake_of(hv);
	for (int i = 0; i < FAKE_MAX_DOMAINS; i++)
		free(f->dom[i].affinity);
	free(f);
}

static uint64_t fake_used_kb(struct fake *f)
{
	uint64_t used = 0;
	for (int i = 0; i < FAKE_MAX_DOMAINS; i++)
		if (f->dom[i].info.max_vcpus)
			used += f->dom[i].info.max_mem_kb;
	return used;
}

static int fake_host_info(struct hv *hv, struct hv_hostinfo *h)
{
	uint64_t used = fake_used_kb(fake_of(hv));
	memset(h, 0, sizeof(*h));
	h->nr_cpus = FAKE_NR_CPUS;
	h->total_kb = FAKE_TOTAL_KB;
	h->free_kb = used >= FAKE_TOTAL_KB ? 0 : FAKE_TOTAL_KB - used;
	h->xen_major = 4;
	h->xen_minor = 17;
	snprintf(h->version, sizeof(h->version), "fuzz fake");
	snprintf(h->backend, sizeof(h->backend), "fake");
	return 0;
}

#define INJECTED(hv, op)                                                            \
	if (fake_of(hv)->fail[op])                                                    \
	return hv_fail(hv, fake_of(hv)->fail[op], "fake: %s fails, as the test asked", #op)

static int fake_create(struct hv *hv, const struct hv_domain_config *c, uint32_t *domid)
{
	struct fake *f = fake_of(hv);
	INJECTED(hv, HV_FAKE_CREATE);
	if (c->max_vcpus == 0 || c->max_vcpus > FAKE_MAX_VCPUS)
		return hv_fail(hv, -EINVAL, "fake: %u vCPUs", c->max_vcpus);
	if (c->max_mem_kb > FAKE_TOTAL_KB - fake_used_kb(f))
		return hv_fail(hv, -ENOMEM, "fake: no room for %llu KiB",
			       (unsigned long long)c->max_mem_kb);
	for (int i = 1; i < FAKE_MAX_DOMAINS; i++) {
		struct fake_dom *d = &f->dom[i];
		if (d->info.max_vcpus)
			continue;
		d->affinity = malloc((size_t)c->max_vcpus * AFF_BYTES);
		if (!d->affinity)
			return hv_fail(hv, -ENOMEM, "fake: out of memory");
		memset(d->affinity, 0xff, (size_t)c->max_vcpus * AFF_BYTES);
		memset(&d->info, 0, sizeof(d->info));
		d->info.domid = f->next_domid++;
		d->info.flags = HV_DOMF_PAUSED;
		d->info.type = c->type;
		memcpy(d->info.uuid, c->uuid, 16);
		d->info.max_vcpus = c->max_vcpus;
		d->info.online_vcpus = c->max_vcpus;
		d->info.max_mem_kb = d->info.target_kb = c->max_mem_kb;
		d->built = 0;
		*domid = d->info.domid;
		return 0;
	}
	return hv_fail(hv, -ENOSPC, "fake: %d domains already", FAKE_MAX_DOMAINS);
}

static int fake_build(struct hv *hv, uint32_t domid, const struct hv_build_spec *s,
		      struct hv_build_result *out)
{
	FIND(d, hv, domid);
	INJECTED(hv, HV_FAKE_BUILD);
	if (!s->kernel || strncmp(s->kernel, "sim:", 4) != 0)
		return hv_fail(hv, -ENOEXEC, "fake: kernel %s", s->kernel ? s->kernel : "(none)");
	d->built = 1;
	d->info.mem_kb = d->info.target_kb;
	memset(out, 0, sizeof(*out));
	out->store_pfn = 1;
	out->store_port = 1;
	return 0;
}

static int fake_pause(struct hv *hv, uint32_t domid)
{
	FIND(d, hv, domid);
	d->info.flags |= HV_DOMF_PAUSED;
	return 0;
}

static int fake_unpause(struct hv *hv, uint32_t domid)
{
	FIND(d, hv, domid);
	INJECTED(hv, HV_FAKE_UNPAUSE);
	if (!(d->info.flags & HV_DOMF_PAUSED))
		return hv_fail(hv, -EINVAL, "fake: domain %u is not paused", domid);
	d->info.flags = (d->info.flags & ~HV_DOMF_PAUSED) | HV_DOMF_BLOCKED;
	return 0;
}

static int fake_shutdown(struct hv *hv, uint32_t domid, enum hv_shutdown_reason r)
{
	FIND(d, hv, domid);
	d->info.flags |= HV_DOMF_SHUTDOWN;
	d->info.shutdown_reason = r;
	return 0;
}

static int fake_destroy(struct hv *hv, uint32_t domid)
{
	if (domid == 0)
		return hv_fail(hv, -EPERM, "fake: domain 0 stays");
	FIND(d, hv, domid);
	INJECTED(hv, HV_FAKE_DESTROY);
	free(d->affinity);
	memset(d, 0, sizeof(*d));
	return 0;
}

/* As Xen's domain handle: any domain's but 0's, any value. */
static int fake_set_uuid(struct hv *hv, uint32_t domid, const uint8_t *uuid)
{
	if (domid == 0)
		return hv_fail(hv, -EPERM, "fake: domain 0's uuid stays");
	FIND(d, hv, domid);
	memcpy(d->info.uuid, uuid, 16);
	return 0;
}

static int fake_getinfo(struct hv *hv, uint32_t domid, struct hv_dominfo *out)
{
	FIND(d, hv, domid);
	d->info.cpu_time_ns += 1000000;
	*out = d->info;
	return 0;
}

static int fake_list(struct hv *hv, struct hv_dominfo *out, unsigned max)
{
	struct fake *f = fake_of(hv);
	unsigned n = 0;
	for (int i = 0; i < FAKE_MAX_DOMAINS && n < max; i++)
		if (f->dom[i].info.max_vcpus)
			out[n++] = f->dom[i].info;
	return (int)n;
}

static int fake_set_max_mem(struct hv *hv, uint32_t domid, uint64_t kb)
{
	FIND(d, hv, domid);
	if (kb > FAKE_TOTAL_KB)
		return hv_fail(hv, -EINVAL, "fake: %llu KiB", (unsigned long long)kb);
	d->info.max_mem_kb = kb;
	return 0;
}

static int fake_set_target(struct hv *hv, uint32_t domid, uint64_t kb)
{
	FIND(d, hv, domid);
	INJECTED(hv, HV_FAKE_SET_TARGET);
	if (kb > d->info.max_mem_kb)
		return hv_fail(hv, -EINVAL, "fake: target above maximum");
	d->info.target_kb = d->info.mem_kb = kb;
	return 0;
}

static int fake_vcpu_info(struct hv *hv, uint32_t domid, uint32_t vcpu, struct hv_vcpuinfo *o)
{
	FIND(d, hv, domid);
	if (vcpu >= d->info.max_vcpus)
		return hv_fail(hv, -EINVAL, "fake: no vCPU %u", vcpu);
	memset(o, 0, sizeof(*o));
	o->online = 1;
	o->blocked = 1;
	o->cpu = vcpu % FAKE_NR_CPUS;
	return 0;
}

static int fake_set_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, const uint8_t *map,
			     size_t len)
{
	FIND(d, hv, domid);
	if (vcpu >= d->info.max_vcpus || len > AFF_BYTES)
		return hv_fail(hv, -EINVAL, "fake: vCPU %u, %zu bytes", vcpu, len);
	memset(d->affinity[vcpu], 0, AFF_BYTES);
	memcpy(d->affinity[vcpu], map, len);
	return 0;
}

static int fake_get_affinity(struct hv *hv, uint32_t domid, uint32_t vcpu, uint8_t *map,
			     size_t len)
{
	FIND(d, hv, domid);
	if (vcpu >= d->info.max_vcpus)
		return hv_fail(hv, -EINVAL, "fake: no vCPU %u", vcpu);
	memcpy(map, d->affinity[vcpu], len < AFF_BYTES ? len : AFF_BYTES);
	return 0;
}

void hv_fake_fail(struct hv *hv, enum hv_fake_op op, int err)
{
	fake_of(hv)->fail[op] = err;
}

int hv_fake_domains(struct hv *hv)
{
	struct fake *f = fake_of(hv);
	int n = 0;
	for (int i = 1; i < FAKE_MAX_DOMAINS; i++)
		n += f->dom[i].info.max_vcpus != 0;
	return n;
}

static const struct hv_ops fake_ops = {
	.name = "fake",
	.close = fake_close,
	.host_info = fake_host_info,
	.domain_create = fake_create,
	.domain_build = fake_build,
	.domain_pause = fake_pause,
	.domain_unpause = fake_unpause,
	.domain_shutdown = fake_shutdown,
	.domain_destroy = fake_destroy,
	.domain_getinfo = fake_getinfo,
	.domain_set_uuid = fake_set_uuid,
	.domain_list = fake_list,
	.set_max_mem = fake_set_max_mem,
	.set_target_mem = fake_set_target,
	.vcpu_info = fake_vcpu_info,
	.vcpu_set_affinity = fake_set_affinity,
	.vcpu_get_affinity = fake_get_affinity,
};

/* hv.c's backend constructors: a program on the fake opens no real backend. */
int hv_xen_open(struct hv *hv, char *err, size_t errlen)
{
	(void)hv;
	snprintf(err, errlen, "no Xen behind the fake");
	return -ENODEV;
}

int hv_sim_open(struct hv *hv, const char *socket_path, char *err, size_t errlen)
{
	(void)hv;
	(void)socket_path;
	snprintf(err, errlen, "no xcd-sim behind the fake");
	return -ENODEV;
}

struct hv *hv_fake_open(void)
{
	struct hv *hv = calloc(1, sizeof(*hv));
	struct fake *f = calloc(1, sizeof(*f));
	if (!hv || !f)
		abort();
	hv->ops = &fake_ops;
	hv->priv = f;
	f->dom[0].info.domid = 0;
	f->dom[0].info.max_vcpus = f->dom[0].info.online_vcpus = 2;
	f->dom[0].info.flags = HV_DOMF_RUNNING;
	f->dom[0].info.max_mem_kb = f->dom[0].info.mem_kb = f->dom[0].info.target_kb = 1 << 20;
	f->dom[0].affinity = malloc(2 * AFF_BYTES);
	if (!f->dom[0].affinity)
		abort();
	memset(f->dom[0].affinity, 0xff, 2 * AFF_BYTES);
	f->next_domid = 1;
	return hv;
}

