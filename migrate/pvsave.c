/* pvsave: a Xen PV guest saved as xl saves it: xl's header and libxl's
 * records around the libxc stream libxenguest writes (hv_pv_save), which
 * xcd does not write itself (DESIGN.md lets PV memory go through
 * libxenguest). */
#include "migrate.h"
#include "../hv/hv.h"
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int out_failed(int rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "writing %s: %s", what, strerror(-rc));
	return rc;
}

/* hv's progress as the save's. */
static void pv_progress(void *arg, uint64_t done, uint64_t total)
{
	const struct mig_progress *p = arg;
	p->fn(p->arg, done, total);
}

int mig_save_pv(struct hv *hv, uint32_t domid, struct mig_out *o, const char *config,
		uint32_t config_len, const struct mig_progress *prog,
		struct mig_save_stats *stats, char *err, size_t errlen)
{
	if (stats)
		memset(stats, 0, sizeof(*stats));
	int rc = mig_write_xl_header(o, config, config_len);
	if (rc == 0)
		rc = mig_write_libxl_header(o);
	if (rc == 0)
		rc = mig_write_libxl_rec(o, LIBXL_REC_LIBXC_CONTEXT, NULL, 0);
	if (rc == 0)
		rc = mig_out_flush(o);
	if (rc < 0)
		return out_failed(rc, "the headers", err, errlen);
	off_t start = lseek(o->fd, 0, SEEK_CUR);
	rc = hv_pv_save(hv, domid, o->fd, prog && prog->fn ? pv_progress : NULL, (void *)prog);
	if (rc < 0) {
		snprintf(err, errlen, "%s", hv_error(hv));
		return rc;
	}
	off_t end = lseek(o->fd, 0, SEEK_CUR);
	if (start >= 0 && end >= start)
		o->off += (uint64_t)(end - start);
	rc = mig_write_libxl_rec(o, LIBXL_REC_END, NULL, 0);
	if (rc == 0)
		rc = mig_out_flush(o);
	if (rc < 0)
		return out_failed(rc, "libxl's END", err, errlen);
	if (stats)
		stats->bytes = o->off;
	return 0;
}
