/* platform: what a save or a migration carries of a simulated domain besides
 * its memory and vCPUs, modelled on Xen's: its TSC (mode, frequency, the
 * guest's elapsed time, incarnation), a PVH domain's HVM parameters, its CPU
 * featureset (a subset of the host's), and its physical memory page by page
 * (which pages it has; POPULATE gives a restored domain the ones its stream
 * sends). sim/PROTOCOL.md, operations TSC_GET to POPULATE. */
#include "sim.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void sim_platform_init(struct sim_domain *d)
{
	/* Xen's domain creation sets the default mode once: incarnation 1. */
	d->tsc_mode = 0;
	d->tsc_khz = SIM_HOST_TSC_KHZ;
	d->tsc_incarnation = 1;
	d->tsc_offset_ns = (int64_t)now_ns();
	d->nr_features = d->host->nr_features;
	memcpy(d->features, d->host->featureset, sizeof(d->features));
}

void sim_platform_populate_all(struct sim_domain *d)
{
	memset(d->mem.present, 0xff, (d->mem.nr_pages + 7) / 8);
}

int sim_platform_present(const struct sim_domain *d, uint64_t pfn, uint64_t n)
{
	for (uint64_t p = pfn; p < pfn + n; p++)
		if (!(d->mem.present[p / 8] & (1u << (p % 8))))
			return 0;
	return 1;
}

void sim_platform_set_rings(struct sim_domain *d, uint64_t store_pfn, uint32_t store_port,
			    uint64_t console_pfn, uint32_t console_port)
{
	if (d->cfg.type != SIM_DOM_PVH)
		return;
	d->params[SIM_PARAM_STORE_PFN] = store_pfn;
	d->params[SIM_PARAM_STORE_EVTCHN] = store_port;
	d->params[SIM_PARAM_CONSOLE_PFN] = console_pfn;
	d->params[SIM_PARAM_CONSOLE_EVTCHN] = console_port;
}

static int answer(const void *p, size_t n, uint8_t **out, size_t *outlen)
{
	if (!(*out = malloc(n ? n : 1)))
		return -ENOMEM;
	memcpy(*out, p, n);
	*outlen = n;
	return 0;
}

static int tsc_get(struct sim_domain *d, uint8_t **out, size_t *outlen)
{
	struct sim_tsc_info t = { .mode = d->tsc_mode, .incarnation = d->tsc_incarnation };
	/* As Xen: native mode says neither a frequency nor a time. */
	if (d->tsc_mode != 2) {
		t.khz = d->tsc_khz;
		int64_t e = (int64_t)now_ns() - d->tsc_offset_ns;
		t.elapsed_ns = e < 0 ? 0 : (uint64_t)e;
	}
	return answer(&t, sizeof(t), out, outlen);
}

static int tsc_set(struct sim_domain *d, const struct sim_tsc_info *t, char *err, size_t errlen)
{
	if (t->mode > 2) {
		snprintf(err, errlen, "TSC mode %u: xcd-sim has 0 (default), 1 (always emulate) "
			 "and 2 (native), as Xen 4.17", t->mode);
		return -EINVAL;
	}
	if (t->mode != 2) {
		d->tsc_offset_ns = (int64_t)now_ns() - (int64_t)t->elapsed_ns;
		d->tsc_khz = t->khz ? t->khz : SIM_HOST_TSC_KHZ;
	}
	d->tsc_mode = t->mode;
	d->tsc_incarnation = t->incarnation + 1;
	return 0;
}

static int param(struct sim_domain *d, uint32_t op, const uint8_t *in, uint32_t len,
		 uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	struct sim_param_arg a = { 0 };
	if (len < (op == SIM_OP_PARAM_GET ? sizeof(uint32_t) : sizeof(a))) {
		snprintf(err, errlen, "HVM parameter: a payload of %u bytes", len);
		return -EINVAL;
	}
	memcpy(&a, in, op == SIM_OP_PARAM_GET ? sizeof(uint32_t) : sizeof(a));
	/* As Xen: a PV domain has no HVM parameters. */
	if (d->cfg.type != SIM_DOM_PVH) {
		snprintf(err, errlen, "domain %u is PV: HVM parameters are a PVH domain's",
			 d->domid);
		return -EINVAL;
	}
	if (a.index >= SIM_NR_PARAMS) {
		snprintf(err, errlen, "HVM parameter %u (Xen has %u)", a.index, SIM_NR_PARAMS);
		return -EINVAL;
	}
	if (op == SIM_OP_PARAM_GET)
		return answer(&d->params[a.index], sizeof(uint64_t), out, outlen);
	d->params[a.index] = a.value;
	return 0;
}

static int features_set(struct sim_domain *d, const uint8_t *in, uint32_t len, char *err,
			size_t errlen)
{
	const struct sim_host *h = d->host;
	uint32_t n = len / 4, w[SIM_FEATURESET_MAX] = { 0 };
	if (len % 4 || n > SIM_FEATURESET_MAX) {
		snprintf(err, errlen, "featureset of %u bytes: up to %u words of 4", len,
			 SIM_FEATURESET_MAX);
		return -EINVAL;
	}
	/* As Xen once the domain ran: its CPU does not change under it. */
	if (d->built) {
		snprintf(err, errlen, "domain %u has run: its CPU features are set", d->domid);
		return -EEXIST;
	}
	memcpy(w, in, len);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t host = i < h->nr_features ? h->featureset[i] : 0;
		if (w[i] & ~host) {
			snprintf(err, errlen, "feature word %u: bits %#x, which this host lacks "
				 "(it has %#x)", i, w[i] & ~host, host);
			return -EINVAL;
		}
	}
	memcpy(d->features, w, sizeof(d->features));
	d->nr_features = n;
	return 0;
}

/* PFN_TYPES and POPULATE: N pfns at IN. */
static int pfns(struct sim_domain *d, uint32_t op, const uint8_t *in, uint32_t len,
		uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	uint32_t n = len / 8;
	if (len % 8 || n == 0 || n > SIM_MAX_PFNS) {
		snprintf(err, errlen, "a list of %u bytes: 1 to %u pfns of 8 bytes", len,
			 SIM_MAX_PFNS);
		return -EINVAL;
	}
	if (op == SIM_OP_PFN_TYPES && !(*out = malloc(n)))
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		uint64_t pfn;
		memcpy(&pfn, in + 8ull * i, 8);
		int have = pfn < d->mem.nr_pages && sim_platform_present(d, pfn, 1);
		if (op == SIM_OP_PFN_TYPES) {
			(*out)[i] = have ? SIM_PFN_RAM : SIM_PFN_NONE;
			continue;
		}
		/* Memory is the memfd made at CREATE: a pfn beyond it is more
		 * than the domain may hold, as Xen's limit refuses. */
		if (pfn >= d->mem.nr_pages) {
			snprintf(err, errlen, "populate pfn %llu: domain %u holds %llu pages",
				 (unsigned long long)pfn, d->domid,
				 (unsigned long long)d->mem.nr_pages);
			return -ENOMEM;
		}
		d->mem.present[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
	}
	if (op == SIM_OP_PFN_TYPES)
		*outlen = n;
	return 0;
}

int sim_platform_op(struct sim_domain *d, uint32_t op, const uint8_t *in, uint32_t len,
		    uint8_t **out, size_t *outlen, char *err, size_t errlen)
{
	*out = NULL;
	*outlen = 0;
	pthread_mutex_lock(&d->mu);
	int rc = 0;
	switch (op) {
	case SIM_OP_TSC_GET:
		rc = tsc_get(d, out, outlen);
		break;
	case SIM_OP_TSC_SET: {
		struct sim_tsc_info t;
		if (len < sizeof(t)) {
			snprintf(err, errlen, "TSC info: a payload of %u bytes", len);
			rc = -EINVAL;
			break;
		}
		memcpy(&t, in, sizeof(t));
		rc = tsc_set(d, &t, err, errlen);
		break;
	}
	case SIM_OP_PARAM_GET:
	case SIM_OP_PARAM_SET:
		rc = param(d, op, in, len, out, outlen, err, errlen);
		break;
	case SIM_OP_FEATURES_GET:
		rc = answer(d->features, 4ull * d->nr_features, out, outlen);
		break;
	case SIM_OP_FEATURES_SET:
		rc = features_set(d, in, len, err, errlen);
		break;
	case SIM_OP_MAX_PFN: {
		uint64_t max = d->mem.nr_pages - 1;
		rc = answer(&max, sizeof(max), out, outlen);
		break;
	}
	case SIM_OP_PFN_TYPES:
	case SIM_OP_POPULATE:
		rc = pfns(d, op, in, len, out, outlen, err, errlen);
		break;
	default:
		snprintf(err, errlen, "operation %u is not one of the platform's", op);
		rc = -EINVAL;
	}
	pthread_mutex_unlock(&d->mu);
	if (rc == -ENOMEM && !err[0])
		snprintf(err, errlen, "out of memory");
	return rc;
}
