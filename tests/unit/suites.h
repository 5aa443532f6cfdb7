/* suites: the CUnit suites of xs-unit, one per module of xcd-xenstored. */
#ifndef XS_UNIT_SUITES_H
#define XS_UNIT_SUITES_H
void suite_path_register(void);
void suite_perm_register(void);
void suite_tree_register(void);
void suite_transaction_register(void);
void suite_watch_register(void);
void suite_quota_register(void);
void suite_request_register(void);
void suite_state_register(void);
#endif
