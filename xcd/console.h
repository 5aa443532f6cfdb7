/* console: `xcd console` and `xcd create -c`, the client side of a guest's
 * console: the pty the console backend (xcd-consoled, or Xen's xenconsoled)
 * wrote to xenstore, joined to the terminal until Ctrl-] or the domain's end. */
#ifndef XCD_CONSOLE_H
#define XCD_CONSOLE_H
#include <stdint.h>

struct console_args {
	const char *dom;	/* the DOMAIN argument, for xcdd to resolve */
	int serial;		/* -t serial (else pv) */
	unsigned num;		/* -n NUM */
};

/* Parses [-t pv|serial] [-n NUM] DOMAIN (argv[0] the verb). 0, or 1 with
 * the complaint said. */
int console_args(int argc, char **argv, struct console_args *a);
/* Attaches to domain DOMID's console (a NULL a: the first PV console);
 * returns the exit status: 0 on Ctrl-] and when the domain's console goes
 * away (as xl), 1 when it cannot attach (the reason said) or a signal
 * (SIGTERM, SIGHUP, SIGINT) ends it. */
int console_attach(uint32_t domid, const struct console_args *a);
#endif
