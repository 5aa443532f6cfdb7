/* xcd-sim: a simulated Xen host (the hypervisor and its guests) for machines
 * without Xen. One process per host; hv's sim backend is its client. */
#include "sim.h"
#include "../lib/log.h"
#include "../lib/loop.h"
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

struct sim_main {
	struct loop *loop;
	struct sim_host host;
	struct sim_control *control;
	struct sim_backends *backends;
	int sigfd;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xcd-sim [--socket PATH | --rundir DIR] [--cpus N] [--memory MiB]\n"
		   "               [--dom0-memory MiB] [--featureset HEX[,HEX...]]\n"
		   "               [--xenstore PATH] [--backend-delay MS] [--verbose]\n"
		   "A simulated Xen host. Default socket: DIR/sim.sock, DIR /run/xcd.\n"
		   "--memory MiB: the host's memory for guests (default 4096).\n"
		   "--dom0-memory MiB: what Domain-0 holds, apart from it (default 1024).\n"
		   "--xenstore PATH: run dom0's vbd and vif backends on the xenstored there.\n"
		   "--backend-delay MS: those backends pause MS before each write (tests\n"
		   "of a device removed while a backend answers it).\n");
}

static void on_signal(struct loop *l, int fd, uint32_t events, void *arg)
{
	struct signalfd_siginfo si;
	if (read(fd, &si, sizeof(si)) == sizeof(si))
		log_info("signal %u: stopping", si.ssi_signo);
	loop_stop(l);
}

static int parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "xcd-sim: --%s %s: expected a number from %llu to %llu\n", opt, s,
			(unsigned long long)min, (unsigned long long)max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int parse_featureset(struct sim_host *h, const char *s)
{
	h->nr_features = 0;
	while (*s) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(s, &end, 16);
		if (errno || end == s || v > 0xffffffffu || (*end && *end != ',') ||
		    h->nr_features == SIM_FEATURESET_MAX) {
			fprintf(stderr, "xcd-sim: --featureset: expected up to %u hex words "
					"separated by commas, at \"%s\"\n", SIM_FEATURESET_MAX, s);
			return -EINVAL;
		}
		h->featureset[h->nr_features++] = (uint32_t)v;
		s = *end ? end + 1 : end;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "dom0-memory", required_argument, NULL, 'M' },
		{ "featureset", required_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "xenstore", required_argument, NULL, 'x' },
		{ "backend-delay", required_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sim_main m = { .sigfd = -1 };
	/* A plausible x86 featureset, so that compatibility checks have words to compare. */
	static const uint32_t default_features[] = { 0x1fbee3ff, 0xbfebfbff, 0x00000121,
						     0x2c100800, 0x029c67af, 0x00000000 };
	m.host.nr_cpus = 4;
	m.host.total_kb = 4096 * 1024;
	m.host.dom0_kb = 1024 * 1024;
	m.host.nr_features = sizeof(default_features) / sizeof(default_features[0]);
	memcpy(m.host.featureset, default_features, sizeof(default_features));
	m.host.next_domid = 1;
	pthread_mutex_init(&m.host.ev_mu, NULL);
	const char *sock = NULL, *rundir = "/run/xcd", *xenstore = NULL;
	long backend_delay_ms = 0;
	enum log_level lvl = LOG_LVL_INFO;
	uint64_t v;
	int c;
	while ((c = getopt_long(argc, argv, "s:r:c:m:M:f:x:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'r': rundir = optarg; break;
		case 'c':
			if (parse_u64("cpus", optarg, 1, 4096, &v) < 0)
				return 2;
			m.host.nr_cpus = (uint32_t)v;
			break;
		case 'm':
			if (parse_u64("memory", optarg, 1, 1u << 24, &v) < 0)
				return 2;
			m.host.total_kb = v * 1024;
			break;
		case 'M':
			if (parse_u64("dom0-memory", optarg, 1, 1u << 24, &v) < 0)
				return 2;
			m.host.dom0_kb = v * 1024;
			break;
		case 'f':
			if (parse_featureset(&m.host, optarg) < 0)
				return 2;
			break;
		case 'v': lvl = LOG_LVL_DEBUG; break;
		case 'x': xenstore = optarg; break;
		case 'D':
			if (parse_u64("backend-delay", optarg, 0, 10000, &v) < 0)
				return 2;
			backend_delay_ms = (long)v;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	log_init("xcd-sim", 0, lvl);
	char path[4096];
	if (!sock) {
		if (mkdir(rundir, 0700) < 0 && errno != EEXIST) {
			log_err("rundir %s: %s", rundir, strerror(errno));
			return 1;
		}
		snprintf(path, sizeof(path), "%s/sim.sock", rundir);
		sock = path;
	}

	int rc = sim_logdirty_install();
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	signal(SIGPIPE, SIG_IGN);
	if (rc == 0 && sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		rc = -errno;
	if (rc == 0 && (m.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
		rc = -errno;
	if (rc == 0)
		rc = loop_new(&m.loop);
	if (rc == 0)
		rc = loop_add(m.loop, m.sigfd, EPOLLIN, on_signal, NULL);
	if (rc < 0) {
		log_err("start: %s", strerror(-rc));
		return 1;
	}
	m.host.loop = m.loop;
	if ((rc = sim_control_start(m.loop, &m.host, sock, &m.control)) < 0)
		return 1;
	log_info("simulated host: %u CPUs, %llu MiB, socket %s", m.host.nr_cpus,
		 (unsigned long long)m.host.total_kb / 1024, sock);
	if (xenstore && (rc = sim_backends_start(xenstore, backend_delay_ms, &m.backends)) < 0) {
		log_err("backends on %s: %s", xenstore, strerror(-rc));
		sim_control_stop(m.control);
		return 1;
	}
	rc = loop_run(m.loop);
	if (rc < 0)
		log_err("event loop: %s", strerror(-rc));
	sim_backends_stop(m.backends);
	sim_control_stop(m.control);
	sim_evh_close_all(&m.host);
	while (m.host.domains)
		sim_domain_destroy(&m.host, m.host.domains);
	loop_free(m.loop);
	close(m.sigfd);
	pthread_mutex_destroy(&m.host.ev_mu);
	return rc < 0 ? 1 : 0;
}
