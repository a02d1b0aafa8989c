/*
 * closeloop: connect, read until the server closes, close; over and over at a target rate (issue 13 item 4: the
 * server closes first, so each connection leaves a TIME-WAIT record in the server's stack).
 *
 *   closeloop SERVER PORT RATE SECONDS SOURCES [INFLIGHT]
 *
 * Keeps at most INFLIGHT (default 512) connections open, starts at most RATE a second, spreads them over the
 * comma-separated SOURCES; prints "second N: closed C failed F" each second and a total at the end.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: closeloop SERVER PORT RATE SECONDS SOURCES [INFLIGHT]\n");
        return 2;
    }
    struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
    inet_pton(AF_INET, argv[1], &server.sin_addr);
    double rate = atof(argv[3]);
    double seconds = atof(argv[4]);
    struct in_addr sources[64];
    int nsources = 0;
    for (char *s = strtok(argv[5], ","); s && nsources < 64; s = strtok(NULL, ","))
        inet_pton(AF_INET, s, &sources[nsources++]);
    int maxinflight = argc > 6 ? atoi(argv[6]) : 512;
    struct rlimit rl = { maxinflight + 100, maxinflight + 100 };
    setrlimit(RLIMIT_NOFILE, &rl);

    int ep = epoll_create1(0);
    struct epoll_event events[1024];
    char buf[4096];
    long started = 0, closed = 0, failed = 0, lastclosed = 0, lastfailed = 0;
    int inflight = 0, second = 0;
    double start = now(), nextreport = start + 1;
    while (now() - start < seconds || inflight > 0) {
        double t = now();
        while (t - start < seconds && inflight < maxinflight && started < (long)((t - start) * rate)) {
            int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
            if (fd < 0) break;
            int one = 1;
            setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
            struct sockaddr_in local = { .sin_family = AF_INET, .sin_addr = sources[started % nsources] };
            bind(fd, (struct sockaddr *)&local, sizeof local);
            started++;
            if (connect(fd, (struct sockaddr *)&server, sizeof server) != 0 && errno != EINPROGRESS) {
                close(fd);
                failed++;
                continue;
            }
            struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP, .data.fd = fd };
            epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
            inflight++;
        }
        int n = epoll_wait(ep, events, 1024, 1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            ssize_t r = recv(fd, buf, sizeof buf, 0);
            if (r > 0) continue;
            if (r < 0 && errno == EAGAIN) continue;
            if (r == 0) closed++; else failed++;
            epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
            close(fd);
            inflight--;
        }
        if (now() >= nextreport) {
            printf("second %d: closed %ld failed %ld inflight %d\n", ++second, closed - lastclosed, failed - lastfailed, inflight);
            fflush(stdout);
            lastclosed = closed;
            lastfailed = failed;
            nextreport += 1;
        }
        if (now() - start > seconds + 30) break;
    }
    printf("total closed %ld failed %ld in %.1f s (%.0f/s)\n", closed, failed, now() - start, closed / (now() - start));
    return 0;
}
