/* cli_cred: `xcd host-credential`, the host credential that migrations over
 * TCP authenticate hosts with (migrate/cred.h): made, shown (its
 * certificate for the peers), peers trusted and forgotten. Works on the
 * files under --dir (/etc/xcd) itself: no xcdd needed, which reads them
 * again for each connection. */
#include "../lib/fdio.h"
#include "../lib/jsonw.h"
#include "../migrate/cred.h"
#include "cli.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_gen.h>

struct cred_args {
	const char *dir, *verb, *arg, *name;
	long days;
	bool force, json, pem;
};

static const char *day(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
	return buf;
}

/* INFO as a JSON object's members. */
static int gen_info(yajl_gen g, const struct mig_cred_info *i)
{
	return jw_kv_str(g, "name", i->name) || jw_kv_str(g, "fingerprint", i->fingerprint) ||
	       jw_kv_int(g, "not_before", (long long)i->not_before) ||
	       jw_kv_int(g, "not_after", (long long)i->not_after);
}

struct show {
	const struct mig_cred_info *self;
	const struct mig_cred_info *peers;
	size_t n;
	const char *dir;
};

static int gen_show(yajl_gen g, void *arg)
{
	const struct show *s = arg;
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || jw_kv_str(g, "dir", s->dir))
		return -EINVAL;
	if (s->self && gen_info(g, s->self))
		return -EINVAL;
	if (jw_str(g, "peers") || yajl_gen_array_open(g) != yajl_gen_status_ok)
		return -EINVAL;
	for (size_t i = 0; i < s->n; i++)
		if (yajl_gen_map_open(g) != yajl_gen_status_ok || gen_info(g, &s->peers[i]) ||
		    yajl_gen_map_close(g) != yajl_gen_status_ok)
			return -EINVAL;
	return yajl_gen_array_close(g) != yajl_gen_status_ok ||
			       yajl_gen_map_close(g) != yajl_gen_status_ok
		       ? -EINVAL
		       : 0;
}

static int print_json(jsonrpc_value_fn *fn, void *arg)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	const unsigned char *buf;
	size_t len;
	int rc = g && fn(g, arg) == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok
			 ? 0
			 : -1;
	if (rc == 0)
		printf("%.*s\n", (int)len, buf);
	if (g)
		yajl_gen_free(g);
	return rc;
}

static int gen_one(yajl_gen g, void *arg)
{
	if (yajl_gen_map_open(g) != yajl_gen_status_ok || gen_info(g, arg))
		return -EINVAL;
	return yajl_gen_map_close(g) == yajl_gen_status_ok ? 0 : -EINVAL;
}

/* This host's name as a credential carries it: its host name up to the
 * first dot. */
static int default_name(char *out, size_t len)
{
	char err[160];
	if (gethostname(out, len) < 0)
		return -1;
	out[len - 1] = '\0';
	out[strcspn(out, ".")] = '\0';
	if (mig_cred_name_check(out, err, sizeof(err)) < 0) {
		fprintf(stderr, "xcd host-credential: this host's name %s will not do (%s): give "
			"--name NAME\n", out, err);
		return -1;
	}
	return 0;
}

static int do_create(const struct cred_args *a)
{
	char name[256], err[1024], d1[16], d2[16];
	struct mig_cred_info i;
	if (!a->name && default_name(name, sizeof(name)) < 0)
		return 1;
	if (mig_cred_create(a->dir, a->name ? a->name : name, (unsigned)a->days, a->force, &i, err,
			    sizeof(err)) < 0) {
		fprintf(stderr, "xcd host-credential create: %s\n", err);
		return 1;
	}
	if (a->json)
		return print_json(gen_one, &i) < 0;
	printf("Made the host credential of %s in %s: %s, valid from %s to %s.\n"
	       "Its peers trust it once they have its certificate: `xcd host-credential show "
	       "--pem > %s.crt` here, then `xcd host-credential trust %s.crt` on each.\n",
	       i.name, a->dir, i.fingerprint, day(i.not_before, d1, sizeof(d1)),
	       day(i.not_after, d2, sizeof(d2)), i.name, i.name);
	return 0;
}

static int do_show(const struct cred_args *a)
{
	struct mig_cred_info self, *peers = NULL;
	char *pem = NULL, err[1024], d1[16], d2[16];
	size_t n = 0;
	int rc = mig_cred_show(a->dir, &self, &pem, err, sizeof(err));
	if (rc < 0 && (a->pem || rc != -ENOENT)) {
		fprintf(stderr, "xcd host-credential show: %s\n", err);
		return 1;
	}
	if (a->pem) {
		fputs(pem, stdout);
		free(pem);
		return 0;
	}
	free(pem);
	bool have = rc == 0;
	if (mig_cred_peers(a->dir, &peers, &n, err, sizeof(err)) < 0) {
		fprintf(stderr, "xcd host-credential show: %s\n", err);
		return 1;
	}
	if (a->json) {
		struct show s = { have ? &self : NULL, peers, n, a->dir };
		rc = print_json(gen_show, &s);
		free(peers);
		return rc < 0;
	}
	if (have)
		printf("host:          %s\nfingerprint:   %s\nvalid:         %s to %s\n"
		       "certificate:   %s/host.crt\n", self.name, self.fingerprint,
		       day(self.not_before, d1, sizeof(d1)), day(self.not_after, d2, sizeof(d2)),
		       a->dir);
	else
		printf("host:          none (no credential in %s: `xcd host-credential create`)\n",
		       a->dir);
	printf("trusted peers: %s\n", n ? "" : "none");
	for (size_t i = 0; i < n; i++)
		printf("  %-20s %s  until %s\n", peers[i].name, peers[i].fingerprint,
		       day(peers[i].not_after, d2, sizeof(d2)));
	free(peers);
	return 0;
}

static int do_trust(const struct cred_args *a)
{
	char *pem = NULL, err[1024];
	size_t len = 0;
	struct mig_cred_info i;
	int fd = strcmp(a->arg, "-") ? open(a->arg, O_RDONLY | O_CLOEXEC) : 0;
	int rc = fd < 0 ? -errno : fd_read_all(fd, MIG_CRED_PEM_MAX, &pem, &len);
	if (fd > 0)
		close(fd);
	if (rc < 0) {
		fprintf(stderr, "xcd host-credential trust: %s: %s\n", a->arg,
			rc == -EFBIG ? "too large for a certificate" : strerror(-rc));
		return 1;
	}
	rc = mig_cred_trust(a->dir, pem, len, a->force, &i, err, sizeof(err));
	free(pem);
	if (rc < 0) {
		fprintf(stderr, "xcd host-credential trust: %s: %s\n", a->arg, err);
		return 1;
	}
	if (a->json)
		return print_json(gen_one, &i) < 0;
	printf("Trusted %s (%s): migrations from and to it are taken.\n", i.name, i.fingerprint);
	return 0;
}

static int do_untrust(const struct cred_args *a)
{
	char err[512];
	if (mig_cred_untrust(a->dir, a->arg, err, sizeof(err)) < 0) {
		fprintf(stderr, "xcd host-credential untrust: %s\n", err);
		return 1;
	}
	printf("%s is no longer trusted.\n", a->arg);
	return 0;
}

/* The options and the verb: 0, or 1 (said). */
static int parse(int argc, char **argv, struct cred_args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool takes = !strcmp(o, "--dir") || !strcmp(o, "--name") || !strcmp(o, "--days");
		if (takes && !v) {
			fprintf(stderr, "xcd host-credential: %s needs a value\n", o);
			return 1;
		}
		if (takes)
			i++;
		char *end;
		if (!strcmp(o, "--dir"))
			a->dir = v;
		else if (!strcmp(o, "--name"))
			a->name = v;
		else if (!strcmp(o, "--days") && ((a->days = strtol(v, &end, 10)) < 1 || *end ||
						   a->days > 36500)) {
			fprintf(stderr, "xcd host-credential: --days %s: expected 1 to 36500\n", v);
			return 1;
		} else if (!strcmp(o, "--force"))
			a->force = true;
		else if (!strcmp(o, "--json"))
			a->json = true;
		else if (!strcmp(o, "--pem"))
			a->pem = true;
		else if (o[0] == '-' && o[1] && !takes) {
			fprintf(stderr, "xcd host-credential: unknown option %s\n", o);
			return 1;
		} else if (!takes && !a->verb)
			a->verb = o;
		else if (!takes && !a->arg)
			a->arg = o;
		else if (!takes) {
			fprintf(stderr, "xcd host-credential: unexpected %s\n", o);
			return 1;
		}
	}
	bool wants_arg = a->verb && (!strcmp(a->verb, "trust") || !strcmp(a->verb, "untrust"));
	if (!a->verb || (wants_arg && !a->arg) || (!wants_arg && a->arg)) {
		fprintf(stderr, "xcd host-credential: expected create, show, trust FILE or untrust "
			"NAME (xcd help host-credential)\n");
		return 1;
	}
	return 0;
}

int v_host_credential(int fd, int argc, char **argv)
{
	struct cred_args a = { .dir = MIG_CRED_DIR_DEFAULT, .days = 3650 };
	(void)fd;
	if (parse(argc, argv, &a))
		return 1;
	if (!strcmp(a.verb, "create"))
		return do_create(&a);
	if (!strcmp(a.verb, "show"))
		return do_show(&a);
	if (!strcmp(a.verb, "trust"))
		return do_trust(&a);
	if (!strcmp(a.verb, "untrust"))
		return do_untrust(&a);
	fprintf(stderr, "xcd host-credential: %s: expected create, show, trust or untrust\n",
		a.verb);
	return 1;
}

bool host_credential_offline(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return true;
}
