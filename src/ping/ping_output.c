/* ping_output.c — netlab-ping's text printers. The event loop (ping_udp, ping_http) hands
 * each probe outcome to ping_output_event() and the final Stats to ping_output_summary();
 * this file decides the wording (ping's first summary line word for word, so scripts that
 * parse it keep working; plain words for a student after it), and hands --json and
 * --json-lines to the module's second file, ping_output_json.c (the JSON layout).
 * Calls only stats.h readers and ping_output_json.c.
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
#include "macro.h"
#include "ping_output.h"

const double ping_output_percentiles[PING_OUTPUT_N_PERCENTILES] = { 50, 90, 99, 99.9 };

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

/* ---- header and per-probe lines ------------------------------------------------------- */

void ping_output_header(FILE *f, const PingOutputConf *c) {
        assert(f);
        assert(c);

        if (c->json)
                return;
        if (c->json_lines) {
                ping_output_json_start(f, c);
                return;
        }
        if (c->mode == PING_MODE_HTTP)
                fprintf(f, _("NETLAB-PING %s (%s port %u): HTTP GET\n"), c->url, c->address, c->port);
        else
                fprintf(f, _("NETLAB-PING %s (%s) port %u: %zu bytes%s\n"), c->host, c->address, c->port,
                        c->size, c->mode == PING_MODE_STAMP ? " (STAMP)" : "");
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
                ping_output_json_event(f, c, e);
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
                ping_output_json_interim(f, c, s);
                return;
        }

        fprintf(f, _("%" PRIu64 "/%" PRIu64 " packets, %.0f%% loss"), st->received, st->sent,
                ping_output_percent(lost + st->failed, settled));
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

        nsec_t p[ELEMENTSOF(ping_output_percentiles)];
        for (size_t i = 0; i < ELEMENTSOF(ping_output_percentiles); i++)
                p[i] = stats_hist_percentile(&st->rtt_hist, ping_output_percentiles[i]);
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
                (float) ping_output_percent(ls.lost + st->failed, settled),
                (uint64_t) (s->elapsed / NSEC_PER_MSEC));

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
                        fprintf(f,
                                _("server: answered by classroom profile %u (echo.profiles[%u] of /api/status)%s\n"),
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

/* Row @i of @bins equal rows between the observed min and max. */
PingOutputHistRow ping_output_hist_row(const StatsHist *h, unsigned bins, unsigned i) {
        uint64_t span = h->max - h->min;
        PingOutputHistRow r = {
                .lo = h->min + span * i / bins,
                .hi = h->min + span * (i + 1) / bins,
        };
        uint64_t below_lo = i == 0 ? 0 : stats_hist_count_below(h, r.lo);
        uint64_t below_hi = i + 1 == bins ? h->n : stats_hist_count_below(h, r.hi);

        r.count = below_hi - below_lo;
        return r;
}

unsigned ping_output_hist_bins(const StatsHist *h, unsigned bins) {
        /* All values equal: one row; never more rows than distinct nanoseconds. */
        if (h->max == h->min)
                return 1;
        return (unsigned) MIN((uint64_t) bins, h->max - h->min);
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

        unsigned n = ping_output_hist_bins(h, bins);
        nsec_t widths[] = { h->min, (h->max - h->min) / n };
        int d = ping_output_ms_decimals(widths, ELEMENTSOF(widths));

        for (unsigned i = 0; i < n; i++)
                peak = MAX(peak, ping_output_hist_row(h, n, i).count);

        print_padded(f, _("bin (ms)"), -(2 * (d + 5) + 1));
        fputc(' ', f);
        print_padded(f, _("count"), 10);
        fprintf(f, "  %s\n", _("cumulative"));
        for (unsigned i = 0; i < n; i++) {
                PingOutputHistRow r = ping_output_hist_row(h, n, i);
                int bar = peak > 0 ? (int) ((r.count * 40 + peak - 1) / peak) : 0;

                cum += r.count;
                snprintf(range, sizeof(range), "%s-%s", ping_output_format_ms_fixed(a, sizeof(a), r.lo, d),
                         ping_output_format_ms_fixed(b, sizeof(b), r.hi, d));
                fprintf(f, "%-*s %10" PRIu64 "  %9.2f%% %.*s\n", 2 * (d + 5) + 1, range, r.count,
                        ping_output_percent(cum, h->n), bar, "########################################");
        }
}

void ping_output_summary(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        assert(f);
        assert(c);
        assert(s);
        assert(s->stats);

        if (c->json || c->json_lines)
                ping_output_json_summary(f, c, s, c->json_lines);
        else
                summary_text(f, c, s);
}
