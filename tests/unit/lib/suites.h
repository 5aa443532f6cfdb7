/* The suites of lib-unit, one per file of lib/. */
#ifndef XCD_LIB_UNIT_SUITES_H
#define XCD_LIB_UNIT_SUITES_H
void register_loop(void);
void register_childjob(void);
void register_tuneplan(void);
void register_tunejournal(void);
void register_tuneapply(void);
void register_pidlock(void);
void register_procstat(void);
#endif
