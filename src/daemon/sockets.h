/* sockets.h — where the daemon's sockets come from: socket activation
 * (sd_listen_fds_with_names) or, when nothing is passed, binding the configured
 * listen addresses itself. Also the "ADDRESS:PORT" syntax of the config file. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "conf.h"

#define SOCKETS_PER_KIND_MAX 16

typedef struct SocketAddress {
        union {
                struct sockaddr sa;
                struct sockaddr_in in;
                struct sockaddr_in6 in6;
                struct sockaddr_storage storage;
        };
        socklen_t len;
} SocketAddress;

typedef enum SocketKind {
        SOCKET_KIND_ECHO,               /* SOCK_DGRAM, AF_INET/AF_INET6 */
        SOCKET_KIND_HTTP,               /* SOCK_STREAM, listening, AF_INET/AF_INET6 */
        _SOCKET_KIND_MAX,
        _SOCKET_KIND_INVALID = -EINVAL,
} SocketKind;

typedef struct SocketSet {
        int fds[_SOCKET_KIND_MAX][SOCKETS_PER_KIND_MAX];
        size_t n_fds[_SOCKET_KIND_MAX];
        bool activated;                 /* fds came from the service manager */
} SocketSet;

/* Parses "IPv4:PORT", "[IPv6]:PORT", "*:PORT" (= "[::]:PORT") or a bare "PORT"
 * (= "[::]:PORT"). No host names: the daemon must not depend on DNS at boot.
 * Pure. Returns 0, or -EINVAL. */
int sockets_parse_address(const char *s, SocketAddress *ret);

/* Formats @a as "1.2.3.4:80" or "[::1]:80" into @buf (>= 64 bytes). Returns @buf. */
char *sockets_format_address(const SocketAddress *a, char *buf, size_t len);

/* Decides which service an inherited @fd belongs to. @name is its FileDescriptorName=:
 * "echo" and "http" force the kind (and must match the socket type); anything else
 * classifies by SO_TYPE. Returns 0 and *ret, or:
 *   -EPROTOTYPE     neither SOCK_DGRAM nor SOCK_STREAM, or type contradicts @name
 *   -EAFNOSUPPORT   not AF_INET/AF_INET6
 *   -EDESTADDRREQ   a stream socket that is not listening (Accept=yes units)
 *   other           getsockopt() failed (-EBADF, -ENOTSOCK) */
int sockets_classify(int fd, const char *name, SocketKind *ret);

/* Collects the sockets passed by the service manager into @set ($LISTEN_FDS,
 * unsetting the variables). Makes every fd non-blocking and close-on-exec.
 * Returns the number of fds (0: not activated), or a negative errno with a message
 * in *reterr_msg (malloc'ed) naming the offending fd. On failure, @set is emptied
 * and all passed fds are closed. */
int sockets_from_activation(SocketSet *set, char **reterr_msg);

/* Opens a non-blocking, close-on-exec socket of @type (SOCK_DGRAM or SOCK_STREAM) bound
 * to @address (config syntax) and, for streams, listening. "[::]" is dual-stack unless
 * @v6only (set when the same list also names IPv4 addresses, which would otherwise
 * collide with it); on a host without IPv6 it falls back to 0.0.0.0. Returns the fd, or
 * -EINVAL (bad address), -EADDRINUSE, -EACCES, ... from socket()/bind()/listen(). */
int sockets_bind(const char *address, int type, bool v6only);

/* Binds every listen address of the enabled services in @conf into @set. Returns 0, or
 * a negative errno with *reterr_address pointing into @conf (borrowed). On failure,
 * @set is emptied and closed. */
int sockets_bind_all(const Conf *conf, SocketSet *set, const char **reterr_address);

/* Closes every fd still in @set and empties it. */
void sockets_set_done(SocketSet *set);
