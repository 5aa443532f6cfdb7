/* util: what the xs-unit suites share: a server per test (set up and torn
 * down by the suite), requests that return -errno, and assertions that
 * print both values when they fail. */
#ifndef XS_UNIT_UTIL_H
#define XS_UNIT_UTIL_H
#include <CUnit/CUnit.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "../lib/xs_harness.h"

/* The server of the running test (made by u_setup, freed by u_teardown). */
extern struct xs_server *U_srv;
/* The last reply received by u_req and friends. */
extern struct hmsg U_r;

void u_setup(void);
void u_teardown(void);
/* Replaces the test's server by one with these options (NULL: defaults). */
struct xs_server *u_server(const struct xs_options *opt);
/* A connection of the test's server, closed at teardown. */
struct hconn *u_conn(unsigned domid, bool privileged);
/* An unprivileged connection that is the domain's own connection (as a
 * ring connection is): per-domain quotas apply and RELEASE closes it. */
struct hconn *u_dom_conn(unsigned domid);
/* Closes a connection before teardown. */
void u_close(struct hconn *h);

/* Result of a request that did not get an answer at all. */
#define U_NOREPLY (-10000)
/* Result of a reply of an unexpected type. */
#define U_BADTYPE (-10001)

/* Sends a request made of NUL-terminated strings (NULL ends the list).
 * Returns 0 for a reply of the request's type, -errno for an ERROR reply. */
int u_req(struct hconn *h, uint32_t type, uint32_t tx, ...);
/* Same with a raw payload. */
int u_raw(struct hconn *h, uint32_t type, uint32_t tx, const void *payload, uint32_t len);
/* WRITE path|value (value sent without a NUL). */
int u_write(struct hconn *h, uint32_t tx, const char *path, const char *value);
int u_writen(struct hconn *h, uint32_t tx, const char *path, const void *value, uint32_t len);
int u_read(struct hconn *h, uint32_t tx, const char *path);
int u_mkdir(struct hconn *h, uint32_t tx, const char *path);
int u_rm(struct hconn *h, uint32_t tx, const char *path);
/* SET_PERMS path|perm|... (NULL ends the list). */
int u_setperms(struct hconn *h, uint32_t tx, const char *path, ...);
/* TRANSACTION_START: the id, or 0 on failure (U_r holds the error). */
uint32_t u_txstart(struct hconn *h);
int u_txend(struct hconn *h, uint32_t tx, bool commit);
int u_watch(struct hconn *h, const char *path, const char *token);

/* The payload of U_r as text: NUL-separated strings joined with ','
 * (a trailing NUL dropped; an empty string in the middle stays visible). */
const char *u_joined(void);
/* Short forms returning u_joined() of the reply, or "E<name>" on error. */
const char *u_get(struct hconn *h, const char *path);      /* READ */
const char *u_dir(struct hconn *h, const char *path);      /* DIRECTORY */
const char *u_perms(struct hconn *h, const char *path);    /* GET_PERMS */
/* Next watch event as "path|token", "" when none is queued. */
const char *u_ev(struct hconn *h);
/* Drops every queued watch event. */
void u_drain(struct hconn *h);
/* Counts the queued watch events (and drops them). */
unsigned u_nev(struct hconn *h);

/* Name of a request result (0: "OK"). */
const char *u_rcname(int rc);

/* Assertions that print the values they compared. */
void u_assert_int(long long a, long long b, const char *ea, const char *eb, int line,
		  const char *file);
void u_assert_rc(int a, int b, const char *ea, int line, const char *file);
void u_assert_str(const char *a, const char *b, const char *ea, const char *eb, int line,
		  const char *file);
#define U_EQ(a, b) u_assert_int((long long)(a), (long long)(b), #a, #b, __LINE__, __FILE__)
#define U_RC(a, b) u_assert_rc((a), (b), #a, __LINE__, __FILE__)
#define U_OK(a) u_assert_rc((a), 0, #a, __LINE__, __FILE__)
#define U_STR(a, b) u_assert_str((a), (b), #a, #b, __LINE__, __FILE__)

/* A test of a suite. */
struct u_test {
	const char *name;
	void (*fn)(void);
};
/* Adds a suite (with u_setup/u_teardown around each test) and its tests,
 * up to an entry with a NULL name. */
void u_add_suite(const char *name, const struct u_test *tests);
#endif
