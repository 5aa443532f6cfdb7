/*
 * read-agree: whether netback-tune's two readers of a host (nethost.h's
 * NT_READ_FILES and NT_READ_LIVE) give the same host, here and now.
 *
 *   read-agree [--sysroot DIR]     (default "/": this host, its namespace)
 *   read-agree --threads DIR
 *
 * Interfaces: the host read both ways, each printed as `show --json`
 * would, compared line by line (the first that differ are printed).
 * Processes: for each in DIR/proc, its name and CPUs from its status
 * against its comm and sched_getaffinity (one read again when they differ,
 * for a process that changed meanwhile: exec, a new name).
 * Prints what it compared; exits 0 when all agree, 1 when not, 2 on error.
 *
 * --threads: netback's threads of DIR's vifs (from DIR's files), as each
 * reader takes them from DIR/proc (this host's own /proc where it is
 * mounted there: the live reader's comm, stat and sched_getaffinity of
 * real tasks, on vifs a host without Xen cannot have), printed with the
 * host's notes, one line each: "READER: VIF qN rx PID dealloc PID",
 * "READER: note: TEXT". Exits 0, or 2 on error. Run by
 * tests/system/security/kthread-name.
 * Run by tests/system/tune/reader-agree in a namespace of its own.
 */
#include "../../../lib/errmsg.h"
#include "../../../lib/strv.h"
#include "../../../netback-tune/nethost.h"
#include "../../../netback-tune/show.h"
#include "../../../netback-tune/sysfile.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_gen.h>

/* HOST's show --json into a malloc'd string, or NULL. */
static char *show_json(const struct nt_host *h)
{
	yajl_gen g = yajl_gen_alloc(NULL);
	if (!g)
		return NULL;
	yajl_gen_config(g, yajl_gen_beautify, 1);
	const unsigned char *buf;
	size_t len;
	char *s = NULL;
	if (nt_show_json(g, h) == 0 && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
		s = strndup((const char *)buf, len);
	yajl_gen_free(g);
	return s;
}

/* Prints the first lines where A and B differ (up to 10); the count. */
static int diff_lines(const char *a, const char *b)
{
	int bad = 0, line = 1;
	while ((*a || *b) && bad < 10) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");
		if (la != lb || memcmp(a, b, la)) {
			printf("  line %d: files: %.*s\n          live:  %.*s\n", line, (int)la, a,
			       (int)lb, b);
			bad++;
		}
		a += la + (a[la] == '\n');
		b += lb + (b[lb] == '\n');
		line++;
	}
	return bad;
}

static int interfaces(const char *root)
{
	char err[XCD_ERR_MAX];
	struct nt_host *f, *l;
	if (nt_host_read_how(root, NT_READ_FILES, &f, err, sizeof(err))) {
		fprintf(stderr, "read-agree: files: %s\n", err);
		return 2;
	}
	if (nt_host_read_how(root, NT_READ_LIVE, &l, err, sizeof(err))) {
		fprintf(stderr, "read-agree: live: %s\n", err);
		nt_host_free(f);
		return 2;
	}
	char *a = show_json(f), *b = show_json(l);
	int rc = 2;
	if (a && b) {
		int bad = diff_lines(a, b);
		printf("interfaces: %zu read from files, %zu from the dump: %s\n", f->n_nics,
		       l->n_nics, bad ? "DIFFER" : "the same host");
		rc = bad || f->n_nics != l->n_nics;
	}
	free(a);
	free(b);
	nt_host_free(f);
	nt_host_free(l);
	return rc;
}

/* 1 when PID's two reads agree, 0 when not, -1 when it is gone. */
static int one_process(const struct sysroot *proc, const char *pid)
{
	struct nt_thread s, c;
	if (nt_thread_read(proc, pid, false, &s) || nt_thread_read(proc, pid, true, &c) ||
	    nt_thread_ppid_live(proc, pid, &c))
		return -1;
	nt_thread_cpus_live(atoi(pid), &c);
	if (s.cpus_rc || c.cpus_rc)
		return -1;
	return !strcmp(s.comm, c.comm) && cpuset_equal(&s.cpus, &c.cpus) && s.ppid == c.ppid;
}

static int processes(const char *root)
{
	struct sysroot r, proc;
	char **names;
	size_t k, same = 0, gone = 0, bad = 0;
	if (sysroot_open(&r, root) || sysroot_sub(&r, "proc", &proc) ||
	    sf_list(&proc, ".", 1u << 22, &names, &k)) {
		fprintf(stderr, "read-agree: %s/proc: cannot list it\n", root);
		return 2;
	}
	for (size_t i = 0; i < k; i++) {
		if (names[i][0] < '1' || names[i][0] > '9')
			continue;
		int rc = one_process(&proc, names[i]);
		if (rc == 0)
			rc = one_process(&proc, names[i]); /* it changed meanwhile? */
		if (rc == 0) {
			struct nt_thread s, c;
			char sc[64] = "", cc[64] = "";
			if (nt_thread_read(&proc, names[i], false, &s) == 0)
				cpuset_format(&s.cpus, sc, sizeof(sc));
			if (nt_thread_read(&proc, names[i], true, &c) == 0) {
				nt_thread_cpus_live(atoi(names[i]), &c);
				nt_thread_ppid_live(&proc, names[i], &c);
				cpuset_format(&c.cpus, cc, sizeof(cc));
			}
			printf("  process %s: status '%s' on %s, parent %d; comm '%s' on %s, "
			       "parent %d (stat)\n",
			       names[i], s.comm, sc, s.ppid, c.comm, cc, c.ppid);
		}
		same += rc == 1;
		gone += rc < 0;
		bad += rc == 0;
	}
	printf("processes: %zu agree, %zu differ, %zu gone meanwhile\n", same, bad, gone);
	sf_names_free(names, k);
	sysroot_close(&proc);
	sysroot_close(&r);
	return bad ? 1 : same ? 0 : 2;
}

static void print_threads(const struct nt_host *h, const char *reader)
{
	for (size_t i = 0; i < h->n_nics; i++)
		for (unsigned q = 0; q < h->nics[i].n_queues; q++)
			printf("%s: %s q%u rx %d dealloc %d\n", reader, h->nics[i].name, q,
			       h->nics[i].queues[q].rx_pid, h->nics[i].queues[q].dealloc_pid);
	for (size_t i = 0; i < h->n_notes; i++)
		printf("%s: note: %s\n", reader, h->notes[i]);
}

static int threads(const char *root)
{
	char err[XCD_ERR_MAX];
	struct nt_host *h;
	struct sysroot r;
	if (nt_host_read_how(root, NT_READ_FILES, &h, err, sizeof(err))) {
		fprintf(stderr, "read-agree: files: %s\n", err);
		return 2;
	}
	print_threads(h, "files");
	/* the same vifs, their threads read again as the live reader does */
	nt_threads_forget_live(h);
	int rc = sysroot_open(&r, root);
	if (rc == 0) {
		rc = nt_read_threads(h, &r, NULL);
		sysroot_close(&r);
	}
	if (rc == 0)
		print_threads(h, "live");
	else
		fprintf(stderr, "read-agree: live: %s: %s\n", root, strerror(-rc));
	nt_host_free(h);
	return rc ? 2 : 0;
}

int main(int argc, char **argv)
{
	const char *root = "/";
	if (argc == 3 && !strcmp(argv[1], "--threads"))
		return threads(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "--sysroot"))
		root = argv[2];
	else if (argc != 1) {
		fprintf(stderr, "usage: read-agree [--sysroot DIR]\n       read-agree --threads DIR\n");
		return 2;
	}
	int a = interfaces(root), b = processes(root);
	return a == 2 || b == 2 ? 2 : a || b;
}
