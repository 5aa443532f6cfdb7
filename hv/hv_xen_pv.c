/* hv_xen_pv: a PV guest's save and restore on Xen through libxenguest
 * (xc_domain_save, xc_domain_restore), each on an interface of its own
 * whose xentoollog logger keeps libxenguest's first error for hv_error()
 * and passes its progress on. */
#include "hv_xen.h"
#include "../lib/log.h"
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <xenctrl.h>
#include <xenguest.h>

/* What libxenguest said while one save or restore ran. */
struct capture {
	xentoollog_logger lg; /* first: libxenguest holds a pointer to it */
	char first[400];      /* its first error ("" when none) */
	unsigned errors;
	hv_progress_fn *progress;
	void *arg;
};

static void cap_vmessage(struct xentoollog_logger *lg, xentoollog_level level, int errnoval,
			 const char *context, const char *format, va_list al)
{
	struct capture *c = (struct capture *)lg;
	char msg[400];
	vsnprintf(msg, sizeof(msg), format, al);
	size_t n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_debug("%s: %s%s%s", context ? context : "xc", msg, errnoval >= 0 ? ": " : "",
		  errnoval >= 0 ? strerror(errnoval) : "");
	if (level < XTL_ERROR)
		return;
	if (!c->errors++)
		snprintf(c->first, sizeof(c->first), "%s%s%s", msg, errnoval >= 0 ? ": " : "",
			 errnoval >= 0 ? strerror(errnoval) : "");
}

static void cap_progress(struct xentoollog_logger *lg, const char *context,
			 const char *doing_what, int percent, unsigned long done,
			 unsigned long total)
{
	struct capture *c = (struct capture *)lg;
	(void)context, (void)doing_what, (void)percent;
	if (c->progress && total)
		c->progress(c->arg, done, total);
}

static void cap_destroy(struct xentoollog_logger *lg) { (void)lg; }

/* An interface of its own for one libxenguest call, telling C. */
static xc_interface *cap_open(struct hv *hv, struct capture *c, hv_progress_fn *progress,
			      void *arg)
{
	memset(c, 0, sizeof(*c));
	c->lg.vmessage = cap_vmessage;
	c->lg.progress = cap_progress;
	c->lg.destroy = cap_destroy;
	c->progress = progress;
	c->arg = arg;
	errno = 0;
	xc_interface *xch = xc_interface_open(&c->lg, &c->lg, 0);
	if (!xch)
		hv_fail(hv, -(errno ? errno : EIO), "xen: xc_interface_open: %s",
			strerror(errno ? errno : EIO));
	return xch;
}

/* hv's error after a libxenguest call failed: WHAT, and what it said. */
static int cap_fail(struct hv *hv, const struct capture *c, int e, const char *what,
		    uint32_t domid)
{
	if (!c->errors)
		return hv_fail(hv, -e, "xen: %s of PV domain %u: %s", what, domid, strerror(e));
	if (c->errors == 1)
		return hv_fail(hv, -e, "xen: %s of PV domain %u: libxenguest: %s", what, domid,
			       c->first);
	return hv_fail(hv, -e, "xen: %s of PV domain %u: libxenguest: %s (and %u more errors "
		       "in xcdd's debug log)", what, domid, c->first, c->errors - 1);
}

/* DOMID is a PV domain (not dying). */
static int pv_domain(struct hv *hv, uint32_t domid, const char *what)
{
	xc_domaininfo_t info;
	int rc = xen_domaininfo(hv, domid, &info);
	if (rc < 0)
		return rc;
	if (info.flags & XEN_DOMINF_hvm_guest)
		return hv_fail(hv, -EINVAL, "xen: %s of domain %u: not a PV domain (a PVH guest's "
			       "state is saved through hv's state operations)", what, domid);
	if (info.flags & XEN_DOMINF_dying)
		return hv_fail(hv, -ESRCH, "xen: %s of domain %u: it is dying", what, domid);
	return 0;
}

struct save_ctx {
	struct hv *hv;
	uint32_t domid;
	int rc;
};

/* libxenguest's suspend callback: 1 once the guest is in shutdown(suspend). */
static int save_suspend(void *data)
{
	struct save_ctx *s = data;
	s->rc = hv_domain_suspend(s->hv, s->domid);
	return s->rc == 0;
}

int xen_pv_save(struct hv *hv, uint32_t domid, int fd, hv_progress_fn *progress, void *arg)
{
	int rc = pv_domain(hv, domid, "save");
	if (rc < 0)
		return rc;
	struct capture c;
	xc_interface *xch = cap_open(hv, &c, progress, arg);
	if (!xch)
		return -EIO;
	struct save_ctx s = { hv, domid, 0 };
	struct save_callbacks cb;
	memset(&cb, 0, sizeof(cb));
	cb.suspend = save_suspend;
	cb.data = &s;
	errno = 0;
	/* Not live (flags 0): Debian's Xen has no log-dirty for PV guests. */
	if (xc_domain_save(xch, fd, domid, 0, &cb, XC_STREAM_PLAIN, -1) != 0) {
		int e = errno > 0 ? errno : EIO;
		/* A guest that would not suspend: that wait's own words. */
		rc = s.rc < 0 ? s.rc : cap_fail(hv, &c, e, "save", domid);
	}
	xc_interface_close(xch);
	return rc;
}

/* A stream without CPUID or MSR policy records (version 2): the domain keeps
 * the default policy hv_domain_create applied. */
static int restore_static_done(unsigned int missing, void *data)
{
	(void)missing, (void)data;
	return 0;
}

int xen_pv_restore(struct hv *hv, uint32_t domid, int fd, const struct hv_build_spec *spec,
		   struct hv_build_result *out)
{
	memset(out, 0, sizeof(*out));
	int rc = pv_domain(hv, domid, "restore");
	uint32_t sport, cport;
	if (rc == 0)
		rc = xen_ring_channels(hv, domid, spec, &sport, &cport);
	if (rc < 0)
		return rc;
	struct capture c;
	xc_interface *xch = cap_open(hv, &c, NULL, NULL);
	if (!xch)
		return -EIO;
	struct restore_callbacks cb;
	memset(&cb, 0, sizeof(cb));
	cb.static_data_done = restore_static_done;
	unsigned long store_mfn = 0, console_mfn = 0;
	errno = 0;
	if (xc_domain_restore(xch, fd, domid, sport, &store_mfn, spec->store_domid, cport,
			      &console_mfn, spec->console_domid, XC_STREAM_PLAIN, &cb, -1) != 0)
		rc = cap_fail(hv, &c, errno > 0 ? errno : EIO, "restore", domid);
	else if (!store_mfn || !console_mfn)
		rc = hv_fail(hv, -EINVAL, "xen: restore of PV domain %u: libxenguest gave no %s "
			     "ring", domid, store_mfn ? "console" : "xenstore");
	xc_interface_close(xch);
	if (rc < 0)
		return rc;
	out->store_pfn = store_mfn;
	out->store_port = sport;
	out->console_pfn = console_mfn;
	out->console_port = cport;
	log_debug("xen: restored PV domain %u: store mfn %#lx port %u, console mfn %#lx port %u",
		  domid, store_mfn, sport, console_mfn, cport);
	return 0;
}
