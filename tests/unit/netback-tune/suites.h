/* The suites of nettune-unit, one per concept of netback-tune/. */
#ifndef XCD_NETTUNE_UNIT_SUITES_H
#define XCD_NETTUNE_UNIT_SUITES_H
void register_parsers(void);
void register_host(void);
void register_policy(void);
void register_plan(void);
void register_verify(void);
void register_apply(void);
void register_linkwatch(void);
void register_kthreads(void);
void register_kthreadcache(void);
#endif
