/* ping_output.c — netlab-ping's printers. The event loop (ping_udp, ping_http) hands each
 * probe outcome to ping_output_event() and the final Stats to ping_output_summary(); this
 * file decides the wording (ping's first summary line word for word, so scripts that parse
 * it keep working; plain words for a student after it) and the JSON layout (documented in
 * netlab-ping(1), versioned by PING_JSON_FORMAT_VERSION, written with the shared json.c).
 * Calls only stats.h readers and json.h.
 * Every user-visible string lives here, in _() or ngettext(): plurals pick between two
 * whole format strings, never paste an "s". The JSON and the event names in it never go
 * through the catalog: what a machine reads does not change with the locale. The one
 * global this reads is the process's message locale, through gettext(). */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "i18n.h"
#include "json.h"
#include "macro.h"
#include "ping_output.h"

static const double percentiles[] = { 50, 90, 99, 99.9 };
static const char *const percentile_names[] = { "p50", "p90", "p99", "p99_9" };

static int decimals_for(nsec_t ns) {
        double ms = (double) ns / 1e6;

        /* ping prints 3 decimals; below 1 ms that is fewer than 3 significant digits, and
         * on loopback (~0.05 ms) it would hide exactly what is being measured. */
        if (ms > 0 && ms < 1)
                return CLAMP(2 - (int) floor(log10(ms)), 3, 6);
        return 3;
}

char *ping_output_format_ms_fixed(char *buf, size_t len, nsec_t ns, int decimals) {
        snprintf(buf, len, "%.*f", decimals, (double) ns / 1e6);
        return buf;
}

char *ping_output_format_ms(char *buf, size_t len, nsec_t ns) {
        return ping_output_format_ms_fixed(buf, len, ns, decimals_for(ns));
}

int ping_output_ms_decimals(const nsec_t *v, size_t n) {
        nsec_t smallest = 0;

        for (size_t i = 0; i < n; i++)
                if (v[i] > 0 && (smallest == 0 || v[i] < smallest))
                        smallest = v[i];
        return decimals_for(smallest);
}

/* Prints @n values as "a/b/c" (or with @sep), all with the width the smallest of the
 * first @n_width values needs (a spread like mdev may then round to fewer digits). */
static void print_ms_list_width(FILE *f, const nsec_t *v, size_t n, size_t n_width, const char *sep) {
        int d = ping_output_ms_decimals(v, MIN(n, n_width));
        char buf[32];

        for (size_t i = 0; i < n; i++)
                fprintf(f, "%s%s", i > 0 ? sep : "", ping_output_format_ms_fixed(buf, sizeof(buf), v[i], d));
}

static void print_ms_list(FILE *f, const nsec_t *v, size_t n, const char *sep) {
        print_ms_list_width(f, v, n, n, sep);
}

static nsec_t ns_round(double ns) {
        return ns > 0 ? (nsec_t) llround(ns) : 0;
}

static double ms(double ns) {
        return ns / 1e6;
}

static double percent(uint64_t part, uint64_t whole) {
        return whole > 0 ? 100.0 * (double) part / (double) whole : 0;
}

static void print_wall(FILE *f, uint64_t wall_usec) {
        fprintf(f, "[%" PRIu64 ".%06" PRIu64 "] ", wall_usec / 1000000, wall_usec % 1000000);
}

/* A probe's error text in the reader's language: our own messages (N_() where they are
 * set) from our catalog, strerrordesc_np() texts from the C library's ("libc"). */
static const char *error_text(const char *error) {
        const char *t = _(error);

#ifdef ENABLE_NLS
        if (t == error)
                t = dgettext("libc", error);
#endif
        return t;
}

static const char *mode_name(PingMode m) {
        return m == PING_MODE_HTTP ? "http" : m == PING_MODE_STAMP ? "stamp" : "udp";
}

/* ---- JSON pieces ---------------------------------------------------------------------- */

/* Milliseconds with 6 decimals, or null when there is no value. */
static void put_ms(Json *j, const char *key, bool valid, double ns) {
        if (valid)
                json_fixed(j, key, ms(ns), 6);
        else
                json_null(j, key);
}

/* A wall-clock time as seconds with exactly 6 decimals. A double holds any microsecond
 * count below 2^53 within half a microsecond, so "%.6f" gives the digits back unchanged. */
static void put_wall(Json *j, const char *key, uint64_t wall_usec) {
        json_fixed(j, key, (double) wall_usec / 1e6, 6);
}

static void put_hist_percentiles(Json *j, const StatsHist *h) {
        for (size_t i = 0; i < ELEMENTSOF(percentiles); i++)
                put_ms(j, percentile_names[i], h->n > 0, (double) stats_hist_percentile(h, percentiles[i]));
}

static void put_welford(Json *j, const StatsWelford *w) {
        put_ms(j, "min", w->n > 0, w->min);
        put_ms(j, "avg", w->n > 0, w->mean);
        put_ms(j, "max", w->n > 0, w->max);
        put_ms(j, "mdev", w->n > 0, stats_welford_stddev(w));
}

/* "tool", "version", "mode", "target", "options": the start record and the document. */
static void put_run(Json *j, const PingOutputConf *c) {
        json_i64(j, "format_version", PING_JSON_FORMAT_VERSION);
        json_string(j, "tool", "netlab-ping");
        json_string(j, "version", PACKAGE_VERSION);
        json_string(j, "mode", mode_name(c->mode));
        json_object_open(j, "target");
        json_string(j, "host", c->host);
        json_string(j, "address", c->address);
        json_u64(j, "port", c->port);
        json_string(j, "url", c->url);
        json_object_close(j);
        json_object_open(j, "options");
        json_u64(j, "count", c->count);
        json_fixed(j, "interval_s", (double) c->interval / 1e9, 6);
        json_fixed(j, "timeout_s", (double) c->timeout / 1e9, 6);
        json_fixed(j, "deadline_s", (double) c->deadline / 1e9, 6);
        json_u64(j, "size", c->size);
        json_bool(j, "flood", c->flood);
        json_object_close(j);
}

/* Ends the record or document in @j with a newline and writes it to @f. If building it ran
 * out of memory, nothing is written: half a record would not be JSON. */
static void put_line(FILE *f, Json *j) {
        _cleanup_free_ char *text = NULL;
        size_t len;

        json_append_raw(j, "\n");
        if (json_finish(j, &text, &len) < 0)
                return;
        (void) fwrite(text, 1, len, f);
}

/* ---- header and per-probe lines ------------------------------------------------------- */

void ping_output_header(FILE *f, const PingOutputConf *c) {
        assert(f);
        assert(c);

        if (c->json)
                return;
        if (c->json_lines) {
                _cleanup_(json_done) Json j = {};

                json_object_open(&j, NULL);
                json_string(&j, "type", "start");
                put_run(&j, c);
                json_object_close(&j);
                put_line(f, &j);
                return;
        }
        if (c->mode == PING_MODE_HTTP)
                fprintf(f, _("NETLAB-PING %s (%s port %u): HTTP GET\n"), c->url, c->address, c->port);
        else
                fprintf(f, _("NETLAB-PING %s (%s) port %u: %zu bytes%s\n"), c->host, c->address, c->port,
                        c->size, c->mode == PING_MODE_STAMP ? " (STAMP)" : "");
}

static const char *const event_names[_PING_EVENT_MAX] = {
        [PING_EVENT_REPLY] = "reply",
        [PING_EVENT_DUP] = "duplicate",
        [PING_EVENT_LATE] = "late",
        [PING_EVENT_TIMEOUT] = "timeout",
        [PING_EVENT_UNREACHABLE] = "unreachable",
        [PING_EVENT_ERROR] = "error",
};

static void event_json(FILE *f, const PingOutputConf *c, const PingEvent *e) {
        _cleanup_(json_done) Json j = {};

        json_object_open(&j, NULL);
        json_string(&j, "type", "probe");
        json_string(&j, "result", event_names[e->kind]);
        json_u64(&j, "seq", e->seq);
        put_wall(&j, "time", e->wall_usec);
        if (e->kind == PING_EVENT_REPLY || e->kind == PING_EVENT_DUP || e->kind == PING_EVENT_LATE ||
            (c->mode == PING_MODE_HTTP && e->kind == PING_EVENT_ERROR)) {
                json_u64(&j, "bytes", e->bytes);
                put_ms(&j, "rtt_ms", true, (double) e->rtt);
        }
        if (e->kind == PING_EVENT_REPLY || e->kind == PING_EVENT_LATE)
                json_bool(&j, "reordered", e->reordered);
        if (e->has_server)
                put_ms(&j, "server_hold_ms", true, (double) e->server_hold);
        if (e->ttl > 0)
                json_i64(&j, "ttl", e->ttl);
        if (c->mode == PING_MODE_HTTP && e->kind != PING_EVENT_TIMEOUT) {
                json_i64(&j, "status", e->http_status);
                put_ms(&j, "connect_ms", e->http_connect > 0, (double) e->http_connect);
                put_ms(&j, "pretransfer_ms", e->http_pretransfer > 0, (double) e->http_pretransfer);
                put_ms(&j, "ttfb_ms", e->http_ttfb > 0, (double) e->http_ttfb);
        }
        if (e->error)
                json_string(&j, "error", e->error);
        json_object_close(&j);
        put_line(f, &j);
}

void ping_output_event(FILE *f, const PingOutputConf *c, const PingEvent *e) {
        char a[32], b[32], d[32], g[32];

        assert(f);
        assert(c);
        assert(e);
        assert(e->kind >= 0 && e->kind < _PING_EVENT_MAX);

        if (c->json)
                return;
        if (c->json_lines) {
                event_json(f, c, e);
                return;
        }
        if (c->quiet)
                return;
        if (c->timestamps)
                print_wall(f, e->wall_usec);

        switch (e->kind) {

        case PING_EVENT_REPLY:
        case PING_EVENT_DUP:
                if (c->mode == PING_MODE_HTTP) {
                        nsec_t v[] = { e->http_connect, e->http_pretransfer, e->http_ttfb, e->rtt };
                        int n = ping_output_ms_decimals(v, ELEMENTSOF(v));

                        fprintf(f,
                                _("%d: %zu bytes from %s: seq=%" PRIu64 " connect=%s ms pretransfer=%s ms "
                                  "ttfb=%s ms time=%s ms%s\n"),
                                e->http_status, e->bytes, c->address, e->seq,
                                ping_output_format_ms_fixed(a, sizeof(a), e->http_connect, n),
                                ping_output_format_ms_fixed(b, sizeof(b), e->http_pretransfer, n),
                                ping_output_format_ms_fixed(d, sizeof(d), e->http_ttfb, n),
                                ping_output_format_ms_fixed(g, sizeof(g), e->rtt, n),
                                e->kind == PING_EVENT_DUP ? _(" (DUP!)") : "");
                } else if (e->ttl > 0)
                        fprintf(f, _("%zu bytes from %s: seq=%" PRIu64 " ttl=%d time=%s ms%s%s\n"), e->bytes,
                                c->address, e->seq, e->ttl, ping_output_format_ms(a, sizeof(a), e->rtt),
                                e->kind == PING_EVENT_DUP ? _(" (DUP!)") : "",
                                e->reordered ? _(" (reordered)") : "");
                else
                        fprintf(f, _("%zu bytes from %s: seq=%" PRIu64 " time=%s ms%s%s\n"), e->bytes,
                                c->address, e->seq, ping_output_format_ms(a, sizeof(a), e->rtt),
                                e->kind == PING_EVENT_DUP ? _(" (DUP!)") : "",
                                e->reordered ? _(" (reordered)") : "");
                break;

        case PING_EVENT_LATE:
                fprintf(f, _("%zu bytes from %s: seq=%" PRIu64 " (late %.3f s)%s\n"), e->bytes, c->address,
                        e->seq, (double) e->rtt / 1e9, e->reordered ? _(" (reordered)") : "");
                break;

        case PING_EVENT_TIMEOUT:
                fprintf(f, _("seq=%" PRIu64 " timeout\n"), e->seq);
                break;

        case PING_EVENT_UNREACHABLE:
                fprintf(f, _("From %s: seq=%" PRIu64 " %s\n"), c->address, e->seq,
                        e->error ? error_text(e->error) : _("Destination port unreachable"));
                break;

        case PING_EVENT_ERROR:
                if (e->http_status > 0)
                        fprintf(f, _("%d: %zu bytes from %s: seq=%" PRIu64 " time=%s ms (failure)\n"),
                                e->http_status, e->bytes, c->address, e->seq,
                                ping_output_format_ms(a, sizeof(a), e->rtt));
                else
                        fprintf(f, _("seq=%" PRIu64 " error: %s\n"), e->seq,
                                e->error ? error_text(e->error) : _("failed"));
                break;

        default:
                break;
        }
}

void ping_output_interim(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        const Stats *st;

        assert(f);
        assert(c);
        assert(s);
        assert(s->stats);

        st = s->stats;
        uint64_t settled = st->sent - stats_in_flight(st);
        uint64_t lost = stats_lost(st);
        nsec_t v[] = {
                (nsec_t) st->rtt.min, ns_round(st->rtt.mean), stats_hist_percentile(&st->rtt_hist, 50),
                (nsec_t) st->rtt.max,
        };

        if (c->json_lines) {
                _cleanup_(json_done) Json j = {};

                json_object_open(&j, NULL);
                json_string(&j, "type", "interim");
                json_u64(&j, "sent", st->sent);
                json_u64(&j, "received", st->received);
                json_u64(&j, "lost", lost);
                json_u64(&j, "failed", st->failed);
                json_u64(&j, "in_flight", stats_in_flight(st));
                json_fixed(&j, "loss_percent", percent(lost + st->failed, settled), 4);
                json_object_open(&j, "rtt_ms");
                put_welford(&j, &st->rtt);
                put_ms(&j, "p50", st->rtt.n > 0, (double) v[2]);
                json_object_close(&j);
                json_object_close(&j);
                put_line(f, &j);
                return;
        }

        fprintf(f, _("%" PRIu64 "/%" PRIu64 " packets, %.0f%% loss"), st->received, st->sent,
                percent(lost + st->failed, settled));
        if (st->rtt.n > 0) {
                fputs(_(", min/avg/p50/max = "), f);
                print_ms_list(f, v, ELEMENTSOF(v), "/");
                fputs(_(" ms"), f);
        }
        fputc('\n', f);
}

/* ---- text summary ----------------------------------------------------------------------- */

/* One item of a comma-separated list of counts, printed when @show (the count is not 0,
 * or -v asked for every category). */
_printf_(4, 5) static void item(FILE *f, bool *first, bool show, const char *format, ...) {
        va_list ap;

        if (!show)
                return;
        fputs(*first ? "" : _(", "), f);
        va_start(ap, format);
        vfprintf(f, format, ap);
        va_end(ap);
        *first = false;
}

static void summary_loss_text(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        const Stats *st = s->stats;
        StatsLossSplit ls;
        bool first = true;

        stats_loss_split(st, &ls);
        if (ls.lost == 0 && st->failed == 0 && !c->verbose)
                return;

        if (ls.lost == 0 && !c->verbose) {
                fprintf(f, _("%" PRIu64 " unreachable\n"), st->failed); /* UDP; HTTP has its own line */
                return;
        }
        fprintf(f, _("%" PRIu64 " lost"), ls.lost);
        if (ls.has_split) {
                /* Late replies came back: never network loss. "network" is only what the
                 * server's counters place on the path there or back. */
                fputs(_(": "), f);
                item(f, &first, ls.emulated > 0 || c->verbose,
                     _("%" PRIu64 " dropped on purpose by the server"), ls.emulated);
                item(f, &first, ls.upstream > 0 || c->verbose, _("%" PRIu64 " on the way there"), ls.upstream);
                item(f, &first, ls.downstream > 0 || c->verbose, _("%" PRIu64 " on the way back"),
                     ls.downstream);
                item(f, &first, ls.late > 0 || c->verbose,
                     _("%" PRIu64 " late (answered after the timeout)"), ls.late);
                item(f, &first, ls.unknown > 0 || c->verbose,
                     _("%" PRIu64 " at the end, direction unknown (no later reply carried the server's counts)"),
                     ls.unknown);
        } else if (ls.lost > 0 && st->flow_reset)
                fputs(_(" (the server's counters started again, so where is not known)"), f);
        else if (ls.lost > 0 && !st->server_stamps && !st->final_counters)
                fputs(ls.late > 0 ? _(" (the server does not say where; some were late)") :
                                    _(" (the server does not say where)"),
                      f);
        if (st->failed > 0 && c->mode != PING_MODE_HTTP)
                fprintf(f, _("; %" PRIu64 " unreachable"), st->failed);
        fputc('\n', f);
}

static void summary_bursts_text(FILE *f, const Stats *st) {
        StatsBursts b;

        stats_bursts(st, &b);
        if (b.count == 0)
                return;
        fprintf(f, ngettext("%" PRIu64 " loss burst", "%" PRIu64 " loss bursts", b.count), b.count);
        fprintf(f, _(", mean length %.2f, longest %" PRIu64), (double) b.lost / (double) b.count, b.max);
        if (st->server_burst_mean_milli > 0)
                fprintf(f, _(" (the server's loss model: mean %.2f)"),
                        (double) st->server_burst_mean_milli / 1000.0);
        fputc('\n', f);
}

static void summary_rtt_text(FILE *f, const char *name, const Stats *st) {
        if (st->rtt.n == 0)
                return;

        nsec_t v[] = {
                (nsec_t) st->rtt.min, ns_round(st->rtt.mean), (nsec_t) st->rtt.max,
                ns_round(stats_welford_stddev(&st->rtt)),
        };
        fprintf(f, _("%s min/avg/max/mdev = "), name);
        print_ms_list_width(f, v, ELEMENTSOF(v), 3, "/");
        fputs(_(" ms\n"), f);

        nsec_t p[ELEMENTSOF(percentiles)];
        for (size_t i = 0; i < ELEMENTSOF(percentiles); i++)
                p[i] = stats_hist_percentile(&st->rtt_hist, percentiles[i]);
        fprintf(f, _("%s p50/p90/p99/p99.9 = "), name);
        print_ms_list(f, p, ELEMENTSOF(p), "/");
        fputs(_(" ms\n"), f);
}

static void summary_jitter_text(FILE *f, const Stats *st) {
        if (st->drtt_n == 0)
                return;

        nsec_t v[] = {
                ns_round(stats_jitter_mean_abs(st)), ns_round(st->jitter_rfc3550),
                stats_hist_percentile(&st->ipdv_hist, 50), stats_hist_percentile(&st->ipdv_hist, 90),
                stats_hist_percentile(&st->ipdv_hist, 99),
        };
        int d = ping_output_ms_decimals(v, st->ipdv_hist.n > 0 ? 5 : 2);
        char a[32], b[32];

        fprintf(f, _("jitter: mean |dRTT| %s ms, RFC 3550 %s ms"),
                ping_output_format_ms_fixed(a, sizeof(a), v[0], d),
                ping_output_format_ms_fixed(b, sizeof(b), v[1], d));
        if (st->ipdv_hist.n > 0) {
                fputs(_(", IPDV (RFC 3393) |p50|/|p90|/|p99| "), f);
                for (size_t i = 2; i < 5; i++)
                        fprintf(f, "%s%s", i > 2 ? "/" : "", ping_output_format_ms_fixed(a, sizeof(a), v[i], d));
                fputs(_(" ms"), f);
        }
        fputc('\n', f);
}

static void summary_udp_text(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        const Stats *st = s->stats;
        StatsLossSplit ls;
        bool first = true;

        stats_loss_split(st, &ls);
        uint64_t in_flight = stats_in_flight(st);
        uint64_t settled = st->sent - in_flight;

        /* iputils ping's line, word for word ("+N duplicates", "+N errors", "%g%% packet
         * loss"), so scripts and habits that parse ping's summary keep working. As in
         * ping, probes ended by an error (ICMP unreachable) count in the loss; unlike
         * ping, probes still in flight at Ctrl-C do not. */
        fprintf(f, _("%" PRIu64 " packets transmitted, %" PRIu64 " received"), st->sent, st->received);
        if (st->duplicates > 0)
                fprintf(f, _(", +%" PRIu64 " duplicates"), st->duplicates);
        if (st->failed > 0)
                fprintf(f, _(", +%" PRIu64 " errors"), st->failed);
        fprintf(f, _(", %g%% packet loss, time %" PRIu64 "ms\n"),
                (float) percent(ls.lost + st->failed, settled), (uint64_t) (s->elapsed / NSEC_PER_MSEC));

        summary_loss_text(f, c, s);
        summary_bursts_text(f, st);

        if (st->duplicates > 0 || st->reordered > 0 || in_flight > 0 || c->verbose) {
                item(f, &first, st->duplicates > 0 || c->verbose,
                     ngettext("%" PRIu64 " duplicate reply", "%" PRIu64 " duplicate replies", st->duplicates),
                     st->duplicates);
                item(f, &first, st->reordered > 0 || c->verbose, _("%" PRIu64 " reordered"), st->reordered);
                item(f, &first, in_flight > 0 || c->verbose,
                     _("%" PRIu64 " still in flight (not counted as lost)"), in_flight);
                fputc('\n', f);
        }

        summary_rtt_text(f, _("rtt"), st);
        summary_jitter_text(f, st);

        if (st->server_stamps) {
                nsec_t v[] = {
                        (nsec_t) st->server_hold.min, ns_round(st->server_hold.mean), (nsec_t) st->server_hold.max,
                        (st->server_last_tx_usec - st->server_first_rx_usec) * NSEC_PER_USEC,
                };
                int d = ping_output_ms_decimals(v, ELEMENTSOF(v));
                char a[32];

                fputs(_("server: time in the server min/avg/max = "), f);
                print_ms_list(f, v, 3, "/");
                fprintf(f, _(" ms, first to last reply %s ms\n"),
                        ping_output_format_ms_fixed(a, sizeof(a), v[3], d));
                if (st->server_profile > 0)
                        fprintf(f, _("server: answered by classroom profile %u (echo.profiles[%u] of /api/status)%s\n"),
                                (unsigned) st->server_profile - 1, (unsigned) st->server_profile - 1,
                                st->server_profile_changed ? _(", the latest of several") : "");
                if (st->flow_reset)
                        fputs(_("server: the flow's counters started again (netlabd restarted or recycled "
                                "the flow): loss not split\n"),
                              f);
        } else if (st->unstamped > 0)
                fputs(_("server: plain echo (no netlab stamps): RTT and loss only\n"), f);
        if (c->verbose && st->final_counters)
                fputs(_("server: answered the final counters query\n"), f);
}

/* "phases p50, ms from the start of the request: connect A, pretransfer B, ttfb C, total D"
 * (or the averages): curl's -w timers, one width for the four. */
static void summary_phases_text(FILE *f, const PingHttpPhaseStats *ph, bool avg) {
        static const char *const names[_PING_HTTP_PHASE_MAX] = {
                [PING_HTTP_PHASE_CONNECT] = N_("connect"),
                [PING_HTTP_PHASE_PRETRANSFER] = N_("pretransfer"),
                [PING_HTTP_PHASE_TTFB] = N_("ttfb"),
                [PING_HTTP_PHASE_TOTAL] = N_("total"),
        };
        nsec_t v[_PING_HTTP_PHASE_MAX];
        bool first = true;
        char a[32];

        for (size_t i = 0; i < _PING_HTTP_PHASE_MAX; i++)
                v[i] = ph[i].h.n == 0 ? 0 : avg ? ns_round(ph[i].w.mean) : stats_hist_percentile(&ph[i].h, 50);
        int d = ping_output_ms_decimals(v, ELEMENTSOF(v));

        fputs(avg ? _("phases avg, ms from the start of the request:") :
                    _("phases p50, ms from the start of the request:"),
              f);
        for (size_t i = 0; i < _PING_HTTP_PHASE_MAX; i++) {
                if (ph[i].h.n == 0)
                        continue;       /* connect: every request reused a connection */
                fprintf(f, "%s %s %s", first ? "" : _(","), _(names[i]),
                        ping_output_format_ms_fixed(a, sizeof(a), v[i], d));
                first = false;
        }
        fputc('\n', f);
}

static void summary_http_text(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        const Stats *st = s->stats;
        uint64_t in_flight = stats_in_flight(st);
        bool first = true;

        /* Requests, not packets: a 404 is an answer, not a loss. */
        fprintf(f, ngettext("%" PRIu64 " request", "%" PRIu64 " requests", st->sent), st->sent);
        fprintf(f, _(", %" PRIu64 " successful, %" PRIu64 " non-2xx"), st->received, s->http_non2xx);
        for (int code = 0; code < PING_HTTP_STATUS_MAX; code++) {
                if (s->http_status[code] == 0 || (code >= 200 && code <= 299))
                        continue;
                fprintf(f, "%s%d x%" PRIu64, first ? _(" (") : _(", "), code, s->http_status[code]);
                first = false;
        }
        fputs(first ? "" : _(")"), f);
        fprintf(f, ngettext(", %" PRIu64 " connection error", ", %" PRIu64 " connection errors", s->http_errors),
                s->http_errors);
        fprintf(f, _(", time %" PRIu64 "ms\n"), (uint64_t) (s->elapsed / NSEC_PER_MSEC));

        if (in_flight > 0)
                fprintf(f, _("%" PRIu64 " still in progress when the run ended\n"), in_flight);
        fprintf(f, ngettext("%" PRIu64 " connection", "%" PRIu64 " connections", s->http_connections),
                s->http_connections);
        fprintf(f, ngettext(", %" PRIu64 " body byte\n", ", %" PRIu64 " body bytes\n", s->http_body_bytes),
                s->http_body_bytes);

        summary_rtt_text(f, _("rtt"), st);
        if (s->http_phases && s->http_phases[PING_HTTP_PHASE_TOTAL].w.n > 0) {
                summary_phases_text(f, s->http_phases, false);
                if (c->verbose)
                        summary_phases_text(f, s->http_phases, true);
        }
        summary_jitter_text(f, st);
}

static void summary_text(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        const Stats *st = s->stats;

        fprintf(f, _("\n--- %s netlab-ping statistics ---\n"), c->mode == PING_MODE_HTTP ? c->url : c->host);
        if (c->mode == PING_MODE_HTTP)
                summary_http_text(f, c, s);
        else
                summary_udp_text(f, c, s);
        if (c->histogram_bins > 0 && st->rtt_hist.n > 0)
                ping_output_histogram(f, &st->rtt_hist, c->histogram_bins);
}

/* ---- histogram ------------------------------------------------------------------------------ */

typedef struct HistRow {
        uint64_t lo, hi;                /* ns; the last row includes hi */
        uint64_t count;
} HistRow;

/* Row @i of @bins equal rows between the observed min and max. */
static HistRow hist_row(const StatsHist *h, unsigned bins, unsigned i) {
        uint64_t span = h->max - h->min;
        HistRow r = {
                .lo = h->min + span * i / bins,
                .hi = h->min + span * (i + 1) / bins,
        };
        uint64_t below_lo = i == 0 ? 0 : stats_hist_count_below(h, r.lo);
        uint64_t below_hi = i + 1 == bins ? h->n : stats_hist_count_below(h, r.hi);

        r.count = below_hi - below_lo;
        return r;
}

static unsigned hist_bins(const StatsHist *h, unsigned bins) {
        /* All values equal: one row; never more rows than distinct nanoseconds. */
        if (h->max == h->min)
                return 1;
        return (unsigned) MIN((uint64_t) bins, h->max - h->min);
}

static void put_histogram(Json *j, const char *key, const StatsHist *h, unsigned bins) {
        json_array_open(j, key);
        if (h->n > 0) {
                unsigned n = hist_bins(h, bins);

                for (unsigned i = 0; i < n; i++) {
                        HistRow r = hist_row(h, n, i);

                        json_object_open(j, NULL);
                        put_ms(j, "ge_ms", true, (double) r.lo);
                        put_ms(j, i + 1 == n ? "le_ms" : "lt_ms", true, (double) r.hi);
                        json_u64(j, "count", r.count);
                        json_object_close(j);
                }
        }
        json_array_close(j);
}

/* Prints @s padded to |@width| terminal columns, left-aligned for a negative @width, as
 * printf's "%-*s" would for ASCII: a translated heading (Chinese is two columns per
 * character and three bytes in UTF-8) keeps the table's columns where the numbers are. */
static void print_padded(FILE *f, const char *s, int width) {
        wchar_t w[64];
        size_t n = mbstowcs(w, s, ELEMENTSOF(w));
        int cols = n == (size_t) -1 || n >= ELEMENTSOF(w) ? -1 : wcswidth(w, n);
        int pad;

        if (cols < 0)
                cols = (int) strlen(s);
        pad = MAX(abs(width) - cols, 0);
        if (width > 0)
                fprintf(f, "%*s", pad, "");
        fputs(s, f);
        if (width < 0)
                fprintf(f, "%*s", pad, "");
}

void ping_output_histogram(FILE *f, const StatsHist *h, unsigned bins) {
        uint64_t cum = 0, peak = 0;
        char a[32], b[32], range[80];

        assert(f);
        assert(h);
        assert(bins > 0);

        if (h->n == 0)
                return;

        unsigned n = hist_bins(h, bins);
        nsec_t widths[] = { h->min, (h->max - h->min) / n };
        int d = ping_output_ms_decimals(widths, ELEMENTSOF(widths));

        for (unsigned i = 0; i < n; i++)
                peak = MAX(peak, hist_row(h, n, i).count);

        print_padded(f, _("bin (ms)"), -(2 * (d + 5) + 1));
        fputc(' ', f);
        print_padded(f, _("count"), 10);
        fprintf(f, "  %s\n", _("cumulative"));
        for (unsigned i = 0; i < n; i++) {
                HistRow r = hist_row(h, n, i);
                int bar = peak > 0 ? (int) ((r.count * 40 + peak - 1) / peak) : 0;

                cum += r.count;
                snprintf(range, sizeof(range), "%s-%s", ping_output_format_ms_fixed(a, sizeof(a), r.lo, d),
                         ping_output_format_ms_fixed(b, sizeof(b), r.hi, d));
                fprintf(f, "%-*s %10" PRIu64 "  %9.2f%% %.*s\n", 2 * (d + 5) + 1, range, r.count,
                        percent(cum, h->n), bar, "########################################");
        }
}

/* ---- JSON --------------------------------------------------------------------------------- */

static void summary_json(FILE *f, const PingOutputConf *c, const PingSummary *s, bool record) {
        _cleanup_(json_done) Json j = {};
        const Stats *st = s->stats;
        StatsLossSplit ls;
        StatsBursts bu;

        stats_loss_split(st, &ls);
        stats_bursts(st, &bu);
        uint64_t in_flight = stats_in_flight(st);
        uint64_t settled = st->sent - in_flight;

        json_object_open(&j, NULL);
        if (record)
                json_string(&j, "type", "summary");
        put_run(&j, c);
        json_null(&j, "error");
        put_wall(&j, "start_time", s->start_wall_usec);
        json_fixed(&j, "duration_s", (double) s->elapsed / 1e9, 6);
        json_bool(&j, "interrupted", s->interrupted);

        json_object_open(&j, "probes");
        json_u64(&j, "sent", st->sent);
        json_u64(&j, "received", st->received);
        json_u64(&j, "lost", ls.lost);
        json_fixed(&j, "loss_percent", percent(ls.lost + st->failed, settled), 4);
        json_u64(&j, "in_flight", in_flight);
        json_u64(&j, "late", st->late);
        json_u64(&j, "duplicates", st->duplicates);
        json_u64(&j, "reordered", st->reordered);
        json_u64(&j, "failed", st->failed);
        json_u64(&j, "unknown", st->unknown);
        json_u64(&j, "stale", st->stale);
        json_object_close(&j);

        json_object_open(&j, "loss_split");
        json_bool(&j, "available", ls.has_split);
        json_bool(&j, "counters_restarted", st->flow_reset);
        json_bool(&j, "final_counters", st->final_counters);
        if (ls.has_split) {
                json_u64(&j, "upstream", ls.upstream);
                json_u64(&j, "emulated", ls.emulated);
                json_u64(&j, "downstream", ls.downstream);
                json_u64(&j, "late", ls.late);
                json_u64(&j, "unknown", ls.unknown);
                json_u64(&j, "network", stats_loss_network(&ls));
                json_fixed(&j, "emulated_percent", percent(ls.emulated, settled), 4);
                json_fixed(&j, "network_percent", percent(stats_loss_network(&ls), settled), 4);
                json_fixed(&j, "late_percent", percent(ls.late, settled), 4);
                json_fixed(&j, "unknown_percent", percent(ls.unknown, settled), 4);
        } else {
                static const char *const keys[] = {
                        "upstream", "emulated", "downstream", "late", "unknown", "network",
                        "emulated_percent", "network_percent", "late_percent", "unknown_percent",
                };

                for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                        json_null(&j, keys[i]);
        }
        json_object_close(&j);

        json_object_open(&j, "bursts");
        json_u64(&j, "count", bu.count);
        json_u64(&j, "lost", bu.lost);
        if (bu.count > 0)
                json_fixed(&j, "mean", (double) bu.lost / (double) bu.count, 4);
        else
                json_null(&j, "mean");
        json_u64(&j, "max", bu.max);
        if (st->server_burst_mean_milli > 0)
                json_fixed(&j, "server_model_mean", (double) st->server_burst_mean_milli / 1000.0, 3);
        else
                json_null(&j, "server_model_mean");
        json_object_close(&j);

        json_object_open(&j, "rtt_ms");
        put_welford(&j, &st->rtt);
        put_hist_percentiles(&j, &st->rtt_hist);
        json_object_close(&j);

        json_object_open(&j, "jitter_ms");
        put_ms(&j, "mean_abs_delta", st->drtt_n > 0, stats_jitter_mean_abs(st));
        put_ms(&j, "rfc3550", st->drtt_n > 0, st->jitter_rfc3550);
        put_ms(&j, "ipdv_mean", st->ipdv.n > 0, st->ipdv.mean);
        json_object_open(&j, "ipdv_abs");
        json_u64(&j, "n", st->ipdv_hist.n);
        put_hist_percentiles(&j, &st->ipdv_hist);
        json_object_close(&j);
        json_object_close(&j);

        json_object_open(&j, "server");
        json_bool(&j, "stamps", st->server_stamps);
        json_u64(&j, "unstamped_replies", st->unstamped);
        json_object_open(&j, "hold_ms");
        put_welford(&j, &st->server_hold);
        json_object_close(&j);
        put_ms(&j, "span_ms", st->server_stamps,
               (double) (st->server_last_tx_usec - st->server_first_rx_usec) * 1000.0);
        if (st->server_profile > 0)
                json_u64(&j, "profile_index", st->server_profile - 1u);
        else
                json_null(&j, "profile_index");
        json_bool(&j, "profile_changed", st->server_profile_changed);
        json_object_close(&j);

        json_object_open(&j, "client");
        json_u64(&j, "replies_without_kernel_stamp", st->no_kernel_stamp);
        json_object_open(&j, "rx_delay_ms");
        put_welford(&j, &st->rx_delay);
        json_object_close(&j);
        json_object_close(&j);

        if (c->mode == PING_MODE_HTTP) {
                static const char *const keys[_PING_HTTP_PHASE_MAX] = {
                        "connect_ms", "pretransfer_ms", "ttfb_ms", "total_ms",
                };

                json_object_open(&j, "http");
                json_u64(&j, "requests", st->sent);
                json_u64(&j, "successful", st->received);
                json_u64(&j, "non_2xx", s->http_non2xx);
                json_u64(&j, "connection_errors", s->http_errors);
                json_object_open(&j, "status");
                for (int code = 0; code < PING_HTTP_STATUS_MAX; code++)
                        if (s->http_status[code] > 0) {
                                char key[16];

                                (void) snprintf(key, sizeof(key), "%d", code);
                                json_u64(&j, key, s->http_status[code]);
                        }
                json_object_close(&j);
                json_u64(&j, "connections", s->http_connections);
                json_u64(&j, "body_bytes", s->http_body_bytes);
                json_string(&j, "phases_from", "start");
                for (size_t i = 0; i < _PING_HTTP_PHASE_MAX; i++) {
                        static const PingHttpPhaseStats empty = {};
                        const PingHttpPhaseStats *ph = s->http_phases ? &s->http_phases[i] : &empty;

                        json_object_open(&j, keys[i]);
                        put_welford(&j, &ph->w);
                        put_ms(&j, "p50", ph->h.n > 0, (double) stats_hist_percentile(&ph->h, 50));
                        json_object_close(&j);
                }
                json_object_close(&j);
        } else
                json_null(&j, "http");

        if (c->histogram_bins > 0)
                put_histogram(&j, "histogram", &st->rtt_hist, c->histogram_bins);
        else
                json_null(&j, "histogram");
        json_object_close(&j);
        put_line(f, &j);
}

void ping_output_summary(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        assert(f);
        assert(c);
        assert(s);
        assert(s->stats);

        if (c->json || c->json_lines)
                summary_json(f, c, s, c->json_lines);
        else
                summary_text(f, c, s);
}

void ping_output_json_error(FILE *f, const char *message, int exit_status) {
        _cleanup_(json_done) Json j = {};

        assert(f);

        json_object_open(&j, NULL);
        json_i64(&j, "format_version", PING_JSON_FORMAT_VERSION);
        json_string(&j, "tool", "netlab-ping");
        json_string(&j, "version", PACKAGE_VERSION);
        json_object_open(&j, "error");
        json_string(&j, "message", message);
        json_i64(&j, "exit_status", exit_status);
        json_object_close(&j);
        json_object_close(&j);
        put_line(f, &j);
}
