/* echo_loop.c — PURE: the echo's memory of plain replies just sent (echo_loop.h). echo.c
 * checks every plain datagram against it before answering and remembers every plain
 * reply it sends or queues; this file calls only libc (memcpy) and is tested on its own in
 * tests/test_echo_loop.c. */
#include <assert.h>
#include <string.h>

#include "echo_loop.h"
#include "macro.h"

static inline uint64_t mum(uint64_t a, uint64_t b) {
        unsigned __int128 r = (unsigned __int128) a * b;

        return (uint64_t) r ^ (uint64_t) (r >> 64);
}

static inline uint64_t load64(const uint8_t *p) {
        uint64_t v;

        memcpy(&v, p, sizeof(v));
        return v;
}

void echo_loop_init(EchoLoop *l, const uint64_t key[static 4], usec_t window) {
        assert(l);

        memset(l->entries, 0, sizeof(l->entries));
        memcpy(l->key, key, sizeof(l->key));
        echo_loop_set_window(l, window);
}

void echo_loop_set_window(EchoLoop *l, usec_t window) {
        assert(l);
        l->window = MAX(window, (usec_t) ECHO_LOOP_WINDOW_MIN_USEC);
}

/* wyhash-style multiply-mix, two independent lanes over 32-byte blocks so the
 * multiplications overlap: about 0.3 CPU cycles per byte. The peer and the length go into
 * the seed, so equal payloads to different peers (or a payload and its zero-padded
 * extension) differ. */
uint64_t echo_loop_hash(const EchoLoop *l, const uint8_t addr[static 16], uint16_t port, const void *data,
                        size_t len) {
        const uint64_t *k = l->key;
        const uint8_t *p = data;
        uint64_t s0, s1, h;
        size_t n = len;

        assert(l);
        assert(data || len == 0);

        s0 = mum(load64(addr) ^ k[0], load64(addr + 8) ^ k[1]);
        s1 = mum(((uint64_t) port << 48 | (uint64_t) len) ^ k[2], s0 ^ k[3]);
        for (; n >= 32; n -= 32, p += 32) {
                s0 = mum(load64(p) ^ k[0], load64(p + 8) ^ s0);
                s1 = mum(load64(p + 16) ^ k[1], load64(p + 24) ^ s1);
        }
        for (; n >= 8; n -= 8, p += 8)
                s0 = mum(load64(p) ^ k[2], s0 ^ k[3]);
        if (n > 0) {
                uint8_t tail[8] = {};

                memcpy(tail, p, n);
                s1 = mum(load64(tail) ^ k[3], s1 ^ k[2]);
        }
        h = mum(s0 ^ k[1], s1 ^ k[0]);
        return h != 0 ? h : 1;
}

static EchoLoopEntry *set_of(const EchoLoop *l, uint64_t h) {
        /* The set from the high bits, so the tag's low bits are not all the index. */
        return (EchoLoopEntry *) &l->entries[(h >> 40) % ECHO_LOOP_SETS * ECHO_LOOP_WAYS];
}

void echo_loop_remember(EchoLoop *l, uint64_t h, usec_t from_usec) {
        EchoLoopEntry *set, *victim;

        assert(l);

        set = set_of(l, h);
        victim = &set[0];
        for (size_t i = 0; i < ECHO_LOOP_WAYS; i++) {
                if (set[i].tag == h) {
                        victim = &set[i];
                        break;
                }
                if (set[i].tag == 0 || set[i].from < victim->from)
                        victim = &set[i];
                if (set[i].tag == 0)
                        break;
        }
        victim->tag = h;
        victim->from = from_usec;
}

bool echo_loop_recent(const EchoLoop *l, uint64_t h, usec_t now_usec) {
        const EchoLoopEntry *set;

        assert(l);

        set = set_of(l, h);
        for (size_t i = 0; i < ECHO_LOOP_WAYS; i++)
                if (set[i].tag == h)
                        return set[i].from <= now_usec && now_usec - set[i].from < l->window;
        return false;
}

size_t echo_loop_lab_prefix(const void *data, size_t len) {
        const uint8_t *p = data;
        size_t n = 0;

        assert(data || len == 0);

        while (n < len && n < ECHO_LOOP_LAB_DIGITS_MAX && p[n] >= '0' && p[n] <= '9')
                n++;
        return n > 0 && n < len && p[n] == ' ' ? n + 1 : 0;
}

bool echo_loop_check(const EchoLoop *l, const uint8_t addr[static 16], uint16_t port, const void *data,
                     size_t len, usec_t now_usec, uint64_t *ret_hash) {
        size_t skip;

        assert(l);
        assert(ret_hash);

        *ret_hash = echo_loop_hash(l, addr, port, data, len);
        if (echo_loop_recent(l, *ret_hash, now_usec))
                return true;
        skip = echo_loop_lab_prefix(data, len);
        return skip > 0 &&
               echo_loop_recent(l, echo_loop_hash(l, addr, port, (const uint8_t *) data + skip, len - skip),
                                now_usec);
}
