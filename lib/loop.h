/* loop: one epoll event loop, nothing in it blocks. */
#ifndef XCD_LOOP_H
#define XCD_LOOP_H
#include <stdint.h>
#include <sys/epoll.h>

struct loop;
typedef void loop_fd_cb(struct loop *l, int fd, uint32_t events, void *arg);

int loop_new(struct loop **out);
void loop_free(struct loop *l);
/* events: EPOLLIN/EPOLLOUT; the callback is called with what happened. */
int loop_add(struct loop *l, int fd, uint32_t events, loop_fd_cb *cb, void *arg);
int loop_mod(struct loop *l, int fd, uint32_t events);
int loop_del(struct loop *l, int fd);
/* Run until loop_stop(); returns 0 or a negative errno. */
int loop_run(struct loop *l);
void loop_stop(struct loop *l);
/* Called once per iteration before waiting (deferred work such as flushing). */
void loop_set_idle(struct loop *l, void (*cb)(void *arg), void *arg);
/* Milliseconds epoll_wait may sleep when nothing happens (-1: forever). */
void loop_set_timeout(struct loop *l, int ms, void (*cb)(void *arg), void *arg);
#endif
