/* http_server.h — the HTTP/1.1 static file service: owns the listening stream sockets
 * and the set of open connections (their list, epoll set, timeout sweep, read-buffer
 * pool, scratch buffer and Date cache), applies the connection limits, and serves files
 * below http.root plus the dynamic endpoints the daemon provides. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <systemd/sd-event.h>

#include "conf.h"
#include "http_conn.h"
#include "http_route.h"

/* Read once at start for Content-Type; missing or unreadable: the built-in table. Also
 * checked by netlabd -t (daemon.c). */
#define HTTP_SERVER_MIME_TYPES "/etc/mime.types"

typedef struct HttpServer HttpServer;

/* Creates the service on @fds (listening, non-blocking SOCK_STREAM sockets; ownership
 * moves to the server, also on failure). Keeps a reference to @conf. Opens http.root.
 * Returns 0, or a negative errno (-ENOENT/-EACCES for the document root: logged by
 * the caller with the path). */
int http_server_new(sd_event *event, Conf *conf, int *fds, size_t n_fds, HttpServer **ret);

/* Registers the provider of dynamic endpoints (http.metrics_path, http.status_path; the
 * router checks status_allow before calling it). @userdata is borrowed. */
void http_server_set_dynamic(HttpServer *s, HttpDynamicFunc func, void *userdata);

/* New snapshot for new requests (limits, root, index ...); connections keep serving.
 * Returns 0 or a negative errno (then the old configuration stays in effect). */
int http_server_apply_conf(HttpServer *s, Conf *conf);

/* Shutdown: stop accepting, close idle keep-alive connections, let responses in flight
 * finish. http_server_is_idle() tells when no connection is left. */
void http_server_stop(HttpServer *s);
bool http_server_is_idle(const HttpServer *s);

const HttpCounters *http_server_get_counters(const HttpServer *s);
size_t http_server_n_connections(const HttpServer *s);

/* Per-request accounting (method x status, duration histogram) for the /metrics
 * renderer (MetricsSnapshot.http_requests). Borrowed; valid until http_server_free(). */
const MetricsHttp *http_server_get_metrics(const HttpServer *s);


HttpServer *http_server_free(HttpServer *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpServer *, http_server_free);
