/* sockets.c — obtains the listening sockets before the event loop starts: inherited
 * from systemd (netlabd.socket) and sorted into echo and STAMP (datagram) and HTTP
 * (stream), or bound from the config's listen addresses when the daemon runs by hand or
 * in tests. */
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "parse_util.h"
#include "sockets.h"
#include "stamp.h"

static int getsockopt_int(int fd, int level, int opt, int *ret) {
        int v = 0;
        socklen_t l = sizeof(v);

        if (getsockopt(fd, level, opt, &v, &l) < 0)
                return -errno;
        *ret = v;
        return 0;
}

int sockets_classify(int fd, const char *name, SocketKind *ret) {
        int type = 0, family = 0, listening = 0, r;

        assert(ret);

        r = getsockopt_int(fd, SOL_SOCKET, SO_TYPE, &type);
        if (r < 0)
                return r;
        r = getsockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &family);
        if (r < 0)
                return r;
        if (family != AF_INET && family != AF_INET6)
                return -EAFNOSUPPORT;

        if (type == SOCK_DGRAM && (!name || !streq(name, "http"))) {
                SockAddr a = {};
                socklen_t len = sizeof(a);
                uint16_t port = 0;

                if (name && (streq(name, "echo") || streq(name, "stamp"))) {
                        *ret = streq(name, "echo") ? SOCKET_KIND_ECHO : SOCKET_KIND_STAMP;
                        return 0;
                }
                if (getsockname(fd, &a.sa, &len) < 0)
                        return -errno;
                port = a.sa.sa_family == AF_INET ? a.in.sin_port : a.in6.sin6_port;
                *ret = ntohs(port) == STAMP_PORT ? SOCKET_KIND_STAMP : SOCKET_KIND_ECHO;
                return 0;
        }
        if (type != SOCK_STREAM || (name && (streq(name, "echo") || streq(name, "stamp"))))
                return -EPROTOTYPE;

        r = getsockopt_int(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening);
        if (r < 0)
                return r;
        if (!listening)
                return -EDESTADDRREQ;
        *ret = SOCKET_KIND_HTTP;
        return 0;
}

static int fd_nonblock_cloexec(int fd) {
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        flags = fcntl(fd, F_GETFD);
        if (flags < 0 || fcntl(fd, F_SETFD, flags | FD_CLOEXEC) < 0)
                return -errno;
        return 0;
}

void sockets_set_done(SocketSet *set) {
        assert(set);
        for (int k = 0; k < _SOCKET_KIND_MAX; k++) {
                for (size_t i = 0; i < set->n_fds[k]; i++)
                        safe_close(set->fds[k][i]);
                set->n_fds[k] = 0;
        }
}

static int socket_set_add(SocketSet *set, SocketKind kind, int fd) {
        if (set->n_fds[kind] >= SOCKETS_PER_KIND_MAX)
                return -E2BIG;
        set->fds[kind][set->n_fds[kind]++] = fd;
        return 0;
}

int sockets_from_activation(SocketSet *set, char **reterr_msg) {
        char **names = NULL;
        int n, r = 0;

        assert(set);

        n = sd_listen_fds_with_names(/* unset_environment= */ true, &names);
        if (n <= 0) {
                if (n < 0 && reterr_msg)
                        (void) asprintf(reterr_msg, "invalid $LISTEN_FDS/$LISTEN_PID: %s", strerror(-n));
                return n;
        }

        for (int i = 0; i < n; i++) {
                int fd = SD_LISTEN_FDS_START + i;
                const char *name = names ? names[i] : NULL;
                SocketKind kind;

                if (r < 0) {
                        safe_close(fd);         /* after a failure: close the rest too */
                        continue;
                }
                r = sockets_classify(fd, name, &kind);
                if (r < 0) {
                        if (reterr_msg)
                                (void) asprintf(
                                        reterr_msg,
                                        "passed fd %d (name '%s') is not usable: %s (expected a "
                                        "UDP socket for echo or STAMP or a listening TCP socket for HTTP)",
                                        fd, name ?: "",
                                        r == -EDESTADDRREQ ? "stream socket is not "
                                                             "listening (Accept=yes is not supported)" :
                                                             strerror(-r));
                        safe_close(fd);
                        continue;
                }
                r = fd_nonblock_cloexec(fd);
                if (r >= 0)
                        r = socket_set_add(set, kind, fd);
                if (r < 0) {
                        if (reterr_msg)
                                (void) asprintf(reterr_msg, "cannot take passed fd %d: %s", fd,
                                                r == -E2BIG ? "too many sockets of one kind" : strerror(-r));
                        safe_close(fd);
                }
        }

        if (names)
                for (int i = 0; i < n; i++)
                        free(names[i]);
        free(names);

        if (r < 0) {
                sockets_set_done(set);
                return r;
        }
        set->activated = true;
        return n;
}

static int setsockopt_int(int fd, int level, int opt, int v) {
        if (setsockopt(fd, level, opt, &v, sizeof(v)) < 0)
                return -errno;
        return 0;
}

int sockets_bind(const char *address, int type, bool v6only) {
        _cleanup_close_ int fd = -EBADF;
        SockAddr a;
        bool any6;
        int r;

        assert(address);
        assert(type == SOCK_DGRAM || type == SOCK_STREAM);

        r = sockaddr_parse(address, &a);
        if (r < 0)
                return r;
        any6 = a.sa.sa_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a.in6.sin6_addr);

        fd = socket(a.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 && any6 && errno == EAFNOSUPPORT) {
                /* No IPv6 on this host: "[::]" means "all addresses", so use IPv4's. */
                uint16_t port = a.in6.sin6_port;

                a = (SockAddr) { .in.sin_family = AF_INET, .in.sin_port = port };
                any6 = false;
                fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        }
        if (fd < 0)
                return -errno;

        if (type == SOCK_STREAM) {
                r = setsockopt_int(fd, SOL_SOCKET, SO_REUSEADDR, 1);
                if (r < 0)
                        return r;
        }
        if (a.sa.sa_family == AF_INET6) {
                r = setsockopt_int(fd, IPPROTO_IPV6, IPV6_V6ONLY, any6 && !v6only ? 0 : 1);
                if (r < 0)
                        return r;
        }
        if (bind(fd, &a.sa, sockaddr_len(&a)) < 0)
                return -errno;
        if (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)
                return -errno;

        return TAKE_FD(fd);
}

int sockets_bind_list(char *const *listen, int type, SocketKind kind, SocketSet *set,
                      const char **reterr_address) {
        bool has_ipv4 = false;
        int r;

        assert(set);
        assert(kind >= 0 && kind < _SOCKET_KIND_MAX);

        if (!listen)
                return 0;

        /* "[::]:P" next to "0.0.0.0:P" (or any IPv4 address) means IPv6 only: a
         * dual-stack socket would take the IPv4 port first. */
        for (char *const *a = listen; *a; a++) {
                SockAddr sa;

                if (sockaddr_parse(*a, &sa) >= 0 && sa.sa.sa_family == AF_INET)
                        has_ipv4 = true;
        }
        for (char *const *a = listen; *a; a++) {
                int fd = sockets_bind(*a, type, has_ipv4);

                r = fd < 0 ? fd : socket_set_add(set, kind, fd);
                if (r < 0) {
                        if (fd >= 0)
                                safe_close(fd);
                        if (reterr_address)
                                *reterr_address = *a;
                        sockets_set_done(set);
                        return r;
                }
        }
        return 0;
}
