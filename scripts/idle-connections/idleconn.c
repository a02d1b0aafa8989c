/*
 * idleconn: opens many TCP connections on kernel sockets and keeps them idle (issue 13 item 2).
 *
 *   idleconn SERVER PORT COUNT SOURCES [EXCHANGE [HOLD]]
 *
 * SOURCES is a comma-separated list of local IPv4 addresses; connections are spread over them round robin, so that
 * COUNT may exceed one address's ephemeral ports. Each connection, once established, sends EXCHANGE octets (default
 * 64) and, when EXCHANGE > 0, reads as many back (an echo server) or none (a sink: pass a negative EXCHANGE to only
 * send); then it stays idle. At most 1000 connects are in flight at once. Prints progress lines, then
 * "idle N failed F" when every connection is idle or failed, holds them for HOLD seconds (default: until stdin closes
 * or SIGTERM), prints "closing", closes them all and prints "closed".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CONNECTING = 1, EXCHANGING = 2, IDLE = 3, FAILED = 4 };

struct conn {
    int fd;
    unsigned char state;
    int done; /* octets read back so far */
};

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: idleconn SERVER PORT COUNT SOURCES [EXCHANGE [HOLD]]\n");
        return 2;
    }
    struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
    if (inet_pton(AF_INET, argv[1], &server.sin_addr) != 1) {
        fprintf(stderr, "bad server address %s\n", argv[1]);
        return 2;
    }
    int count = atoi(argv[3]);
    struct in_addr sources[64];
    int nsources = 0;
    for (char *s = strtok(argv[4], ","); s && nsources < 64; s = strtok(NULL, ","))
        if (inet_pton(AF_INET, s, &sources[nsources++]) != 1) {
            fprintf(stderr, "bad source address %s\n", s);
            return 2;
        }
    int exchange = argc > 5 ? atoi(argv[5]) : 64;
    int sendlen = exchange < 0 ? -exchange : exchange;
    int readback = exchange > 0 ? exchange : 0;
    int hold = argc > 6 ? atoi(argv[6]) : -1;
    if (sendlen > 4096) sendlen = 4096;
    if (readback > 4096) readback = 4096;

    struct rlimit rl = { count + 100, count + 100 };
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        perror("setrlimit RLIMIT_NOFILE");
        return 1;
    }
    signal(SIGTERM, on_term);
    signal(SIGINT, on_term);
    signal(SIGPIPE, SIG_IGN);

    struct conn *conns = calloc(count, sizeof *conns);
    int ep = epoll_create1(0);
    char payload[4096], sink[4096];
    memset(payload, 'x', sizeof payload);
    int opened = 0, inflight = 0, idle = 0, failed = 0, lastreport = 0;
    double start = now();
    struct epoll_event events[1024];

    while (idle + failed < count && !stop) {
        while (opened < count && inflight < 1000) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0) { perror("socket"); return 1; }
            int one = 1;
            setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr = sources[opened % nsources] };
            if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) { perror("bind"); return 1; }
            struct conn *c = &conns[opened];
            c->fd = fd;
            c->state = CONNECTING;
            struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = opened };
            if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0 && errno != EINPROGRESS) {
                c->state = FAILED;
                failed++;
            } else {
                epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
                inflight++;
            }
            opened++;
        }
        int n = epoll_wait(ep, events, 1024, 1000);
        for (int i = 0; i < n; i++) {
            struct conn *c = &conns[events[i].data.u32];
            if (c->state == CONNECTING) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err != 0 || (events[i].events & (EPOLLERR | EPOLLHUP))) {
                    c->state = FAILED; failed++; inflight--;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    continue;
                }
                if (sendlen > 0 && send(c->fd, payload, sendlen, 0) != sendlen) {
                    c->state = FAILED; failed++; inflight--;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    continue;
                }
                if (readback == 0) {
                    c->state = IDLE; idle++; inflight--;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    continue;
                }
                c->state = EXCHANGING;
                struct epoll_event ev = { .events = EPOLLIN, .data.u32 = events[i].data.u32 };
                epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
            } else if (c->state == EXCHANGING) {
                ssize_t r = recv(c->fd, sink, sizeof sink, 0);
                if (r <= 0) {
                    if (r < 0 && errno == EAGAIN) continue;
                    c->state = FAILED; failed++; inflight--;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    continue;
                }
                c->done += (int)r;
                if (c->done >= readback) {
                    c->state = IDLE; idle++; inflight--;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                }
            }
        }
        if (idle + failed - lastreport >= 10000) {
            lastreport = idle + failed;
            printf("progress idle %d failed %d after %.1f s\n", idle, failed, now() - start);
            fflush(stdout);
        }
    }
    printf("idle %d failed %d in %.1f s\n", idle, failed, now() - start);
    fflush(stdout);
    if (hold < 0) {
        char b[64];
        while (!stop && read(0, b, sizeof b) > 0) { }
    } else {
        double until = now() + hold;
        while (!stop && now() < until) sleep(1);
    }
    printf("closing\n");
    fflush(stdout);
    for (int i = 0; i < opened; i++)
        close(conns[i].fd);
    printf("closed\n");
    fflush(stdout);
    return failed == 0 ? 0 : 1;
}
