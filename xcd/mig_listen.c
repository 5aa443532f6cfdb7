/* mig_listen: xcdd's migration listener (mig_listen.h): the socket, the
 * gateway as a child job started again when it dies, and the gateway's
 * delivery of each migration to xcdd's own API socket. */
#include "mig_listen.h"
#include "../lib/fdio.h"
#include "../lib/jsonrpc.h"
#include "../lib/caps.h"
#include "../lib/log.h"
#include "../lib/uuid.h"
#include "devjob.h"
#include "mig_req.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Between the gateway's death and its next start: from this, doubling
 * while it dies young, up to the most. */
#define RESTART_FIRST_MS 1000u
#define RESTART_MOST_MS 60000u

/* ---- the gateway's child: each migration to xcdd ---- */

static int connect_api(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A notification that came before the answer: xcdd's word that the copy
 * RX brings has its devices up goes on to the sender; others are skipped. */
static void notified(const struct jsonrpc_message *m, struct rmig *rx)
{
	if (rx && m->method && !strcmp(m->method, "domain.migrate_devices"))
		mig_tcp_devices_up(rx);
}

/* The answer to the request on FD (notifications given to notified, for
 * RX: NULL for none): 0 with *M, or -1 with ERR. */
static int read_answer(int fd, struct rmig *rx, struct jsonrpc_message *m, char *err,
		       size_t errlen)
{
	struct jsonrpc_linebuf lb;
	int rc = -1;
	jsonrpc_linebuf_init(&lb, JSONRPC_MAX_LINE);
	for (;;) {
		char *line;
		size_t len;
		int r = jsonrpc_linebuf_next(&lb, &line, &len, err, errlen);
		if (r < 0)
			break;
		if (r == 1) {
			struct jsonrpc_error e;
			if (jsonrpc_response_parse(line, len, m, &e) < 0) {
				snprintf(err, errlen, "a bad answer from xcdd: %s", e.message);
				break;
			}
			if (m->kind == JSONRPC_RESPONSE) {
				rc = 0;
				break;
			}
			notified(m, rx);
			jsonrpc_message_free(m);
			continue;
		}
		ssize_t n = jsonrpc_linebuf_read(&lb, fd, err, errlen);
		if (n == 0)
			snprintf(err, errlen, "xcdd closed the connection before it answered");
		if (n == 0 || (n < 0 && n != -EAGAIN && n != -EINTR))
			break;
	}
	jsonrpc_linebuf_free(&lb);
	return rc;
}

/* One request of ML's xcdd on a connection of its own, with FDS (N of
 * them, closed here either way: xcdd holds them now), its answer in *M
 * (the notifications before it for RX, which may be NULL): 0, or -EIO with
 * ERR. */
static int ask_xcdd(const struct mig_listen *ml, const char *method, jsonrpc_value_fn *params,
		    void *arg, int *fds, unsigned n, struct rmig *rx, struct jsonrpc_message *m,
		    char *err, size_t errlen)
{
	struct jsonrpc_id id = { JSONRPC_ID_NUMBER, (char *)"1" };
	char *out = NULL;
	size_t len;
	int rc = -EIO;
	int fd = connect_api(ml->api_sock);
	if (fd < 0)
		snprintf(err, errlen, "the receiving xcdd is not reachable at %s: %s", ml->api_sock,
			 strerror(errno));
	else if (jsonrpc_gen_request(&id, method, params, arg, &out, &len) < 0)
		snprintf(err, errlen, "the request cannot be sent to xcdd (not UTF-8?)");
	else if (jsonrpc_send_fds(fd, out, len, fds, n) < 0)
		snprintf(err, errlen, "sending the request to xcdd: %s", strerror(errno));
	else
		rc = 0;
	free(out);
	for (unsigned i = 0; i < n; i++)
		close(fds[i]); /* xcdd's now: ours would keep them open */
	if (rc == 0 && read_answer(fd, rx, m, err, errlen) < 0)
		rc = -EIO;
	if (fd >= 0)
		close(fd);
	return rc;
}

/* A sender in doubt after its go asks by id: xcdd's word written back as
 * the answer line ("unavailable" when xcdd cannot say), as xcd
 * migrate-receive answers it. */
static int answer_query(const struct mig_listen *ml, const struct mig_pipe_head *h, int stream,
			int back, const struct mig_tcp_peer *from, char *err, size_t errlen)
{
	struct jsonrpc_message m;
	enum mig_outcome o = MIG_OUTCOME_UNAVAILABLE;
	size_t len;
	close(stream);
	if (ask_xcdd(ml, "domain.migrate_outcome", mig_outcome_params, (void *)h->id, NULL, 0,
		     NULL, &m, err, errlen) == 0) {
		if (!m.is_error)
			o = mig_outcome_result(m.result);
		jsonrpc_message_free(&m);
	}
	log_info("%s (%s) asks the outcome of migration %s: %s", from->cred.name, from->address,
		 UUID_STR(h->id), mig_outcome_name(o));
	const char *line = mig_outcome_line(o, &len);
	int rc = fd_write_all(back, line, len) < 0 ? -errno : 0;
	if (rc < 0)
		snprintf(err, errlen, "answering the outcome query: %s", strerror(-rc));
	close(back);
	return rc;
}

static int deliver(void *arg, struct rmig *rx, const struct mig_pipe_head *h, bool paused,
		   int stream, int back, const struct mig_tcp_peer *from, char *err, size_t errlen)
{
	const struct mig_listen *ml = arg;
	if (h->query)
		return answer_query(ml, h, stream, back, from, err, errlen);
	/* A sender that takes it is told when the copy's devices are up. */
	struct mig_receive_req r = { h->config, h->off, paused, from->devices };
	int fds[2] = { stream, back };
	struct jsonrpc_message m;
	int rc = ask_xcdd(ml, "domain.migrate_receive", mig_receive_params, &r, fds, 2, rx, &m,
			  err, errlen);
	if (rc < 0)
		return rc;
	if (m.is_error) {
		snprintf(err, errlen, "the destination refused the guest: %s", m.error.message);
		rc = -EIO;
	} else {
		log_info("received a guest from %s (%s) over %u data connection(s)", from->cred.name,
			 from->address, from->streams);
	}
	jsonrpc_message_free(&m);
	return rc;
}

static int gw_work(int fd, void *arg, char *err, size_t errlen)
{
	struct mig_listen *ml = arg; /* the child's copy */
	struct mig_tcp_gw_opts o = { .cred_dir = ml->cred_dir, .timeout_ms = ml->timeout_ms };
	(void)fd;
	/* What the network sends is parsed here: nothing of root's but its
	 * files (the credential) and xcdd's socket is kept. */
	int rc = caps_drop_all(err, errlen);
	if (rc < 0)
		return rc;
	rc = mig_tcp_gateway(CHILDJOB_FD + 1, &o, deliver, ml);
	snprintf(err, errlen, "accepting migrations on %s: %s", ml->bound, strerror(-rc));
	return rc;
}

/* ---- the daemon ---- */

static void start_gateway(struct mig_listen *ml);

static void gw_done(int rc, bool reported, const char *err, void *arg)
{
	struct mig_listen *ml = arg;
	(void)reported;
	ml->job = NULL;
	if (rc == -ECANCELED)
		return; /* xcdd stops */
	if (mono_ms() - ml->started_ms > RESTART_MOST_MS)
		ml->backoff_ms = RESTART_FIRST_MS;
	log_err("the migration gateway on %s ended (%s); it starts again in %u ms", ml->bound,
		err && *err ? err : "?", ml->backoff_ms);
	loop_timer_arm(ml->restart, ml->backoff_ms, 0);
	ml->backoff_ms = ml->backoff_ms * 2 < RESTART_MOST_MS ? ml->backoff_ms * 2 : RESTART_MOST_MS;
}

static void start_gateway(struct mig_listen *ml)
{
	char err[256];
	int fds[1] = { ml->fd };
	struct devjob_extra x = { fds, 1, NULL, "xcdd-miggw" };
	ml->started_ms = mono_ms();
	if (devjob_run_with(ml->js, "the migration gateway", &x, gw_work, ml, NULL, gw_done, ml,
			    &ml->job, err, sizeof(err)) < 0)
		gw_done(-EAGAIN, false, err, ml);
}

static void restart_cb(struct loop *l, struct loop_timer *t, void *arg)
{
	(void)l;
	(void)t;
	start_gateway(arg);
}

int mig_listen_open(struct mig_listen *ml, struct childjobs *js, const char *spec,
		    const char *cred_dir, unsigned timeout_ms, const char *api_sock, char *err,
		    size_t errlen)
{
	struct mig_addr a;
	struct mig_cred_info self;
	char cerr[768];
	*ml = (struct mig_listen){ .fd = -1, .js = js, .timeout_ms = timeout_ms,
				   .backoff_ms = RESTART_FIRST_MS };
	snprintf(ml->cred_dir, sizeof(ml->cred_dir), "%s", cred_dir);
	snprintf(ml->api_sock, sizeof(ml->api_sock), "%s", api_sock);
	int rc = mig_addr_parse(spec, true, &a, err, errlen);
	if (rc < 0)
		return rc;
	if ((ml->fd = mig_addr_listen(&a, ml->bound, sizeof(ml->bound), err, errlen)) < 0)
		return ml->fd;
	if (!(ml->restart = loop_timer_new(js->loop, restart_cb, ml))) {
		close(ml->fd);
		ml->fd = -1;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (mig_cred_show(cred_dir, &self, NULL, cerr, sizeof(cerr)) == 0 &&
	    mig_cred_check_files(cred_dir, cerr, sizeof(cerr)) == 0)
		log_info("listening for migrations on %s as host %s (%s)", ml->bound, self.name,
			 self.fingerprint);
	else
		log_warn("listening for migrations on %s, but every connection is refused until "
			 "this host has a usable credential: %s", ml->bound, cerr);
	start_gateway(ml);
	return 0;
}

void mig_listen_close(struct mig_listen *ml)
{
	if (ml->job)
		devjob_cancel(ml->job);
	ml->job = NULL;
	if (ml->restart)
		loop_timer_free(ml->restart);
	ml->restart = NULL;
	if (ml->fd >= 0)
		close(ml->fd);
	ml->fd = -1;
}
