/* cred: the host credential and the trusted peers (cred.h), with GnuTLS's
 * X.509 functions: a key and a self-signed certificate made, shown,
 * trusted, and a presented certificate checked against the pinned ones. */
#include "cred.h"
#include "../lib/fdio.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY_FILE "host.key"
#define CRT_FILE "host.crt"
#define PEERS "peers"

int mig_cred_name_check(const char *name, char *err, size_t errlen)
{
	size_t n = strlen(name);
	if (n == 0 || n > MIG_CRED_NAME_MAX || name[0] == '.' || name[0] == '-' ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != n) {
		snprintf(err, errlen, "a host name is 1 to %d of A-Z, a-z, 0-9, '.' and '-', not "
			 "starting with '.' or '-'", MIG_CRED_NAME_MAX);
		return -EINVAL;
	}
	return 0;
}

/* NAME as it may be printed: itself when it is a host name, else a mark
 * (a peer's certificate is anyone's text until it is trusted). */
static const char *printable(const char *name)
{
	char e[8];
	return mig_cred_name_check(name, e, sizeof(e)) == 0 ? name : "(a name that is no host name)";
}

static int gt_err(int rc, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s: %s", what, gnutls_strerror(rc));
	return rc == GNUTLS_E_MEMORY_ERROR ? -ENOMEM : -EPROTO;
}

/* The file NAME of DIR (a sub-directory SUB, may be NULL) in OUT. */
static void path_of(char *out, size_t len, const char *dir, const char *sub, const char *name)
{
	if (sub)
		snprintf(out, len, "%s/%s/%s", dir, sub, name);
	else
		snprintf(out, len, "%s/%s", dir, name);
}

/* DATA (LEN) as PATH, mode MODE, whole or not at all: a temporary file
 * beside it, synced, renamed over it, the directory synced. */
static int write_atomic(const char *path, const void *data, size_t len, mode_t mode, char *err,
			size_t errlen)
{
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	int rc = fd < 0 ? -errno : 0;
	if (rc == 0 && fchmod(fd, mode) < 0)
		rc = -errno;
	if (rc == 0)
		rc = fd_write_all(fd, data, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "writing %s: %s", path, strerror(-rc));
		unlink(tmp);
		return rc;
	}
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		int dfd = open(dir[0] ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
	return 0;
}

/* PATH's contents (at most MAX bytes, not through a symlink) in *OUT as a
 * datum (gnutls_free it). */
static int read_file(const char *path, size_t max, gnutls_datum_t *out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *buf = NULL;
	size_t len = 0;
	int rc = fd < 0 ? -errno : fd_read_all(fd, max, &buf, &len);
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", path, rc == -EFBIG ? "too large" : strerror(-rc));
		return rc;
	}
	out->data = gnutls_malloc(len + 1);
	if (!out->data) {
		free(buf);
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(out->data, buf, len + 1);
	out->size = (unsigned)len;
	free(buf);
	return 0;
}

/* CRT's name, fingerprint and dates. */
static int crt_info(gnutls_x509_crt_t crt, struct mig_cred_info *info, char *err, size_t errlen)
{
	size_t size = sizeof(info->name);
	memset(info, 0, sizeof(*info));
	int rc = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, info->name,
					       &size);
	if (rc < 0)
		return gt_err(rc, "the certificate's name (CN)", err, errlen);
	unsigned char fp[32];
	size = sizeof(fp);
	if ((rc = gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &size)) < 0)
		return gt_err(rc, "the certificate's fingerprint", err, errlen);
	strcpy(info->fingerprint, "sha256:");
	for (size_t i = 0; i < 32; i++)
		snprintf(info->fingerprint + 7 + 2 * i, 3, "%02x", fp[i]);
	info->not_before = gnutls_x509_crt_get_activation_time(crt);
	info->not_after = gnutls_x509_crt_get_expiration_time(crt);
	return 0;
}

/* One certificate from PEM text (exactly one) into *CRT and *INFO. */
static int parse_pem(const gnutls_datum_t *pem, const char *what, gnutls_x509_crt_t *crt,
		     struct mig_cred_info *info, char *err, size_t errlen)
{
	gnutls_x509_crt_t *list = NULL;
	unsigned n = 0;
	int rc = gnutls_x509_crt_list_import2(&list, &n, pem, GNUTLS_X509_FMT_PEM, 0);
	if (rc < 0) {
		char w[PATH_MAX + 32];
		snprintf(w, sizeof(w), "%s: not a PEM certificate", what);
		return gt_err(rc, w, err, errlen);
	}
	for (unsigned i = 1; i < n; i++)
		gnutls_x509_crt_deinit(list[i]);
	if (n != 1) {
		if (n)
			gnutls_x509_crt_deinit(list[0]);
		gnutls_free(list);
		snprintf(err, errlen, "%s holds %u certificates: a host credential is one", what, n);
		return -EPROTO;
	}
	*crt = list[0];
	gnutls_free(list);
	if ((rc = crt_info(*crt, info, err, errlen)) < 0) {
		gnutls_x509_crt_deinit(*crt);
		return rc;
	}
	return 0;
}

/* A directory whose contents decide trust: owned by us or root, written
 * by nobody else. 0, -ENOENT, or -EPERM (said). */
static int dir_safe(const char *path, char *err, size_t errlen)
{
	struct stat st;
	if (lstat(path, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISDIR(st.st_mode) || (st.st_uid != geteuid() && st.st_uid != 0) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(err, errlen, "%s is %s (mode %04o, owner %u): whoever can write there can "
			 "make this host trust them; it must be a directory of root's that only "
			 "root writes (chmod go-w)", path,
			 S_ISDIR(st.st_mode) ? "writable by others or not root's" : "not a directory",
			 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		return -EPERM;
	}
	return 0;
}

int mig_cred_check_files(const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX + 16];
	struct stat st;
	int rc = dir_safe(dir, err, errlen);
	path_of(path, sizeof(path), dir, NULL, KEY_FILE);
	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc == -ENOENT || lstat(path, &st) < 0) {
		rc = rc == -ENOENT ? rc : -errno;
		if (rc == -ENOENT)
			snprintf(err, errlen, "this host has no host credential (%s is missing): make "
				 "one with `xcd host-credential create`, then have its peers trust it",
				 path);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077)) {
		snprintf(err, errlen, "%s is %s (mode %04o, owner %u): the host's key must be a "
			 "file of root's that nobody else can read (chmod 600)", path,
			 S_ISREG(st.st_mode) ? "readable by others or not root's" : "not a file",
			 (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid);
		return -EPERM;
	}
	path_of(path, sizeof(path), dir, NULL, PEERS);
	if (lstat(path, &st) == 0 || errno != ENOENT)
		return dir_safe(path, err, errlen);
	return 0;
}

/* A new key and its self-signed certificate for NAME, as PEM. */
static int make_pair(const char *name, unsigned days, gnutls_datum_t *key_pem,
		     gnutls_datum_t *crt_pem, struct mig_cred_info *info, char *err, size_t errlen)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	unsigned char serial[16];
	time_t now = time(NULL);
	int rc;
	const char *step = "making the key";
	if ((rc = gnutls_x509_privkey_init(&key)) < 0 ||
	    (rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
					       0)) < 0)
		goto out;
	step = "making the certificate";
	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial))) < 0)
		goto out;
	serial[0] &= 0x7f; /* a positive serial number */
	if ((rc = gnutls_x509_crt_init(&crt)) < 0 || (rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, name,
						(unsigned)strlen(name))) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
						       (unsigned)strlen(name),
						       GNUTLS_FSAN_SET)) < 0 ||
	    (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0)) < 0 ||
	    (rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
		goto out;
	step = "writing them out";
	if ((rc = gnutls_x509_privkey_export2(key, GNUTLS_X509_FMT_PEM, key_pem)) < 0)
		goto out;
	if ((rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, crt_pem)) < 0) {
		gnutls_free(key_pem->data);
		goto out;
	}
	rc = crt_info(crt, info, err, errlen);
	if (rc < 0) {
		gnutls_free(key_pem->data);
		gnutls_free(crt_pem->data);
	}
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return rc;
out:
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return gt_err(rc, step, err, errlen);
}

/* DIR and the folders above it that are missing, 0755. */
static int mkdir_p(const char *dir, char *err, size_t errlen)
{
	char p[PATH_MAX];
	snprintf(p, sizeof(p), "%s", dir);
	for (char *s = p + 1;; s++) {
		if (*s && *s != '/')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot make %s: %s", p, strerror(errno));
			return -errno;
		}
		if (!c)
			return 0;
		*s = c;
	}
}

int mig_cred_create(const char *dir, const char *name, unsigned days, bool force,
		    struct mig_cred_info *out, char *err, size_t errlen)
{
	char kpath[PATH_MAX + 16], cpath[PATH_MAX + 16];
	int rc = mig_cred_name_check(name, err, errlen);
	if (rc < 0)
		return rc;
	if (days < 1 || days > 36500) {
		snprintf(err, errlen, "--days %u: expected 1 to 36500", days);
		return -EINVAL;
	}
	if ((rc = mkdir_p(dir, err, errlen)) < 0 || (rc = dir_safe(dir, err, errlen)) < 0)
		return rc;
	path_of(kpath, sizeof(kpath), dir, NULL, KEY_FILE);
	path_of(cpath, sizeof(cpath), dir, NULL, CRT_FILE);
	if (!force && (access(kpath, F_OK) == 0 || access(cpath, F_OK) == 0)) {
		snprintf(err, errlen, "this host has a credential already (%s): its peers trust "
			 "it; --force makes a new one, which they must trust again", cpath);
		return -EEXIST;
	}
	gnutls_datum_t key, crt;
	if ((rc = make_pair(name, days, &key, &crt, out, err, errlen)) < 0)
		return rc;
	rc = write_atomic(kpath, key.data, key.size, 0600, err, errlen);
	if (rc == 0)
		rc = write_atomic(cpath, crt.data, crt.size, 0644, err, errlen);
	gnutls_memset(key.data, 0, key.size);
	gnutls_free(key.data);
	gnutls_free(crt.data);
	return rc;
}

int mig_cred_show(const char *dir, struct mig_cred_info *out, char **pem, char *err,
		  size_t errlen)
{
	char path[PATH_MAX + 16];
	gnutls_datum_t d;
	gnutls_x509_crt_t crt;
	path_of(path, sizeof(path), dir, NULL, CRT_FILE);
	int rc = read_file(path, MIG_CRED_PEM_MAX, &d, err, errlen);
	if (rc == -ENOENT)
		snprintf(err, errlen, "this host has no host credential (%s is missing): make one "
			 "with `xcd host-credential create`", path);
	if (rc < 0)
		return rc;
	rc = parse_pem(&d, path, &crt, out, err, errlen);
	if (rc == 0) {
		gnutls_x509_crt_deinit(crt);
		if (pem && !(*pem = strdup((const char *)d.data))) {
			snprintf(err, errlen, "out of memory");
			rc = -ENOMEM;
		}
	}
	gnutls_free(d.data);
	return rc;
}

/* DIR/peers, made if missing, and checked. */
static int peers_dir(const char *dir, char *path, size_t len, char *err, size_t errlen)
{
	path_of(path, len, dir, NULL, PEERS);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot make %s: %s", path, strerror(errno));
		return -errno;
	}
	int rc = dir_safe(dir, err, errlen);
	return rc < 0 ? rc : dir_safe(path, err, errlen);
}

/* The trusted certificate of NAME: 0 with *INFO, -ENOENT, or another error. */
static int peer_info(const char *dir, const char *name, struct mig_cred_info *info, char *err,
		     size_t errlen)
{
	char path[PATH_MAX + 80], file[MIG_CRED_NAME_MAX + 8];
	gnutls_datum_t d;
	gnutls_x509_crt_t crt;
	snprintf(file, sizeof(file), "%s.crt", name);
	path_of(path, sizeof(path), dir, PEERS, file);
	int rc = read_file(path, MIG_CRED_PEM_MAX, &d, err, errlen);
	if (rc < 0)
		return rc;
	rc = parse_pem(&d, path, &crt, info, err, errlen);
	gnutls_free(d.data);
	if (rc == 0) {
		gnutls_x509_crt_deinit(crt);
		if (strcmp(info->name, name) != 0) {
			snprintf(err, errlen, "%s is the certificate of %s, not of %s", path,
				 printable(info->name), name);
			rc = -EPROTO;
		}
	}
	return rc;
}

int mig_cred_trust(const char *dir, const char *pem, size_t len, bool force,
		   struct mig_cred_info *out, char *err, size_t errlen)
{
	char pdir[PATH_MAX + 16], path[PATH_MAX + 96];
	gnutls_datum_t in = { (unsigned char *)pem, (unsigned)len }, norm;
	gnutls_x509_crt_t crt;
	time_t now = time(NULL);
	if (len > MIG_CRED_PEM_MAX) {
		snprintf(err, errlen, "the certificate is over %u bytes", MIG_CRED_PEM_MAX);
		return -EFBIG;
	}
	int rc = parse_pem(&in, "the certificate", &crt, out, err, errlen);
	if (rc < 0)
		return rc;
	char nerr[160];
	if (mig_cred_name_check(out->name, nerr, sizeof(nerr)) < 0) {
		snprintf(err, errlen, "the certificate's name (CN) is no host name: %s", nerr);
		rc = -EINVAL;
	} else if (now < out->not_before || now > out->not_after) {
		snprintf(err, errlen, "the certificate of %s is %s", out->name,
			 now > out->not_after ? "expired" : "not valid yet");
		rc = -EKEYEXPIRED;
	} else if ((rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &norm)) < 0) {
		rc = gt_err(rc, "the certificate", err, errlen);
	}
	gnutls_x509_crt_deinit(crt);
	if (rc < 0)
		return rc;
	struct mig_cred_info old;
	char oerr[64];
	if ((rc = peers_dir(dir, pdir, sizeof(pdir), err, errlen)) == 0 &&
	    peer_info(dir, out->name, &old, oerr, sizeof(oerr)) == 0 &&
	    strcmp(old.fingerprint, out->fingerprint) != 0 && !force) {
		snprintf(err, errlen, "this host trusts another certificate of %s already (%s): "
			 "--force replaces it", out->name, old.fingerprint);
		rc = -EEXIST;
	}
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s/%s.crt", pdir, out->name);
		rc = write_atomic(path, norm.data, norm.size, 0644, err, errlen);
	}
	gnutls_free(norm.data);
	return rc;
}

int mig_cred_untrust(const char *dir, const char *name, char *err, size_t errlen)
{
	char path[PATH_MAX + 96];
	int rc = mig_cred_name_check(name, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(path, sizeof(path), "%s/%s/%s.crt", dir, PEERS, name);
	if (unlink(path) < 0) {
		rc = -errno;
		snprintf(err, errlen, rc == -ENOENT ? "this host does not trust %s (no %s)"
						    : "forgetting %s: %s", name,
			 rc == -ENOENT ? path : strerror(-rc));
		return rc;
	}
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct mig_cred_info *)a)->name,
		      ((const struct mig_cred_info *)b)->name);
}

int mig_cred_peers(const char *dir, struct mig_cred_info **list, size_t *n, char *err,
		   size_t errlen)
{
	char path[PATH_MAX + 16];
	path_of(path, sizeof(path), dir, NULL, PEERS);
	*list = NULL;
	*n = 0;
	DIR *d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	size_t cap = 0;
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char name[MIG_CRED_NAME_MAX + 8], nerr[8];
		if (len < 5 || len - 4 > MIG_CRED_NAME_MAX || strcmp(e->d_name + len - 4, ".crt"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 4), e->d_name);
		if (mig_cred_name_check(name, nerr, sizeof(nerr)) < 0)
			continue;
		if (*n == cap) {
			struct mig_cred_info *l = realloc(*list, (cap = cap ? 2 * cap : 8) * sizeof(**list));
			if (!l) {
				rc = -ENOMEM;
				break;
			}
			*list = l;
		}
		if (peer_info(dir, name, &(*list)[*n], err, errlen) == 0)
			(*n)++;
	}
	closedir(d);
	if (rc < 0) {
		free(*list);
		*list = NULL;
		*n = 0;
		snprintf(err, errlen, "out of memory");
		return rc;
	}
	if (*n)
		qsort(*list, *n, sizeof(**list), by_name);
	return 0;
}

int mig_cred_verify_peer(const char *dir, const void *der, size_t len, unsigned n,
			 const char *want_name, time_t now, struct mig_cred_info *peer, char *err,
			 size_t errlen)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = { (unsigned char *)der, (unsigned)len };
	if (!n || !der) {
		snprintf(err, errlen, "it presented no host credential");
		return -ENOKEY;
	}
	if (n != 1) {
		snprintf(err, errlen, "it presented a chain of %u certificates: a host credential "
			 "is one self-signed certificate", n);
		return -EPROTO;
	}
	int rc = gnutls_x509_crt_init(&crt);
	if (rc == 0 && (rc = gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER)) < 0)
		gnutls_x509_crt_deinit(crt);
	if (rc < 0)
		return gt_err(rc, "its certificate", err, errlen);
	rc = crt_info(crt, peer, err, errlen);
	gnutls_x509_crt_deinit(crt);
	if (rc < 0)
		return rc;
	struct mig_cred_info known;
	char kerr[64];
	char nerr[8];
	/* Its name picks the one file that could match: pinned by fingerprint. */
	if (mig_cred_name_check(peer->name, nerr, sizeof(nerr)) < 0 ||
	    peer_info(dir, peer->name, &known, kerr, sizeof(kerr)) < 0 ||
	    strcmp(known.fingerprint, peer->fingerprint) != 0) {
		snprintf(err, errlen, "host %s (%s) is not trusted here: to trust it, run "
			 "`xcd host-credential trust FILE` on this host with its certificate "
			 "(`xcd host-credential show --pem` there)", printable(peer->name),
			 peer->fingerprint);
		return -EACCES;
	}
	if (now < peer->not_before || now > peer->not_after) {
		snprintf(err, errlen, "the credential of %s (%s) is %s: make a new one there "
			 "(`xcd host-credential create --force`) and trust it here", peer->name,
			 peer->fingerprint, now > peer->not_after ? "expired" : "not valid yet");
		return -EKEYEXPIRED;
	}
	if (want_name && strcmp(want_name, peer->name) != 0) {
		snprintf(err, errlen, "it is host %s (%s), not %s", peer->name, peer->fingerprint,
			 want_name);
		return -EXDEV;
	}
	return 0;
}

int mig_cred_load(const char *dir, gnutls_certificate_credentials_t *out,
		  struct mig_cred_info *self, char *err, size_t errlen)
{
	char kpath[PATH_MAX + 16], cpath[PATH_MAX + 16];
	gnutls_datum_t key = { NULL, 0 }, crt = { NULL, 0 };
	int rc = mig_cred_check_files(dir, err, errlen);
	if (rc < 0)
		return rc;
	path_of(kpath, sizeof(kpath), dir, NULL, KEY_FILE);
	path_of(cpath, sizeof(cpath), dir, NULL, CRT_FILE);
	if ((rc = mig_cred_show(dir, self, NULL, err, errlen)) < 0 ||
	    (rc = read_file(cpath, MIG_CRED_PEM_MAX, &crt, err, errlen)) < 0 ||
	    (rc = read_file(kpath, MIG_CRED_PEM_MAX, &key, err, errlen)) < 0)
		goto out;
	*out = NULL;
	if ((rc = gnutls_certificate_allocate_credentials(out)) < 0 ||
	    (rc = gnutls_certificate_set_x509_key_mem2(*out, &crt, &key, GNUTLS_X509_FMT_PEM,
							NULL, 0)) < 0) {
		if (*out)
			gnutls_certificate_free_credentials(*out);
		*out = NULL;
		char w[PATH_MAX + 64];
		snprintf(w, sizeof(w), "this host's credential (%.2000s, %.2000s)", cpath, kpath);
		rc = gt_err(rc, w, err, errlen);
	}
out:
	if (key.data) {
		gnutls_memset(key.data, 0, key.size);
		gnutls_free(key.data);
	}
	gnutls_free(crt.data);
	return rc;
}
