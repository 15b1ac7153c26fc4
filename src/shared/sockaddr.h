/* sockaddr.h — one socket-address type for every netlab binary: the SockAddr union
 * (IPv4 or IPv6, what recvmsg/accept/getsockname fill in), its "ADDRESS:PORT" syntax in
 * both directions, the v4-mapped view that lets one comparison cover IPv4 peers, IPv6
 * peers and v4-mapped peers on dual-stack sockets, and CIDR prefixes ("127.0.0.0/8")
 * with a containment test. No host names: nothing here may depend on DNS.
 * Pure: no I/O, no clock, no log. */
#pragma once

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Large enough for any IPv4 or IPv6 socket address (not for AF_UNIX: a longer address
 * is truncated by the kernel, and the family tells the caller it is not ours). */
typedef union SockAddr {
        struct sockaddr sa;
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
} SockAddr;

/* Bytes sockaddr_format() needs at most: "[" + INET6_ADDRSTRLEN - 1 + "]:65535" + NUL. */
#define SOCKADDR_FORMAT_MAX 64

/* The length to pass to bind()/sendto() for @a: sizeof the family's struct, or 0 for a
 * family other than AF_INET/AF_INET6. */
socklen_t sockaddr_len(const SockAddr *a);

/* The port of @a in host byte order, or 0 for another family. */
uint16_t sockaddr_port(const SockAddr *a);

/* Parses the listen syntax of netlab.conf: "IPv4:PORT", "[IPv6]:PORT", "*:PORT"
 * (= "[::]:PORT") or a bare "PORT" (= "[::]:PORT"); PORT is 0..65535 in decimal. A bare
 * IPv6 address without brackets, a zone ("%eth0"), a host name or trailing garbage is
 * refused. Returns 0 and fills *ret (unused bytes zeroed), or -EINVAL (*ret untouched). */
int sockaddr_parse(const char *s, SockAddr *ret);

/* Formats @a as "192.0.2.1:80" or "[2001:db8::1]:80" (a v4-mapped IPv6 address stays in
 * IPv6 form: it is what the socket saw); another family as "(family N)". Writes at most
 * @len bytes including the NUL (SOCKADDR_FORMAT_MAX always suffices). Returns @buf. */
char *sockaddr_format(const SockAddr *a, char *buf, size_t len);

/* Like sockaddr_format() without the port and brackets: "192.0.2.1", "2001:db8::1",
 * "?" for another family. Returns @buf. */
char *sockaddr_format_host(const SockAddr *a, char *buf, size_t len);

/* Copies the address of @a into @ret as 16 bytes: IPv6 as it is, IPv4 as the v4-mapped
 * ::ffff:a.b.c.d (RFC 4291 §2.5.5.2), so a client is the same key on v4 and dual-stack
 * sockets. Returns 0, or -EAFNOSUPPORT for another family (@ret untouched). */
int sockaddr_v4mapped(const SockAddr *a, uint8_t ret[static 16]);

/* An address prefix in the v4-mapped space: IPv4 "a.b.c.d/n" is stored as
 * ::ffff:a.b.c.d/(96 + n), so one comparison covers every kind of peer. */
typedef struct SockAddrCidr {
        uint8_t addr[16];               /* host bits already cleared */
        unsigned prefixlen;             /* 0..128 */
} SockAddrCidr;

/* Parses "ADDR" or "ADDR/LEN" with LEN 0..32 for IPv4 and 0..128 for IPv6, in plain
 * decimal digits. A bare address is a single host. Host bits below the prefix are
 * allowed and ignored ("127.0.0.1/8" == "127.0.0.0/8"). Returns 0, or -EINVAL (not an
 * address, bad length, trailing garbage; *ret untouched). */
int sockaddr_cidr_parse(const char *s, SockAddrCidr *ret);

/* True if the address of @a (AF_INET, or AF_INET6 including v4-mapped) lies inside @c;
 * false for any other family. */
bool sockaddr_cidr_contains(const SockAddrCidr *c, const SockAddr *a);
