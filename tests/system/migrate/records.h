/* records: mig-guest's records and xl-receive (records.c). */
#ifndef XCD_TESTS_MIGRATE_RECORDS_H
#define XCD_TESTS_MIGRATE_RECORDS_H
/* argv[1] "records", "order" or "xl-receive", argv[2] its file: the exit status. */
int mig_records_main(int argc, char **argv);
#endif
