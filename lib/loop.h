/*
 * loop: one epoll event loop, nothing in it blocks. Events come in batches
 * (up to 64 per wait); a callback may add or delete any handler or timer,
 * its own included, at any time: a handler deleted while its event waits in
 * the current batch is not called, and its memory is freed only after the
 * batch. Timers are the loop's own (no descriptor each), for the many small
 * deadlines that streams and heartbeats need.
 */
#ifndef XCD_LOOP_H
#define XCD_LOOP_H
#include <stdint.h>
#include <sys/epoll.h>

struct loop;
typedef void loop_fd_cb(struct loop *l, int fd, uint32_t events, void *arg);

int loop_new(struct loop **out);
/* Frees the loop, its handlers and its timers (not the fds). */
void loop_free(struct loop *l);
/* events: EPOLLIN/EPOLLOUT; the callback is called with what happened.
 * -EEXIST when FD has a handler already. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb *cb, void *arg);
int loop_mod(struct loop *l, int fd, uint32_t events);
int loop_del(struct loop *l, int fd);
/* Run until loop_stop(); returns 0 or a negative errno. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
/* Called once per iteration before waiting (deferred work such as flushing). */
void loop_set_idle(struct loop *l, void (*cb)(void *arg), void *arg);
/* Milliseconds epoll_wait may sleep when nothing happens (-1: forever); CB
 * is called when a wait ends with no event. */
void loop_set_timeout(struct loop *l, int ms, void (*cb)(void *arg), void *arg);

/*
 * Timers on CLOCK_MONOTONIC, in milliseconds. A timer is made disarmed;
 * loop_timer_arm(T, MS, PERIOD) fires it MS from now, then every PERIOD ms
 * (0: once). Arming an armed timer moves it; loop_timer_disarm stops it;
 * loop_timer_free disarms and frees it (safe from its own callback). Timers
 * due at the same instant fire in the order they were armed.
 */
struct loop_timer;
typedef void loop_timer_cb(struct loop *l, struct loop_timer *t, void *arg);
struct loop_timer *loop_timer_new(struct loop *l, loop_timer_cb *cb, void *arg);
void loop_timer_arm(struct loop_timer *t, uint64_t ms, uint64_t period_ms);
void loop_timer_disarm(struct loop_timer *t);
int loop_timer_armed(const struct loop_timer *t);
void loop_timer_free(struct loop_timer *t);
/* The loop's clock, ms (CLOCK_MONOTONIC). */
uint64_t loop_now_ms(void);
#endif
