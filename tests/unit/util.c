#include "util.h"
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct xs_server *U_srv;
struct hmsg U_r;

#define MAX_CONNS 64
static struct hconn *conns[MAX_CONNS];
static unsigned nconns;

static void close_all(void)
{
	for (unsigned i = 0; i < nconns; i++)
		harness_conn_close(conns[i]);
	nconns = 0;
}

void u_setup(void)
{
	U_srv = harness_server(NULL);
}

void u_teardown(void)
{
	close_all();
	harness_server_free(U_srv);
	U_srv = NULL;
}

struct xs_server *u_server(const struct xs_options *opt)
{
	close_all();
	harness_server_free(U_srv);
	U_srv = harness_server(opt);
	return U_srv;
}

struct hconn *u_conn(unsigned domid, bool privileged)
{
	if (!U_srv || nconns == MAX_CONNS)
		return NULL;
	struct hconn *h = harness_conn(U_srv, domid, privileged);
	if (h)
		conns[nconns++] = h;
	return h;
}

struct hconn *u_dom_conn(unsigned domid)
{
	struct hconn *h = u_conn(domid, false);
	if (!h)
		return NULL;
	struct xs_domain *d = domain_find_or_new(U_srv, domid);
	h->c->dom = d;
	d->conn = h->c;
	return h;
}

void u_close(struct hconn *h)
{
	for (unsigned i = 0; i < nconns; i++) {
		if (conns[i] == h) {
			conns[i] = conns[--nconns];
			harness_conn_close(h);
			return;
		}
	}
}

static int result(uint32_t type, int r)
{
	if (r < 0)
		return U_NOREPLY;
	if (U_r.type == XS_ERROR) {
		int e = xs_errno_from_name(U_r.data);
		return e ? -e : U_BADTYPE;
	}
	return U_r.type == type ? 0 : U_BADTYPE;
}

int u_raw(struct hconn *h, uint32_t type, uint32_t tx, const void *payload, uint32_t len)
{
	memset(&U_r, 0, offsetof(struct hmsg, data) + 1);
	int r = harness_request(h, type, tx, payload, len, &U_r);
	return result(type, r);
}

static int vreq(struct hconn *h, uint32_t type, uint32_t tx, const char *first, va_list ap)
{
	static char buf[XENSTORE_PAYLOAD_MAX + 64];
	uint32_t len = 0;
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		size_t l = strlen(s) + 1;
		if (len + l > sizeof(buf))
			return U_NOREPLY;
		memcpy(buf + len, s, l);
		len += (uint32_t)l;
	}
	return u_raw(h, type, tx, buf, len);
}

int u_req(struct hconn *h, uint32_t type, uint32_t tx, ...)
{
	va_list ap;
	va_start(ap, tx);
	const char *first = va_arg(ap, const char *);
	int r = vreq(h, type, tx, first, ap);
	va_end(ap);
	return r;
}

int u_writen(struct hconn *h, uint32_t tx, const char *path, const void *value, uint32_t len)
{
	static char buf[2 * XENSTORE_PAYLOAD_MAX];
	size_t pl = strlen(path) + 1;
	if (pl + len > sizeof(buf))
		return U_NOREPLY;
	memcpy(buf, path, pl);
	memcpy(buf + pl, value, len);
	return u_raw(h, XS_WRITE, tx, buf, (uint32_t)(pl + len));
}

int u_write(struct hconn *h, uint32_t tx, const char *path, const char *value)
{
	return u_writen(h, tx, path, value, (uint32_t)strlen(value));
}

int u_read(struct hconn *h, uint32_t tx, const char *path)
{
	return u_req(h, XS_READ, tx, path, NULL);
}

int u_mkdir(struct hconn *h, uint32_t tx, const char *path)
{
	return u_req(h, XS_MKDIR, tx, path, NULL);
}

int u_rm(struct hconn *h, uint32_t tx, const char *path)
{
	return u_req(h, XS_RM, tx, path, NULL);
}

int u_setperms(struct hconn *h, uint32_t tx, const char *path, ...)
{
	va_list ap;
	va_start(ap, path);
	int r = vreq(h, XS_SET_PERMS, tx, path, ap);
	va_end(ap);
	return r;
}

uint32_t u_txstart(struct hconn *h)
{
	if (u_req(h, XS_TRANSACTION_START, 0, "", NULL) != 0)
		return 0;
	return (uint32_t)strtoul(U_r.data, NULL, 10);
}

int u_txend(struct hconn *h, uint32_t tx, bool commit)
{
	return u_req(h, XS_TRANSACTION_END, tx, commit ? "T" : "F", NULL);
}

int u_watch(struct hconn *h, const char *path, const char *token)
{
	return u_req(h, XS_WATCH, 0, path, token, NULL);
}

/* Rotating result buffers, so that two results may be compared. */
static char *slot(void)
{
	static char bufs[4][2 * XENSTORE_PAYLOAD_MAX + 16];
	static unsigned next;
	return bufs[next++ % 4];
}

const char *u_joined(void)
{
	char *o = slot();
	uint32_t len = U_r.len;
	if (len && U_r.data[len - 1] == '\0')
		len--;
	for (uint32_t i = 0; i < len; i++)
		o[i] = U_r.data[i] ? U_r.data[i] : ',';
	o[len] = '\0';
	return o;
}

const char *u_rcname(int rc)
{
	if (rc == 0)
		return "OK";
	if (rc == U_NOREPLY)
		return "no reply";
	if (rc == U_BADTYPE)
		return "reply of another type";
	return xs_errno_name(-rc);
}

static const char *short_form(int rc)
{
	if (rc == 0)
		return u_joined();
	char *o = slot();
	snprintf(o, 64, "%s%s", rc < 0 && rc > -1000 ? "" : "!", u_rcname(rc));
	return o;
}

const char *u_get(struct hconn *h, const char *path)
{
	return short_form(u_read(h, 0, path));
}

const char *u_dir(struct hconn *h, const char *path)
{
	return short_form(u_req(h, XS_DIRECTORY, 0, path, NULL));
}

const char *u_perms(struct hconn *h, const char *path)
{
	return short_form(u_req(h, XS_GET_PERMS, 0, path, NULL));
}

const char *u_ev(struct hconn *h)
{
	char path[XENSTORE_PAYLOAD_MAX + 1], token[XENSTORE_PAYLOAD_MAX + 1];
	char *o = slot();
	o[0] = '\0';
	if (harness_event(h, path, sizeof(path), token, sizeof(token)))
		snprintf(o, 2 * XENSTORE_PAYLOAD_MAX + 16, "%s|%s", path, token);
	return o;
}

void u_drain(struct hconn *h)
{
	while (u_ev(h)[0])
		;
}

unsigned u_nev(struct hconn *h)
{
	unsigned n = 0;
	while (u_ev(h)[0])
		n++;
	return n;
}

void u_assert_int(long long a, long long b, const char *ea, const char *eb, int line,
		  const char *file)
{
	char m[512];
	snprintf(m, sizeof(m), "%s == %s (got %lld, expected %lld)", ea, eb, a, b);
	CU_assertImplementation(a == b, (unsigned)line, m, file, "", CU_FALSE);
}

void u_assert_rc(int a, int b, const char *ea, int line, const char *file)
{
	char m[512];
	snprintf(m, sizeof(m), "%s (got %s, expected %s)", ea, u_rcname(a), u_rcname(b));
	CU_assertImplementation(a == b, (unsigned)line, m, file, "", CU_FALSE);
}

void u_assert_str(const char *a, const char *b, const char *ea, const char *eb, int line,
		  const char *file)
{
	char m[1024];
	snprintf(m, sizeof(m), "%s == %s (got \"%.300s\", expected \"%.300s\")", ea, eb,
		 a ? a : "(null)", b ? b : "(null)");
	CU_assertImplementation(a && b && strcmp(a, b) == 0, (unsigned)line, m, file, "",
				CU_FALSE);
}

void u_add_suite(const char *name, const struct u_test *tests)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown(name, NULL, NULL, u_setup, u_teardown);
	if (!s)
		return;
	for (const struct u_test *t = tests; t->name; t++)
		CU_add_test(s, t->name, t->fn);
}
