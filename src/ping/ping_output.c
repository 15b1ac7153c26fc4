/* ping_output.c — netlab-ping's printers. The event loop (ping_udp, ping_http) hands each
 * probe outcome to ping_output_event() and the final Stats to ping_output_summary(); this
 * file decides the wording (ping's first summary line word for word, so scripts that parse
 * it keep working; plain words for a student after it) and the JSON layout (documented in
 * netlab-ping(1), versioned by PING_JSON_FORMAT_VERSION). Calls only stats.h readers.
 * Every user-visible string lives here, in _() or ngettext() (issue 19): plurals pick
 * between two whole format strings, never paste an "s". The JSON and the event names in
 * it never go through the catalog: what a machine reads does not change with the locale.
 * The one global this reads is the process's message locale, through gettext(). */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "i18n.h"
#include "macro.h"
#include "ping_output.h"

static const double percentiles[] = { 50, 90, 99, 99.9 };
static const char *const percentile_names[] = { "p50", "p90", "p99", "p99_9" };

void ping_output_json_string(FILE *f, const char *s) {
        assert(f);

        if (!s) {
                fputs("null", f);
                return;
        }
        fputc('"', f);
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                switch (*p) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                default:
                        if (*p < 0x20)
                                fprintf(f, "\\u%04x", *p);
                        else
                                fputc(*p, f);
                }
        fputc('"', f);
}

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

static void json_ms_or_null(FILE *f, bool valid, double ns) {
        if (valid)
                fprintf(f, "%.6f", ms(ns));
        else
                fputs("null", f);
}

static void json_hist_percentiles(FILE *f, const StatsHist *h) {
        for (size_t i = 0; i < ELEMENTSOF(percentiles); i++) {
                fprintf(f, ",\"%s\":", percentile_names[i]);
                json_ms_or_null(f, h->n > 0, (double) stats_hist_percentile(h, percentiles[i]));
        }
}

static void json_welford(FILE *f, const StatsWelford *w) {
        fputs("\"min\":", f);
        json_ms_or_null(f, w->n > 0, w->min);
        fputs(",\"avg\":", f);
        json_ms_or_null(f, w->n > 0, w->mean);
        fputs(",\"max\":", f);
        json_ms_or_null(f, w->n > 0, w->max);
        fputs(",\"mdev\":", f);
        json_ms_or_null(f, w->n > 0, stats_welford_stddev(w));
}

/* "tool", "version", "mode", "target", "options": the start record and the document. */
static void json_run(FILE *f, const PingOutputConf *c) {
        fprintf(f, "\"format_version\":%d,\"tool\":\"netlab-ping\",\"version\":\"%s\",",
                PING_JSON_FORMAT_VERSION, PACKAGE_VERSION);
        fprintf(f, "\"mode\":\"%s\",\"target\":{\"host\":", mode_name(c->mode));
        ping_output_json_string(f, c->host);
        fputs(",\"address\":", f);
        ping_output_json_string(f, c->address);
        fprintf(f, ",\"port\":%u,\"url\":", c->port);
        ping_output_json_string(f, c->url);
        fprintf(f, "},\"options\":{\"count\":%" PRIu64 ",\"interval_s\":%.6f,\"timeout_s\":%.6f,"
                "\"deadline_s\":%.6f,\"size\":%zu,\"flood\":%s}",
                c->count, (double) c->interval / 1e9, (double) c->timeout / 1e9,
                (double) c->deadline / 1e9, c->size, c->flood ? "true" : "false");
}

/* ---- header and per-probe lines ------------------------------------------------------- */

void ping_output_header(FILE *f, const PingOutputConf *c) {
        assert(f);
        assert(c);

        if (c->json)
                return;
        if (c->json_lines) {
                fputs("{\"type\":\"start\",", f);
                json_run(f, c);
                fputs("}\n", f);
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
        fprintf(f, "{\"type\":\"probe\",\"result\":\"%s\",\"seq\":%" PRIu64 ",\"time\":%" PRIu64 ".%06" PRIu64,
                event_names[e->kind], e->seq, e->wall_usec / 1000000, e->wall_usec % 1000000);
        if (e->kind == PING_EVENT_REPLY || e->kind == PING_EVENT_DUP || e->kind == PING_EVENT_LATE ||
            (c->mode == PING_MODE_HTTP && e->kind == PING_EVENT_ERROR))
                fprintf(f, ",\"bytes\":%zu,\"rtt_ms\":%.6f", e->bytes, ms((double) e->rtt));
        if (e->kind == PING_EVENT_REPLY || e->kind == PING_EVENT_LATE)
                fprintf(f, ",\"reordered\":%s", e->reordered ? "true" : "false");
        if (e->has_server)
                fprintf(f, ",\"server_hold_ms\":%.6f", ms((double) e->server_hold));
        if (e->ttl > 0)
                fprintf(f, ",\"ttl\":%d", e->ttl);
        if (c->mode == PING_MODE_HTTP && e->kind != PING_EVENT_TIMEOUT) {
                fprintf(f, ",\"status\":%d,\"connect_ms\":", e->http_status);
                json_ms_or_null(f, e->http_connect > 0, (double) e->http_connect);
                fputs(",\"pretransfer_ms\":", f);
                json_ms_or_null(f, e->http_pretransfer > 0, (double) e->http_pretransfer);
                fputs(",\"ttfb_ms\":", f);
                json_ms_or_null(f, e->http_ttfb > 0, (double) e->http_ttfb);
        }
        if (e->error) {
                fputs(",\"error\":", f);
                ping_output_json_string(f, e->error);
        }
        fputs("}\n", f);
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

                        fprintf(f, _("%d: %zu bytes from %s: seq=%" PRIu64 " connect=%s ms pretransfer=%s ms "
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
                        fprintf(f, _("seq=%" PRIu64 " error: %s\n"), e->seq, e->error ? error_text(e->error) : _("failed"));
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
                fprintf(f, "{\"type\":\"interim\",\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
                        ",\"failed\":%" PRIu64 ",\"in_flight\":%" PRIu64 ",\"loss_percent\":%.4f,\"rtt_ms\":{",
                        st->sent, st->received, lost, st->failed, stats_in_flight(st),
                        percent(lost + st->failed, settled));
                json_welford(f, &st->rtt);
                fputs(",\"p50\":", f);
                json_ms_or_null(f, st->rtt.n > 0, (double) v[2]);
                fputs("}}\n", f);
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
                fprintf(f, _("%" PRIu64 " unreachable\n"), st->failed);        /* UDP; HTTP has its own line */
                return;
        }
        fprintf(f, _("%" PRIu64 " lost"), ls.lost);
        if (ls.has_split) {
                /* Late replies came back: never network loss. "network" is only what the
                 * server's counters place on the path there or back. */
                fputs(_(": "), f);
                item(f, &first, ls.emulated > 0 || c->verbose, _("%" PRIu64 " dropped on purpose by the server"),
                     ls.emulated);
                item(f, &first, ls.upstream > 0 || c->verbose, _("%" PRIu64 " on the way there"), ls.upstream);
                item(f, &first, ls.downstream > 0 || c->verbose, _("%" PRIu64 " on the way back"), ls.downstream);
                item(f, &first, ls.late > 0 || c->verbose, _("%" PRIu64 " late (answered after the timeout)"),
                     ls.late);
                item(f, &first, ls.unknown > 0 || c->verbose,
                     _("%" PRIu64 " at the end, direction unknown (no later reply carried the server's counts)"),
                     ls.unknown);
        } else if (ls.lost > 0 && st->flow_reset)
                fputs(_(" (the server's counters started again, so where is not known)"), f);
        else if (ls.lost > 0 && !st->server_stamps && !st->final_counters)
                fputs(ls.late > 0 ? _(" (the server does not say where; some were late)")
                                  : _(" (the server does not say where)"), f);
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
                fprintf(f, _(" (the server's loss model: mean %.2f)"), (double) st->server_burst_mean_milli / 1000.0);
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

        fprintf(f, _("jitter: mean |dRTT| %s ms, RFC 3550 %s ms"), ping_output_format_ms_fixed(a, sizeof(a), v[0], d),
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
        fprintf(f, _(", %g%% packet loss, time %" PRIu64 "ms\n"), (float) percent(ls.lost + st->failed, settled),
                (uint64_t) (s->elapsed / NSEC_PER_MSEC));

        summary_loss_text(f, c, s);
        summary_bursts_text(f, st);

        if (st->duplicates > 0 || st->reordered > 0 || in_flight > 0 || c->verbose) {
                item(f, &first, st->duplicates > 0 || c->verbose,
                     ngettext("%" PRIu64 " duplicate reply", "%" PRIu64 " duplicate replies", st->duplicates),
                     st->duplicates);
                item(f, &first, st->reordered > 0 || c->verbose, _("%" PRIu64 " reordered"), st->reordered);
                item(f, &first, in_flight > 0 || c->verbose, _("%" PRIu64 " still in flight (not counted as lost)"),
                     in_flight);
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
                fprintf(f, _(" ms, first to last reply %s ms\n"), ping_output_format_ms_fixed(a, sizeof(a), v[3], d));
                if (st->flow_reset)
                        fputs(_("server: the flow's counters started again (netlabd restarted or recycled "
                                "the flow): loss not split\n"), f);
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

        fputs(avg ? _("phases avg, ms from the start of the request:")
                  : _("phases p50, ms from the start of the request:"), f);
        for (size_t i = 0; i < _PING_HTTP_PHASE_MAX; i++) {
                if (ph[i].h.n == 0)
                        continue;       /* connect: every request reused a connection */
                fprintf(f, "%s %s %s", first ? "" : _(","), _(names[i]), ping_output_format_ms_fixed(a, sizeof(a), v[i], d));
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

static void json_histogram(FILE *f, const StatsHist *h, unsigned bins) {
        fputc('[', f);
        if (h->n > 0) {
                unsigned n = hist_bins(h, bins);

                for (unsigned i = 0; i < n; i++) {
                        HistRow r = hist_row(h, n, i);

                        fprintf(f, "%s{\"ge_ms\":%.6f,\"%s\":%.6f,\"count\":%" PRIu64 "}", i > 0 ? "," : "",
                                ms((double) r.lo), i + 1 == n ? "le_ms" : "lt_ms", ms((double) r.hi), r.count);
                }
        }
        fputc(']', f);
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
        const Stats *st = s->stats;
        StatsLossSplit ls;
        StatsBursts bu;

        stats_loss_split(st, &ls);
        stats_bursts(st, &bu);
        uint64_t in_flight = stats_in_flight(st);
        uint64_t settled = st->sent - in_flight;

        fputc('{', f);
        if (record)
                fputs("\"type\":\"summary\",", f);
        json_run(f, c);
        fputs(",\"error\":null,", f);
        fprintf(f, "\"start_time\":%" PRIu64 ".%06" PRIu64 ",\"duration_s\":%.6f,\"interrupted\":%s,",
                s->start_wall_usec / 1000000, s->start_wall_usec % 1000000, (double) s->elapsed / 1e9,
                s->interrupted ? "true" : "false");

        fprintf(f, "\"probes\":{\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
                ",\"loss_percent\":%.4f,\"in_flight\":%" PRIu64 ",\"late\":%" PRIu64
                ",\"duplicates\":%" PRIu64 ",\"reordered\":%" PRIu64 ",\"failed\":%" PRIu64
                ",\"unknown\":%" PRIu64 ",\"stale\":%" PRIu64 "},",
                st->sent, st->received, ls.lost, percent(ls.lost + st->failed, settled), in_flight, st->late,
                st->duplicates, st->reordered, st->failed, st->unknown, st->stale);

        fprintf(f, "\"loss_split\":{\"available\":%s,\"counters_restarted\":%s,\"final_counters\":%s",
                ls.has_split ? "true" : "false", st->flow_reset ? "true" : "false",
                st->final_counters ? "true" : "false");
        if (ls.has_split)
                fprintf(f, ",\"upstream\":%" PRIu64 ",\"emulated\":%" PRIu64 ",\"downstream\":%" PRIu64
                        ",\"late\":%" PRIu64 ",\"unknown\":%" PRIu64 ",\"network\":%" PRIu64
                        ",\"emulated_percent\":%.4f,\"network_percent\":%.4f,\"late_percent\":%.4f"
                        ",\"unknown_percent\":%.4f",
                        ls.upstream, ls.emulated, ls.downstream, ls.late, ls.unknown, stats_loss_network(&ls),
                        percent(ls.emulated, settled), percent(stats_loss_network(&ls), settled),
                        percent(ls.late, settled), percent(ls.unknown, settled));
        else
                fputs(",\"upstream\":null,\"emulated\":null,\"downstream\":null,\"late\":null,"
                      "\"unknown\":null,\"network\":null,\"emulated_percent\":null,\"network_percent\":null,"
                      "\"late_percent\":null,\"unknown_percent\":null", f);
        fputs("},", f);

        fprintf(f, "\"bursts\":{\"count\":%" PRIu64 ",\"lost\":%" PRIu64 ",\"mean\":", bu.count, bu.lost);
        if (bu.count > 0)
                fprintf(f, "%.4f", (double) bu.lost / (double) bu.count);
        else
                fputs("null", f);
        fprintf(f, ",\"max\":%" PRIu64 ",\"server_model_mean\":", bu.max);
        if (st->server_burst_mean_milli > 0)
                fprintf(f, "%.3f", (double) st->server_burst_mean_milli / 1000.0);
        else
                fputs("null", f);
        fputs("},", f);

        fputs("\"rtt_ms\":{", f);
        json_welford(f, &st->rtt);
        json_hist_percentiles(f, &st->rtt_hist);
        fputs("},", f);

        fputs("\"jitter_ms\":{\"mean_abs_delta\":", f);
        json_ms_or_null(f, st->drtt_n > 0, stats_jitter_mean_abs(st));
        fputs(",\"rfc3550\":", f);
        json_ms_or_null(f, st->drtt_n > 0, st->jitter_rfc3550);
        fputs(",\"ipdv_mean\":", f);
        json_ms_or_null(f, st->ipdv.n > 0, st->ipdv.mean);
        fputs(",\"ipdv_abs\":{\"n\":", f);
        fprintf(f, "%" PRIu64, st->ipdv_hist.n);
        json_hist_percentiles(f, &st->ipdv_hist);
        fputs("}},", f);

        fprintf(f, "\"server\":{\"stamps\":%s,\"unstamped_replies\":%" PRIu64 ",\"hold_ms\":{",
                st->server_stamps ? "true" : "false", st->unstamped);
        json_welford(f, &st->server_hold);
        fputs("},\"span_ms\":", f);
        json_ms_or_null(f, st->server_stamps,
                        (double) (st->server_last_tx_usec - st->server_first_rx_usec) * 1000.0);
        fputs("},", f);

        fprintf(f, "\"client\":{\"replies_without_kernel_stamp\":%" PRIu64 ",\"rx_delay_ms\":{",
                st->no_kernel_stamp);
        json_welford(f, &st->rx_delay);
        fputs("}},", f);

        if (c->mode == PING_MODE_HTTP) {
                static const char *const keys[_PING_HTTP_PHASE_MAX] = {
                        "connect_ms", "pretransfer_ms", "ttfb_ms", "total_ms",
                };
                bool first = true;

                fprintf(f, "\"http\":{\"requests\":%" PRIu64 ",\"successful\":%" PRIu64 ",\"non_2xx\":%" PRIu64
                        ",\"connection_errors\":%" PRIu64 ",\"status\":{",
                        st->sent, st->received, s->http_non2xx, s->http_errors);
                for (int code = 0; code < PING_HTTP_STATUS_MAX; code++)
                        if (s->http_status[code] > 0) {
                                fprintf(f, "%s\"%d\":%" PRIu64, first ? "" : ",", code, s->http_status[code]);
                                first = false;
                        }
                fprintf(f, "},\"connections\":%" PRIu64 ",\"body_bytes\":%" PRIu64 ",\"phases_from\":\"start\"",
                        s->http_connections, s->http_body_bytes);
                for (size_t i = 0; i < _PING_HTTP_PHASE_MAX; i++) {
                        static const PingHttpPhaseStats empty = {};
                        const PingHttpPhaseStats *ph = s->http_phases ? &s->http_phases[i] : &empty;

                        fprintf(f, ",\"%s\":{", keys[i]);
                        json_welford(f, &ph->w);
                        fputs(",\"p50\":", f);
                        json_ms_or_null(f, ph->h.n > 0, (double) stats_hist_percentile(&ph->h, 50));
                        fputc('}', f);
                }
                fputs("},", f);
        } else
                fputs("\"http\":null,", f);

        fputs("\"histogram\":", f);
        if (c->histogram_bins > 0)
                json_histogram(f, &st->rtt_hist, c->histogram_bins);
        else
                fputs("null", f);
        fputs("}\n", f);
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
        assert(f);

        fprintf(f, "{\"format_version\":%d,\"tool\":\"netlab-ping\",\"version\":\"%s\",\"error\":{\"message\":",
                PING_JSON_FORMAT_VERSION, PACKAGE_VERSION);
        ping_output_json_string(f, message);
        fprintf(f, ",\"exit_status\":%d}}\n", exit_status);
}
