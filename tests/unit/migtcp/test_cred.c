/* test_cred: the host credential (migrate/cred.c): made, shown, made again
 * only with --force; peers trusted, replaced only with --force, forgotten;
 * a presented certificate checked (trusted, not trusted, another host's,
 * out of its dates, a chain, none); the files' modes enforced. */
#include "../../../migrate/cred.h"
#include "suites.h"
#include <CUnit/CUnit.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

char *mtu_dir(const char *name)
{
	static char buf[8][128];
	static int i;
	char *b = buf[i++ % 8];
	if (!root[0]) {
		snprintf(root, sizeof(root), "/tmp/migtcp-unit.XXXXXX");
		CU_ASSERT_FATAL(mkdtemp(root) != NULL);
	}
	snprintf(b, 128, "%s/%s", root, name);
	return b;
}

int mtu_make_host(const char *name, struct mig_cred_info *info)
{
	char err[512];
	int rc = mig_cred_create(mtu_dir(name), name, 1, true, info, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, "%s: %s\n", name, err);
	return rc;
}

int mtu_trust(const char *host, const char *peer)
{
	char *pem, err[512];
	struct mig_cred_info i;
	int rc = mig_cred_show(mtu_dir(peer), &i, &pem, err, sizeof(err));
	if (rc == 0) {
		rc = mig_cred_trust(mtu_dir(host), pem, strlen(pem), true, &i, err, sizeof(err));
		free(pem);
	}
	if (rc < 0)
		fprintf(stderr, "%s trusts %s: %s\n", host, peer, err);
	return rc;
}

void mtu_cleanup(void)
{
	char cmd[128];
	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd) != 0)
			fprintf(stderr, "cannot remove %s\n", root);
	}
}

/* The DER of DIR's own certificate, in *DER (gnutls_free it). */
static void own_der(const char *dir, gnutls_datum_t *der)
{
	char *pem, err[256];
	struct mig_cred_info i;
	gnutls_x509_crt_t crt;
	CU_ASSERT_FATAL(mig_cred_show(dir, &i, &pem, err, sizeof(err)) == 0);
	gnutls_datum_t d = { (unsigned char *)pem, (unsigned)strlen(pem) };
	CU_ASSERT_FATAL(gnutls_x509_crt_init(&crt) == 0);
	CU_ASSERT_FATAL(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) == 0);
	CU_ASSERT_FATAL(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, der) == 0);
	gnutls_x509_crt_deinit(crt);
	free(pem);
}

static void test_create_show(void)
{
	struct mig_cred_info a, b, s;
	char err[512], *pem = NULL, path[200];
	CU_ASSERT(mig_cred_create(mtu_dir("x"), "../x", 1, false, &a, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(mig_cred_create(mtu_dir("x"), "-x", 1, false, &a, err, sizeof(err)) == -EINVAL);
	CU_ASSERT(mig_cred_show(mtu_dir("x"), &s, NULL, err, sizeof(err)) == -ENOENT);
	CU_ASSERT(strstr(err, "xcd host-credential create") != NULL);
	CU_ASSERT_FATAL(mig_cred_create(mtu_dir("x"), "host-x", 30, false, &a, err, sizeof(err)) == 0);
	CU_ASSERT_STRING_EQUAL(a.name, "host-x");
	CU_ASSERT(strncmp(a.fingerprint, "sha256:", 7) == 0 && strlen(a.fingerprint) == 71);
	CU_ASSERT(a.not_after - a.not_before >= 30 * 86400);
	CU_ASSERT(mig_cred_show(mtu_dir("x"), &s, &pem, err, sizeof(err)) == 0);
	CU_ASSERT_STRING_EQUAL(s.fingerprint, a.fingerprint);
	CU_ASSERT(pem && strstr(pem, "-----BEGIN CERTIFICATE-----") == pem);
	free(pem);
	struct stat st;
	snprintf(path, sizeof(path), "%s/host.key", mtu_dir("x"));
	CU_ASSERT(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CU_ASSERT(mig_cred_create(mtu_dir("x"), "host-x", 30, false, &b, err, sizeof(err)) ==
		  -EEXIST);
	CU_ASSERT(strstr(err, "--force") != NULL);
	CU_ASSERT(mig_cred_create(mtu_dir("x"), "host-x", 30, true, &b, err, sizeof(err)) == 0);
	CU_ASSERT(strcmp(a.fingerprint, b.fingerprint) != 0);
	CU_ASSERT(mig_cred_check_files(mtu_dir("x"), err, sizeof(err)) == 0);
	CU_ASSERT(mig_cred_check_files(mtu_dir("nothing"), err, sizeof(err)) == -ENOENT);
}

static void test_trust(void)
{
	struct mig_cred_info a, b, b2, *list;
	size_t n;
	char err[512], *pem, *pem2;
	CU_ASSERT_FATAL(mtu_make_host("ta", &a) == 0 && mtu_make_host("tb", &b) == 0);
	CU_ASSERT_FATAL(mig_cred_show(mtu_dir("tb"), &b, &pem, err, sizeof(err)) == 0);
	CU_ASSERT(mig_cred_trust(mtu_dir("ta"), pem, strlen(pem), false, &b2, err, sizeof(err)) == 0);
	CU_ASSERT_STRING_EQUAL(b2.fingerprint, b.fingerprint);
	/* The same again: nothing to replace. */
	CU_ASSERT(mig_cred_trust(mtu_dir("ta"), pem, strlen(pem), false, &b2, err, sizeof(err)) == 0);
	CU_ASSERT(mig_cred_peers(mtu_dir("ta"), &list, &n, err, sizeof(err)) == 0);
	CU_ASSERT(n == 1 && !strcmp(list[0].name, "tb"));
	free(list);
	/* tb makes a new credential: trusting it replaces the old only with force. */
	CU_ASSERT_FATAL(mtu_make_host("tb", &b2) == 0);
	CU_ASSERT_FATAL(mig_cred_show(mtu_dir("tb"), &b2, &pem2, err, sizeof(err)) == 0);
	CU_ASSERT(mig_cred_trust(mtu_dir("ta"), pem2, strlen(pem2), false, &b2, err, sizeof(err)) ==
		  -EEXIST);
	CU_ASSERT(strstr(err, b.fingerprint) != NULL);
	CU_ASSERT(mig_cred_trust(mtu_dir("ta"), pem2, strlen(pem2), true, &b2, err, sizeof(err)) == 0);
	/* Two certificates in one file, none, and garbage. */
	size_t l1 = strlen(pem), l2 = strlen(pem2);
	char *both = malloc(l1 + l2 + 1);
	memcpy(both, pem, l1);
	memcpy(both + l1, pem2, l2 + 1);
	CU_ASSERT(mig_cred_trust(mtu_dir("ta"), both, l1 + l2, true, &b2, err, sizeof(err)) == -EPROTO);
	CU_ASSERT(strstr(err, "2 certificates") != NULL);
	CU_ASSERT(mig_cred_trust(mtu_dir("ta"), "hello", 5, true, &b2, err, sizeof(err)) < 0);
	free(both);
	free(pem);
	free(pem2);
	CU_ASSERT(mig_cred_untrust(mtu_dir("ta"), "tb", err, sizeof(err)) == 0);
	CU_ASSERT(mig_cred_untrust(mtu_dir("ta"), "tb", err, sizeof(err)) == -ENOENT);
	CU_ASSERT(mig_cred_untrust(mtu_dir("ta"), "../ta/host", err, sizeof(err)) == -EINVAL);
	CU_ASSERT(mig_cred_peers(mtu_dir("ta"), &list, &n, err, sizeof(err)) == 0 && n == 0);
	free(list);
}

static void test_verify(void)
{
	struct mig_cred_info a, b, c, p;
	char err[512];
	gnutls_datum_t db, dc;
	CU_ASSERT_FATAL(mtu_make_host("va", &a) == 0 && mtu_make_host("vb", &b) == 0 &&
			mtu_make_host("vc", &c) == 0);
	CU_ASSERT_FATAL(mtu_trust("va", "vb") == 0);
	own_der(mtu_dir("vb"), &db);
	own_der(mtu_dir("vc"), &dc);
	time_t now = time(NULL);
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), db.data, db.size, 1, NULL, now, &p, err,
				       sizeof(err)) == 0);
	CU_ASSERT_STRING_EQUAL(p.name, "vb");
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), db.data, db.size, 1, "vb", now, &p, err,
				       sizeof(err)) == 0);
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), db.data, db.size, 1, "vx", now, &p, err,
				       sizeof(err)) == -EXDEV);
	CU_ASSERT(strstr(err, "it is host vb") != NULL);
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), dc.data, dc.size, 1, NULL, now, &p, err,
				       sizeof(err)) == -EACCES);
	CU_ASSERT(strstr(err, "host vc (sha256:") && strstr(err, "not trusted here"));
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), db.data, db.size, 2, NULL, now, &p, err,
				       sizeof(err)) == -EPROTO);
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), NULL, 0, 0, NULL, now, &p, err,
				       sizeof(err)) == -ENOKEY);
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), db.data, db.size, 1, NULL, now + 3 * 86400,
				       &p, err, sizeof(err)) == -EKEYEXPIRED);
	CU_ASSERT(strstr(err, "expired") != NULL);
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), "junk", 4, 1, NULL, now, &p, err,
				       sizeof(err)) < 0);
	/* A file under vb's name that holds vc's certificate trusts neither. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "cp %s/host.crt %s/peers/vb.crt", mtu_dir("vc"), mtu_dir("va"));
	CU_ASSERT(system(cmd) == 0);
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), db.data, db.size, 1, NULL, now, &p, err,
				       sizeof(err)) == -EACCES);
	CU_ASSERT(mig_cred_verify_peer(mtu_dir("va"), dc.data, dc.size, 1, NULL, now, &p, err,
				       sizeof(err)) == -EACCES);
	gnutls_free(db.data);
	gnutls_free(dc.data);
}

static void test_modes(void)
{
	struct mig_cred_info a;
	char err[512], path[200];
	gnutls_certificate_credentials_t cred;
	CU_ASSERT_FATAL(mtu_make_host("ma", &a) == 0);
	CU_ASSERT_FATAL(mtu_trust("ma", "ma") == 0);
	CU_ASSERT(mig_cred_load(mtu_dir("ma"), &cred, &a, err, sizeof(err)) == 0);
	gnutls_certificate_free_credentials(cred);
	snprintf(path, sizeof(path), "%s/host.key", mtu_dir("ma"));
	CU_ASSERT(chmod(path, 0640) == 0);
	CU_ASSERT(mig_cred_load(mtu_dir("ma"), &cred, &a, err, sizeof(err)) == -EPERM);
	CU_ASSERT(strstr(err, "chmod 600") != NULL);
	CU_ASSERT(chmod(path, 0600) == 0);
	snprintf(path, sizeof(path), "%s/peers", mtu_dir("ma"));
	CU_ASSERT(chmod(path, 0777) == 0);
	CU_ASSERT(mig_cred_load(mtu_dir("ma"), &cred, &a, err, sizeof(err)) == -EPERM);
	CU_ASSERT(strstr(err, "make this host trust them") != NULL);
	CU_ASSERT(chmod(path, 0755) == 0);
	CU_ASSERT(chmod(mtu_dir("ma"), 0757) == 0);
	CU_ASSERT(mig_cred_load(mtu_dir("ma"), &cred, &a, err, sizeof(err)) == -EPERM);
	CU_ASSERT(chmod(mtu_dir("ma"), 0755) == 0);
	snprintf(path, sizeof(path), "%s/host.key", mtu_dir("ma"));
	char link[220];
	snprintf(link, sizeof(link), "%s.real", path);
	CU_ASSERT(rename(path, link) == 0 && symlink(link, path) == 0);
	CU_ASSERT(mig_cred_load(mtu_dir("ma"), &cred, &a, err, sizeof(err)) == -EPERM);
	CU_ASSERT(unlink(path) == 0 && rename(link, path) == 0);
	CU_ASSERT(mig_cred_load(mtu_dir("ma"), &cred, &a, err, sizeof(err)) == 0);
	gnutls_certificate_free_credentials(cred);
}

void register_cred(void)
{
	CU_pSuite s = CU_add_suite("the host credential", NULL, NULL);
	CU_add_test(s, "made, shown, made again only with --force", test_create_show);
	CU_add_test(s, "peers trusted, replaced with --force, forgotten", test_trust);
	CU_add_test(s, "a presented certificate checked", test_verify);
	CU_add_test(s, "loose modes and links refused", test_modes);
}
