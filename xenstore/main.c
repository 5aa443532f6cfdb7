/* xcd-xenstored: the xenstore daemon of xcd. */
#include "hyp.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f,
"Usage: xcd-xenstored [OPTION]...\n"
"The xenstore daemon of xcd: serves the xenstore protocol on a Unix socket and,\n"
"on Xen, to domains through their shared ring page.\n"
"\n"
"  -s, --socket PATH        listen on PATH (default /run/xenstored/socket)\n"
"  -D, --no-domain-init     no hypervisor: serve socket clients only; INTRODUCE\n"
"                           records domains without connecting to them\n"
"      --sim-socket PATH    reach domains on the simulated host (xcd-sim) at\n"
"                           PATH; without it: Xen when /dev/xen/privcmd exists,\n"
"                           else xcd-sim at $XCD_SIM_SOCKET or /run/xcd/sim.sock,\n"
"                           else socket clients only\n"
"  -N, --no-fork            stay in the foreground\n"
"  -F, --pid-file FILE      write the daemon's pid to FILE\n"
"  -T, --trace-file FILE    log every message to FILE\n"
"  -V, --verbose            log more\n"
"  -E, --entry-nb N         nodes a domain may own (quota 'nodes', default 1000)\n"
"  -S, --entry-size N       bytes of one node (quota 'node-size', default 2048)\n"
"  -W, --watch-nb N         watches of a domain (quota 'watches', default 128)\n"
"  -t, --transaction N      open transactions of a domain (default 10)\n"
"  -A, --perm-nb N          permission entries of a node (default 5)\n"
"  -M, --path-max N         longest path (default 3072)\n"
"  -Q, --quota NAME=N       any quota by name: nodes, watches, transactions,\n"
"                           node-size, permissions, transaction-nodes,\n"
"                           outstanding, memory, path-max (0: unlimited)\n"
"  -q, --quota-soft NAME=N  soft quota: crossing it is only logged\n"
"      --max-output BYTES   output queued for one connection before its watch\n"
"                           events are dropped and its input paused (default 1 MiB)\n"
"  -h, --help               show this help\n"
"\n"
"Live update: xenstore-control live-update -f NEW-BINARY, then -s (see\n"
"xcd-xenstored(8)). Environment: XCD_SIM_SOCKET. Exit status: 0 on SIGTERM,\n"
"1 on error.\n");
}

static int quota_opt(struct xs_quota *q, const char *name, const char *val)
{
	char buf[128];
	snprintf(buf, sizeof(buf), "%s=%s", name, val);
	if (quota_parse_assign(q, buf) < 0) {
		fprintf(stderr, "xcd-xenstored: bad value '%s' for %s\n", val, name);
		return -1;
	}
	return 0;
}

static void signal_ready(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) == sizeof(si)) {
		log_info("signal %u: stopping", si.ssi_signo);
		loop_stop(l);
	}
}

static int write_pid(const char *path)
{
	/* 0644 whatever the umask: a pid others could rewrite would have the
	 * scripts that stop us signal another process. */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 && fchmod(fd, 0644) == 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		log_err("pid file %s: %s", path, strerror(e));
		return -e;
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
	return 0;
}

static int init_domains(struct xs_server *s)
{
	int r = hyp_open(s, &s->hyp, -1);
	if (r < 0) {
		if (s->opt.sim_socket) {
			log_err("no simulated host at %s (--sim-socket)", s->opt.sim_socket);
			return r;
		}
		log_info("no hypervisor reachable (neither /dev/xen/privcmd nor xcd-sim): "
			 "serving Unix socket clients only");
		return 0;
	}
	/* A Linux dom0 kernel talks to xenstored through its own ring; on the
	 * simulated host dom0's clients use the socket. */
	if (!hyp_dom0_present())
		return 0;
	struct xs_domain *d0 = domain_find_or_new(s, 0);
	if (!d0)
		return -ENOMEM;
	r = hyp_dom0(s->hyp, d0);
	if (r == 0)
		r = hyp_bind(s->hyp, d0);
	if (r < 0) {
		log_err("init_domains: cannot connect to dom0's xenstore ring: %s", strerror(-r));
		return r;
	}
	struct xs_conn *c = conn_new(s, XS_CONN_DOMAIN, &ring_conn_ops, d0, -1);
	if (!c)
		return -ENOMEM;
	c->domid = 0;
	c->dom = d0;
	c->privileged = true;
	d0->conn = c;
	d0->introduced = true;
	struct xenstore_domain_interface *ri = d0->ring;
	ri->server_features = domain_supported_features();
	ri->connection = XENSTORE_CONNECTED;
	hyp_notify(s->hyp, d0);
	return 0;
}

int main(int argc, char **argv)
{
	enum { OPT_LIVE_UPDATE = 256, OPT_MAX_OUTPUT, OPT_SIM_SOCKET };
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "no-domain-init", no_argument, NULL, 'D' },
		{ "no-fork", no_argument, NULL, 'N' },
		{ "pid-file", required_argument, NULL, 'F' },
		{ "trace-file", required_argument, NULL, 'T' },
		{ "verbose", no_argument, NULL, 'V' },
		{ "entry-nb", required_argument, NULL, 'E' },
		{ "entry-size", required_argument, NULL, 'S' },
		{ "watch-nb", required_argument, NULL, 'W' },
		{ "transaction", required_argument, NULL, 't' },
		{ "perm-nb", required_argument, NULL, 'A' },
		{ "path-max", required_argument, NULL, 'M' },
		{ "quota", required_argument, NULL, 'Q' },
		{ "quota-soft", required_argument, NULL, 'q' },
		{ "max-output", required_argument, NULL, OPT_MAX_OUTPUT },
		{ "sim-socket", required_argument, NULL, OPT_SIM_SOCKET },
		{ "live-update", required_argument, NULL, OPT_LIVE_UPDATE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xs_options opt = { .socket_path = "/run/xenstored/socket", .argv = argv,
				  .max_conn_output = 1024 * 1024 };
	quota_defaults(&opt.quota);
	memset(&opt.quota_soft, 0, sizeof(opt.quota_soft));
	int lu_fd = -1, c, bad = 0;
	while ((c = getopt_long(argc, argv, "s:DNF:T:VE:S:W:t:A:M:Q:q:h", longopts, NULL)) != -1) {
		switch (c) {
		case 's': opt.socket_path = optarg; break;
		case 'D': opt.no_domain_init = true; break;
		case 'N': opt.foreground = true; break;
		case 'F': opt.pid_file = optarg; break;
		case 'T': opt.trace_file = optarg; break;
		case 'V': opt.verbose = true; break;
		case 'E': bad |= quota_opt(&opt.quota, "nodes", optarg); break;
		case 'S': bad |= quota_opt(&opt.quota, "node-size", optarg); break;
		case 'W': bad |= quota_opt(&opt.quota, "watches", optarg); break;
		case 't': bad |= quota_opt(&opt.quota, "transactions", optarg); break;
		case 'A': bad |= quota_opt(&opt.quota, "permissions", optarg); break;
		case 'M': bad |= quota_opt(&opt.quota, "path-max", optarg); break;
		case 'Q':
		case 'q':
			if (quota_parse_assign(c == 'Q' ? &opt.quota : &opt.quota_soft, optarg) < 0) {
				fprintf(stderr, "xcd-xenstored: bad quota '%s' (NAME=VALUE; see --help)\n",
					optarg);
				bad = 1;
			}
			break;
		case OPT_MAX_OUTPUT: {
			char *end;
			opt.max_conn_output = strtoull(optarg, &end, 10);
			if (*end || opt.max_conn_output < 65536) {
				fprintf(stderr, "xcd-xenstored: --max-output needs a number >= 65536\n");
				bad = 1;
			}
			break;
		}
		case OPT_SIM_SOCKET: opt.sim_socket = optarg; break;
		case OPT_LIVE_UPDATE: lu_fd = atoi(optarg); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (bad)
		return 1;
	if (optind < argc) {
		fprintf(stderr, "xcd-xenstored: unexpected argument '%s'\n", argv[optind]);
		return 1;
	}
	log_init("xcd-xenstored", 0, opt.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	signal(SIGPIPE, SIG_IGN);

	struct xs_server srv;
	int r = server_init(&srv, &opt);
	if (r < 0) {
		log_err("init: %s", strerror(-r));
		server_destroy(&srv);
		return 1;
	}
	if (opt.trace_file) {
		srv.trace = trace_fopen(opt.trace_file, true);
		if (!srv.trace)
			log_warn("trace file %s: %s", opt.trace_file, strerror(errno));
	}
	if (lu_fd >= 0) {
		r = lu_restore(&srv, lu_fd);
		if (r < 0) {
			log_err("live update: cannot restore the saved state: %s", strerror(-r));
			goto fail;
		}
		log_info("live update: state restored, %zu nodes", srv.store.nodes.count);
	} else {
		r = server_listen(&srv);
		if (r < 0)
			goto fail;
		if (!opt.no_domain_init && init_domains(&srv) < 0) {
			log_err("cannot reach domains: use --no-domain-init to serve sockets only");
			unlink(opt.socket_path);
			goto fail;
		}
	}
	/* Detach only once serving is possible: a failed start is an exit status. */
	if (!opt.foreground && lu_fd < 0) {
		if (daemon(0, 0) < 0) {
			log_err("daemon: %s", strerror(errno));
			goto fail;
		}
		log_init("xcd-xenstored", 1, opt.verbose ? LOG_LVL_DEBUG : LOG_LVL_INFO);
	}
	if (opt.pid_file && write_pid(opt.pid_file) < 0)
		goto fail;

	sigset_t mask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd >= 0)
		loop_add(srv.loop, sfd, EPOLLIN, signal_ready, NULL);
	log_info("serving on %s%s", opt.socket_path, srv.hyp ? " and domain rings" : "");
	r = loop_run(srv.loop);
	if (opt.socket_path && srv.listen_fd >= 0)
		unlink(opt.socket_path);
	if (opt.pid_file)
		unlink(opt.pid_file);
	server_destroy(&srv);
	if (sfd >= 0)
		close(sfd);
	return r < 0 ? 1 : 0;
fail:
	if (srv.listen_fd >= 0 && lu_fd < 0)
		unlink(opt.socket_path);
	server_destroy(&srv);
	return 1;
}
