#define _GNU_SOURCE
#include "cepoll.h"

#include <pthread.h>

#include <errno.h>
#include <sys/epoll.h>

int cepoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int cepoll_arm(int epfd, int fd, uint32_t events, uint64_t token, int add) {
    struct epoll_event event = {.events = events | EPOLLONESHOT, .data = {.u64 = token}};
    return epoll_ctl(epfd, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event);
}

int cepoll_remove(int epfd, int fd) {
    struct epoll_event unused = {0};
    return epoll_ctl(epfd, EPOLL_CTL_DEL, fd, &unused);
}

int cepoll_wait(int epfd, uint32_t *events, uint64_t *tokens, int capacity, int timeout_ms) {
    struct epoll_event reports[64];
    if (capacity > 64) capacity = 64;
    int count;
    do {
        count = epoll_wait(epfd, reports, capacity, timeout_ms);
    } while (count < 0 && errno == EINTR);
    for (int i = 0; i < count; i++) {
        events[i] = reports[i].events;
        tokens[i] = reports[i].data.u64;
    }
    return count;
}

void cepoll_name_thread(const char *name) {
    pthread_setname_np(pthread_self(), name);
}
