/* echo_loop.h — echo reflection loop detection (the "Loop DoS" class, CVE-2024-2169): a
 * fixed-size, time-bounded memory of the plain replies just sent, as keyed hashes of
 * (peer address, peer port, payload). A datagram from a peer whose payload matches a
 * reply sent to that peer within the window is our own echo coming back from another
 * echo service: the caller drops it instead of answering, and the loop ends.
 * Pure: no I/O, no clock, no logging; time comes in as a usec_t, the hash key from the
 * caller. Memory is fixed (ECHO_LOOP_ENTRIES entries), every call is O(1) plus one pass
 * over the payload. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "time_util.h"

/* 4096 sets of 4 entries, 16 bytes each: 256 KiB. An entry is overwritten by a newer
 * reply hashing to the same set, so a loop is caught as long as fewer than about
 * ECHO_LOOP_ENTRIES other replies go out during one of its round trips. */
#define ECHO_LOOP_WAYS 4u
#define ECHO_LOOP_SETS 4096u
#define ECHO_LOOP_ENTRIES (ECHO_LOOP_WAYS * ECHO_LOOP_SETS)
/* A reply is remembered for at least this long after it leaves: a reflection that
 * takes longer (a peer holding datagrams back) is not recognised. */
#define ECHO_LOOP_WINDOW_MIN_USEC (1 * USEC_PER_SEC)
/* A lab server's timestamp in front of a payload: 1-20 decimal digits and a space. */
#define ECHO_LOOP_LAB_DIGITS_MAX 20u

typedef struct EchoLoopEntry {
        uint64_t tag;                   /* the reply's hash; 0 = empty */
        usec_t from;                    /* CLOCK_MONOTONIC: when the reply leaves */
} EchoLoopEntry;

/* Embedded in its owner (256 KiB); fields private to echo_loop.c. */
typedef struct EchoLoop {
        EchoLoopEntry entries[ECHO_LOOP_ENTRIES];
        uint64_t key[4];
        usec_t window;
} EchoLoop;

/* Empties @l and sets its hash key (copied; keep it secret and random per process, so a
 * peer cannot aim its payloads at one set and flush the memory) and its window
 * (echo_loop_set_window()). */
void echo_loop_init(EchoLoop *l, const uint64_t key[static 4], usec_t window);

/* Sets how long a reply stays recognisable after it leaves: at least
 * ECHO_LOOP_WINDOW_MIN_USEC. Entries already remembered follow the new window. */
void echo_loop_set_window(EchoLoop *l, usec_t window);

/* The keyed 64-bit hash of a reply of @len bytes at @data (may be NULL when @len is 0) to
 * the peer @addr (16 bytes, IPv4 as v4-mapped) and @port (network order). Never 0. */
uint64_t echo_loop_hash(const EchoLoop *l, const uint8_t addr[static 16], uint16_t port, const void *data,
                        size_t len);

/* Remembers a reply with hash @h that leaves at @from_usec (now, or when its delay ends).
 * It is recognised from @from_usec until the window after it. Replaces an entry with the
 * same hash (the newest send of the same bytes counts), else an empty entry of the set,
 * else the one that left longest ago. */
void echo_loop_remember(EchoLoop *l, uint64_t h, usec_t from_usec);

/* True if a reply with hash @h left within the window before @now_usec (and not after
 * it: a reply still in the delay queue has not been sent). */
bool echo_loop_recent(const EchoLoop *l, uint64_t h, usec_t now_usec);

/* The length of a lab server's timestamp at the start of @data: 1..ECHO_LOOP_LAB_DIGITS_MAX
 * digits and one space (the number of bytes, space included), or 0 if @data does not
 * start that way. */
size_t echo_loop_lab_prefix(const void *data, size_t len);

/* Checks a datagram of @len bytes at @data from @addr/@port: true if it is one of our
 * replies to that peer coming back, verbatim or with a lab server's timestamp put in
 * front (echo_loop_lab_prefix()). Sets *ret_hash to echo_loop_hash() of the whole
 * datagram, to remember when it is answered verbatim. */
bool echo_loop_check(const EchoLoop *l, const uint8_t addr[static 16], uint16_t port, const void *data,
                     size_t len, usec_t now_usec, uint64_t *ret_hash);
