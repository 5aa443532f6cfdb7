/* The suites of migrate-unit, one per file. */
#ifndef XCD_TESTS_UNIT_MIGRATE_SUITES_H
#define XCD_TESTS_UNIT_MIGRATE_SUITES_H
void register_policy(void);
void register_pipe(void);
void register_compress(void);
void register_outcome(void);
void register_cpu(void);
#endif
