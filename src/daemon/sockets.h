/* sockets.h — where the daemon's sockets come from: socket activation
 * (sd_listen_fds_with_names) or, when nothing is passed, binding the configured
 * listen addresses itself (their "ADDRESS:PORT" syntax is sockaddr.h's). */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "sockaddr.h"

#define SOCKETS_PER_KIND_MAX 16

typedef enum SocketKind {
        SOCKET_KIND_ECHO,               /* SOCK_DGRAM, AF_INET/AF_INET6 */
        SOCKET_KIND_HTTP,               /* SOCK_STREAM, listening, AF_INET/AF_INET6 */
        SOCKET_KIND_STAMP,              /* SOCK_DGRAM, AF_INET/AF_INET6: the STAMP reflector */
        _SOCKET_KIND_MAX,
        _SOCKET_KIND_INVALID = -EINVAL,
} SocketKind;

typedef struct SocketSet {
        int fds[_SOCKET_KIND_MAX][SOCKETS_PER_KIND_MAX];
        size_t n_fds[_SOCKET_KIND_MAX];
        bool activated;                 /* fds came from the service manager */
} SocketSet;

/* Decides which service an inherited @fd belongs to. @name is its FileDescriptorName=:
 * "echo", "stamp" and "http" force the kind (and must match the socket type); anything
 * else classifies by SO_TYPE, and a datagram socket bound to port 862 (STAMP_PORT) is the
 * STAMP reflector's: all fds of one .socket unit share one name, so this is how a
 * ListenDatagram=862 line in netlabd.socket reaches it. Returns 0 and *ret, or:
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
 * to @address (sockaddr_parse() syntax) and, for streams, listening. "[::]" is dual-stack unless
 * @v6only (set when the same list also names IPv4 addresses, which would otherwise
 * collide with it); on a host without IPv6 it falls back to 0.0.0.0. Returns the fd, or
 * -EINVAL (bad address), -EADDRINUSE, -EACCES, ... from socket()/bind()/listen(). */
int sockets_bind(const char *address, int type, bool v6only);

/* Binds every address of the NULL-terminated @listen list (sockaddr_parse() syntax) as
 * sockets of @type and adds them to @set as @kind. A "[::]" wildcard is IPv6-only when
 * the list also names an IPv4 address. Returns 0, or a negative errno (-E2BIG: more than
 * SOCKETS_PER_KIND_MAX) with *reterr_address pointing at the failed entry of @listen
 * (borrowed); on failure, every fd in @set is closed and @set emptied. */
int sockets_bind_list(char *const *listen, int type, SocketKind kind, SocketSet *set,
                      const char **reterr_address);

/* Closes every fd still in @set and empties it. */
void sockets_set_done(SocketSet *set);
