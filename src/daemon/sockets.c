/* sockets.c — obtains the listening sockets before the event loop starts: inherited
 * from systemd (netlabd.socket) and sorted into echo (datagram) and HTTP (stream), or
 * bound from the config's listen addresses when the daemon runs by hand or in tests. */
#include <arpa/inet.h>
#include <assert.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "log.h"
#include "parse_util.h"
#include "sockets.h"

int sockets_parse_address(const char *s, SocketAddress *ret) {
        char host[INET6_ADDRSTRLEN + 1];
        const char *port_str;
        SocketAddress a = {};
        unsigned port;
        size_t n;

        assert(s);
        assert(ret);

        if (s[0] == '[') {
                const char *end = strchr(s, ']');

                if (!end || end[1] != ':')
                        return -EINVAL;
                n = end - s - 1;
                if (n == 0 || n >= sizeof(host))
                        return -EINVAL;
                memcpy(host, s + 1, n);
                host[n] = '\0';
                port_str = end + 2;
        } else {
                const char *colon = strrchr(s, ':');

                if (!colon) {
                        strcpy(host, "::");
                        port_str = s;
                } else {
                        n = colon - s;
                        if (n == 0 || n >= sizeof(host) || memchr(s, ':', n))
                                return -EINVAL;         /* bare IPv6 needs brackets */
                        memcpy(host, s, n);
                        host[n] = '\0';
                        port_str = colon + 1;
                }
        }

        if (safe_atou(port_str, &port) < 0 || port > 65535)
                return -EINVAL;
        if (streq(host, "*"))
                strcpy(host, "::");

        if (inet_pton(AF_INET, host, &a.in.sin_addr) == 1) {
                a.in.sin_family = AF_INET;
                a.in.sin_port = htons(port);
                a.len = sizeof(a.in);
        } else if (inet_pton(AF_INET6, host, &a.in6.sin6_addr) == 1) {
                a.in6.sin6_family = AF_INET6;
                a.in6.sin6_port = htons(port);
                a.len = sizeof(a.in6);
        } else
                return -EINVAL;

        *ret = a;
        return 0;
}

char *sockets_format_address(const SocketAddress *a, char *buf, size_t len) {
        char host[INET6_ADDRSTRLEN];

        assert(a);
        if (a->sa.sa_family == AF_INET) {
                inet_ntop(AF_INET, &a->in.sin_addr, host, sizeof(host));
                snprintf(buf, len, "%s:%u", host, ntohs(a->in.sin_port));
        } else if (a->sa.sa_family == AF_INET6) {
                inet_ntop(AF_INET6, &a->in6.sin6_addr, host, sizeof(host));
                snprintf(buf, len, "[%s]:%u", host, ntohs(a->in6.sin6_port));
        } else
                snprintf(buf, len, "(family %d)", a->sa.sa_family);
        return buf;
}

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
                *ret = SOCKET_KIND_ECHO;
                return 0;
        }
        if (type != SOCK_STREAM || (name && streq(name, "echo")))
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
                                (void) asprintf(reterr_msg,
                                                "passed fd %d (name '%s') is not usable: %s (expected a "
                                                "UDP socket for echo or a listening TCP socket for HTTP)",
                                                fd, name ?: "", r == -EDESTADDRREQ ? "stream socket is not "
                                                "listening (Accept=yes is not supported)" : strerror(-r));
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
        SocketAddress a;
        bool any6;
        int r;

        assert(address);
        assert(type == SOCK_DGRAM || type == SOCK_STREAM);

        r = sockets_parse_address(address, &a);
        if (r < 0)
                return r;
        any6 = a.sa.sa_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a.in6.sin6_addr);

        fd = socket(a.sa.sa_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0 && any6 && errno == EAFNOSUPPORT) {
                /* No IPv6 on this host: "[::]" means "all addresses", so use IPv4's. */
                uint16_t port = a.in6.sin6_port;

                a = (SocketAddress) { .in.sin_family = AF_INET, .in.sin_port = port, .len = sizeof(a.in) };
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
        if (bind(fd, &a.sa, a.len) < 0)
                return -errno;
        if (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)
                return -errno;

        return TAKE_FD(fd);
}

int sockets_bind_all(const Conf *conf, SocketSet *set, const char **reterr_address) {
        const struct {
                bool enabled;
                char **listen;
                int type;
                SocketKind kind;
        } services[] = {
                { conf->echo.enabled, conf->echo.listen, SOCK_DGRAM, SOCKET_KIND_ECHO },
                { conf->http.enabled, conf->http.listen, SOCK_STREAM, SOCKET_KIND_HTTP },
        };
        int r;

        assert(conf);
        assert(set);

        for (size_t i = 0; i < ELEMENTSOF(services); i++) {
                bool has_ipv4 = false;

                if (!services[i].enabled || !services[i].listen)
                        continue;
                /* "[::]:P" next to "0.0.0.0:P" (or any IPv4 address) means IPv6 only:
                 * a dual-stack socket would take the IPv4 port first. */
                for (char **a = services[i].listen; *a; a++) {
                        SocketAddress sa;

                        if (sockets_parse_address(*a, &sa) >= 0 && sa.sa.sa_family == AF_INET)
                                has_ipv4 = true;
                }
                for (char **a = services[i].listen; *a; a++) {
                        int fd = sockets_bind(*a, services[i].type, has_ipv4);

                        r = fd < 0 ? fd : socket_set_add(set, services[i].kind, fd);
                        if (r < 0) {
                                if (fd >= 0)
                                        safe_close(fd);
                                if (reterr_address)
                                        *reterr_address = *a;
                                sockets_set_done(set);
                                return r;
                        }
                }
        }
        return 0;
}
