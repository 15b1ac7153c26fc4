/* sockaddr.c — socket addresses as text and as prefixes, for the daemon's listen
 * addresses, its status_allow list and its logs, and for the client's targets. Calls
 * only inet_pton/inet_ntop and parse_util.c. */
#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "parse_util.h"
#include "sockaddr.h"

socklen_t sockaddr_len(const SockAddr *a) {
        assert(a);

        switch (a->sa.sa_family) {
        case AF_INET:
                return sizeof(a->in);
        case AF_INET6:
                return sizeof(a->in6);
        default:
                return 0;
        }
}

uint16_t sockaddr_port(const SockAddr *a) {
        assert(a);

        switch (a->sa.sa_family) {
        case AF_INET:
                return ntohs(a->in.sin_port);
        case AF_INET6:
                return ntohs(a->in6.sin6_port);
        default:
                return 0;
        }
}

int sockaddr_parse(const char *s, SockAddr *ret) {
        char host[INET6_ADDRSTRLEN + 1];
        const char *port_str;
        SockAddr a = {};
        unsigned port;
        size_t n;

        assert(s);
        assert(ret);

        if (s[0] == '[') {
                const char *end = strchr(s, ']');

                if (!end || end[1] != ':')
                        return -EINVAL;
                n = (size_t) (end - s - 1);
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
                        n = (size_t) (colon - s);
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
                a.in.sin_port = htons((uint16_t) port);
        } else if (inet_pton(AF_INET6, host, &a.in6.sin6_addr) == 1) {
                a.in6.sin6_family = AF_INET6;
                a.in6.sin6_port = htons((uint16_t) port);
        } else
                return -EINVAL;

        *ret = a;
        return 0;
}

char *sockaddr_format_host(const SockAddr *a, char *buf, size_t len) {
        assert(a);
        assert(buf && len > 0);

        if ((a->sa.sa_family == AF_INET && inet_ntop(AF_INET, &a->in.sin_addr, buf, (socklen_t) len)) ||
            (a->sa.sa_family == AF_INET6 && inet_ntop(AF_INET6, &a->in6.sin6_addr, buf, (socklen_t) len)))
                return buf;
        (void) snprintf(buf, len, "?");
        return buf;
}

char *sockaddr_format(const SockAddr *a, char *buf, size_t len) {
        char host[INET6_ADDRSTRLEN];

        assert(a);
        assert(buf && len > 0);

        if (a->sa.sa_family == AF_INET)
                (void) snprintf(buf, len, "%s:%u", sockaddr_format_host(a, host, sizeof(host)),
                                sockaddr_port(a));
        else if (a->sa.sa_family == AF_INET6)
                (void) snprintf(buf, len, "[%s]:%u", sockaddr_format_host(a, host, sizeof(host)),
                                sockaddr_port(a));
        else
                (void) snprintf(buf, len, "(family %d)", a->sa.sa_family);
        return buf;
}

int sockaddr_v4mapped(const SockAddr *a, uint8_t ret[static 16]) {
        assert(a);

        switch (a->sa.sa_family) {
        case AF_INET:
                memset(ret, 0, 10);
                ret[10] = ret[11] = 0xff;
                memcpy(ret + 12, &a->in.sin_addr, 4);
                return 0;
        case AF_INET6:
                memcpy(ret, &a->in6.sin6_addr, 16);
                return 0;
        default:
                return -EAFNOSUPPORT;
        }
}

int sockaddr_cidr_parse(const char *s, SockAddrCidr *ret) {
        char addr[INET6_ADDRSTRLEN + 1];
        SockAddrCidr c = {};
        const char *slash;
        unsigned len;
        size_t n;
        bool v4;

        assert(s);
        assert(ret);

        slash = strchr(s, '/');
        n = slash ? (size_t) (slash - s) : strlen(s);
        if (n == 0 || n >= sizeof(addr))
                return -EINVAL;
        memcpy(addr, s, n);
        addr[n] = '\0';

        if (inet_pton(AF_INET, addr, c.addr + 12) == 1) {
                v4 = true;
                c.addr[10] = c.addr[11] = 0xff;
        } else if (inet_pton(AF_INET6, addr, c.addr) == 1)
                v4 = false;
        else
                return -EINVAL;

        len = v4 ? 32 : 128;
        /* safe_atou() takes digits only: no "+8", " 8" or "-0". */
        if (slash && (safe_atou(slash + 1, &len) < 0 || len > (v4 ? 32u : 128u)))
                return -EINVAL;
        c.prefixlen = len + (v4 ? 96 : 0);

        for (unsigned bit = c.prefixlen; bit < 128; bit++)
                c.addr[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));

        *ret = c;
        return 0;
}

bool sockaddr_cidr_contains(const SockAddrCidr *c, const SockAddr *a) {
        unsigned full, rest;
        uint8_t addr[16];

        assert(c);
        assert(a);

        if (sockaddr_v4mapped(a, addr) < 0)
                return false;

        full = c->prefixlen / 8;
        rest = c->prefixlen % 8;
        if (memcmp(c->addr, addr, full) != 0)
                return false;
        if (rest == 0)
                return true;
        return ((c->addr[full] ^ addr[full]) & (uint8_t) (0xff00u >> rest)) == 0;
}
