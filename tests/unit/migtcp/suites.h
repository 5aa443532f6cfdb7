/* The suites of migtcp-unit, one per file, and what they share
 * (test_cred.c): temporary credential folders. */
#ifndef XCD_TESTS_UNIT_MIGTCP_SUITES_H
#define XCD_TESTS_UNIT_MIGTCP_SUITES_H
#include "../../../migrate/cred.h"
void register_mux(void);
void register_cred(void);
void register_tls(void);
void register_relay(void);
/* A credential folder NAME under this run's temporary folder. */
char *mtu_dir(const char *name);
/* A credential for host NAME in mtu_dir(NAME): 0, or the error said. */
int mtu_make_host(const char *name, struct mig_cred_info *info);
/* HOST trusts PEER's credential: 0, or the error said. */
int mtu_trust(const char *host, const char *peer);
void mtu_cleanup(void);
/* A stream as xcd writes one (test_mux.c): xl's header and config, libxl's
 * and libxc's headers, STATIC_DATA_END, BATCHES PAGE_DATA records of
 * BATCH_PAGES pages (the second of each zero), two vCPU records, the ENDs,
 * and (GO) xl's GO message after it; its record ends in ENDS (*N). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
uint8_t *mtu_stream(unsigned batches, unsigned batch_pages, bool go, size_t *len,
		    uint64_t *ends, unsigned *n);
#endif
