#ifndef CEPOLL_H
#define CEPOLL_H

#include <stdint.h>

/// Thin wrappers over epoll(7) for HTTPKit's socket poller. Swift's Glibc
/// module does not import <sys/epoll.h>, and `struct epoll_event` is packed
/// on x86-64, so the poller passes plain integers instead: an event mask and
/// a 64-bit token per descriptor.

enum {
    CEPOLL_READABLE = 0x001,  /* EPOLLIN */
    CEPOLL_WRITABLE = 0x004,  /* EPOLLOUT */
    CEPOLL_ERROR = 0x008,     /* EPOLLERR */
    CEPOLL_HANGUP = 0x010,    /* EPOLLHUP */
    CEPOLL_READ_HANGUP = 0x2000, /* EPOLLRDHUP */
};

/// A close-on-exec epoll descriptor, or -1 with errno.
int cepoll_create(void);

/// Arms `fd` for one report of `events` (EPOLLONESHOT), registering it
/// first when `add` is non-zero. 0, or -1 with errno.
int cepoll_arm(int epfd, int fd, uint32_t events, uint64_t token, int add);

/// Removes `fd`. 0, or -1 with errno.
int cepoll_remove(int epfd, int fd);

/// Waits for up to `capacity` reports (retrying on EINTR); fills `events`
/// and `tokens` and returns how many, or -1 with errno.
int cepoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int capacity, int timeout_ms);

/// Names the calling thread (15 characters at most), for ps and debuggers.
void cepoll_name_thread(const char *name);

#endif
