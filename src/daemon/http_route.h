/* http_route.h — maps a parsed GET/HEAD request to a response: dynamic endpoint, file,
 * directory redirect, index, listing or error page. */
#pragma once

#include "http_conn.h"
#include "http_parse.h"

/* Answers @req (GET or HEAD; the head is complete) on @c through http_conn_respond().
 * Returns what http_conn_respond() returns: 1 when the response is fully sent, 0 when
 * the rest waits for EPOLLOUT, a negative errno when the connection must close. */
int http_route_get(HttpConn *c, const HttpRequest *req);
