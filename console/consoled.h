/* xcd-consoled: the console backend of a host, on hv. For every domain whose
 * xenstore home has console/ring-ref and console/port (docs/misc/console.txt,
 * xenstore-paths), it maps the guest's ring (xen/io/console.h), binds the
 * guest's event channel, and joins the ring to a pty whose path it writes to
 * console/tty, as Xen's xenconsoled does. */
#ifndef XCD_CONSOLED_H
#define XCD_CONSOLED_H
#include "outbuf.h"
#include <stddef.h>
#include <stdint.h>

struct loop;
struct hv;
struct xs_handle;
struct xencons_interface;

/* One domain's console. */
struct cons {
	uint32_t domid;
	uint64_t ring_ref;	/* the ring's guest frame (console/ring-ref) */
	uint32_t remote_port;	/* the guest's end (console/port) */
	uint32_t local_port;	/* ours, bound to it */
	struct xencons_interface *intf;
	int master, slave;	/* the pty; the slave is held open so that the
				 * master never hangs up between clients */
	char tty[64];
	int log_fd;		/* -1: no log */
	struct outbuf out;	/* guest output not yet taken by the pty */
	uint32_t master_events;	/* what the loop waits for on master */
	unsigned warned_out : 1, warned_in : 1; /* a broken ring, said once */
	struct cons *next;
};

/* A console that could not be opened, not tried again (nor logged again)
 * until its ring-ref or port changes or the domain goes. */
struct cons_failed {
	uint32_t domid;
	uint64_t ring_ref;
	uint32_t remote_port;
	struct cons_failed *next;
};

struct consoled_opts {
	const char *sim_socket;	/* NULL: hv's choice */
	const char *log_dir;	/* NULL: no logs */
	const char *pid_file;
	int foreground, verbose;
};

/* The daemon's context: everything main owns. */
struct consoled {
	struct consoled_opts opt;
	struct loop *loop;
	struct hv *hv;
	struct xs_handle *xs;
	int ev_fd;		/* hv's event descriptor */
	uint32_t dom_exc_port;	/* VIRQ_DOM_EXC, 0 when not bound */
	struct cons *consoles;
	struct cons_failed *failed;
	int rescan;		/* a full scan of /local/domain is due */
	int status;		/* exit status once the loop stops */
};

/* cons.c: one console. cons_open fills err with what failed. */
int cons_open(struct consoled *cd, uint32_t domid, uint64_t ring_ref, uint32_t port,
	      size_t limit, const char *log_name, struct cons **out, char *err, size_t errlen);
void cons_close(struct consoled *cd, struct cons *c);
/* The guest notified us (or we just bound): move both rings. */
void cons_kick(struct consoled *cd, struct cons *c);
struct cons *cons_by_port(struct consoled *cd, uint32_t local_port);

/* scan.c: xenstore. */
int scan_watch(struct consoled *cd, char *err, size_t errlen);
/* Brings the served consoles in line with xenstore and the hypervisor. */
void scan_all(struct consoled *cd);
/* Watch events waiting on the xenstore handle. */
void scan_watch_events(struct consoled *cd);
/* 0 while xenstored answers; else -errno and the daemon must stop. */
int scan_alive(struct consoled *cd);
void scan_forget_failed(struct consoled *cd, uint32_t domid);
#endif
