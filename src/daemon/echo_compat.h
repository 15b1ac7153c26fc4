/* echo_compat.h — how the echo answers a datagram that is not a netlab probe in the
 * textbook labs' compatibility modes (echo.lab_compat, netlab.conf(5)). Pure: no I/O, no
 * clock (the time comes in), no logging. Used only by echo.c. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "time_util.h"

/* "18446744073709551615 ": the longest prefix echo_compat_timestamp_prefix() writes,
 * plus its NUL. */
#define ECHO_COMPAT_PREFIX_MAX 24

/* The "timestamp" mode (this project's origin lab): the reply is the server's clock in
 * milliseconds since the epoch as decimal ASCII, one space, then the request. Writes that
 * prefix for @now_realtime_usec (CLOCK_REALTIME) into @buf (NUL-terminated) and returns
 * its length without the NUL (2..21). */
size_t echo_compat_timestamp_prefix(usec_t now_realtime_usec, char buf[static ECHO_COMPAT_PREFIX_MAX]);

/* The length of a "timestamp" reply's request part: @len cut so that prefix + request
 * fit in @max_payload bytes (0 if not even the prefix fits). */
size_t echo_compat_timestamp_fit(size_t prefix_len, size_t len, size_t max_payload);

/* The "uppercase" mode (Kurose & Ross, the UDP Pinger lab: its Python server replies
 * message.upper()): upper-cases the ASCII letters a-z of @buf[0..len) in place and leaves
 * every other byte (other ASCII, UTF-8, binary) as it is, as Python's bytes.upper() does.
 * The reply is exactly as long as the request. */
void echo_compat_uppercase(uint8_t *buf, size_t len);
