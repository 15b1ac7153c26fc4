/* ping_output.c — netlab-ping's printers. The event loop (ping_udp, ping_http) hands each
 * probe outcome to ping_output_event() and the final Stats to ping_output_summary(); this
 * file decides the wording (ping's, so scripts that grep ping output keep working) and the
 * JSON layout (documented in netlab-ping(1), versioned by PING_JSON_FORMAT_VERSION). */
#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

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

char *ping_output_format_ms(char *buf, size_t len, nsec_t ns) {
        double ms = (double) ns / 1e6;
        int decimals = 3;

        /* ping prints 3 decimals; below 1 ms that is fewer than 3 significant digits, and
         * on loopback (~0.05 ms) it would hide exactly what is being measured. */
        if (ms > 0 && ms < 1)
                decimals = CLAMP(2 - (int) floor(log10(ms)), 3, 6);
        snprintf(buf, len, "%.*f", decimals, ms);
        return buf;
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

void ping_output_header(FILE *f, const PingOutputConf *c) {
        assert(f);
        assert(c);

        if (c->json || c->json_lines)
                return;
        if (c->mode == PING_MODE_HTTP)
                fprintf(f, "NETLAB-PING %s (%s port %u): HTTP GET\n", c->url, c->address, c->port);
        else
                fprintf(f, "NETLAB-PING %s (%s) port %u: %zu bytes\n", c->host, c->address, c->port,
                        c->size);
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
        fprintf(f, "{\"type\":\"%s\",\"seq\":%" PRIu64 ",\"time\":%" PRIu64 ".%06" PRIu64,
                event_names[e->kind], e->seq, e->wall_usec / 1000000, e->wall_usec % 1000000);
        if (e->kind == PING_EVENT_REPLY || e->kind == PING_EVENT_DUP || e->kind == PING_EVENT_LATE)
                fprintf(f, ",\"bytes\":%zu,\"rtt_ms\":%.6f", e->bytes, ms((double) e->rtt));
        if (e->kind == PING_EVENT_REPLY || e->kind == PING_EVENT_LATE)
                fprintf(f, ",\"reordered\":%s", e->reordered ? "true" : "false");
        if (e->has_server)
                fprintf(f, ",\"server_hold_ms\":%.6f", ms((double) e->server_hold));
        if (c->mode == PING_MODE_HTTP && e->kind != PING_EVENT_TIMEOUT) {
                fprintf(f, ",\"status\":%d", e->http_status);
                fprintf(f, ",\"connect_ms\":%.6f,\"ttfb_ms\":%.6f", ms((double) e->http_connect),
                        ms((double) e->http_ttfb));
                if (e->kind == PING_EVENT_ERROR)
                        fprintf(f, ",\"bytes\":%zu,\"rtt_ms\":%.6f", e->bytes, ms((double) e->rtt));
        }
        if (e->error) {
                fputs(",\"error\":", f);
                ping_output_json_string(f, e->error);
        }
        fputs("}\n", f);
}

void ping_output_event(FILE *f, const PingOutputConf *c, const PingEvent *e) {
        char a[32], b[32], d[32];

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
                if (c->mode == PING_MODE_HTTP)
                        fprintf(f, "%d: %zu bytes from %s: seq=%" PRIu64 " connect=%s ms ttfb=%s ms time=%s ms%s\n",
                                e->http_status, e->bytes, c->address, e->seq,
                                ping_output_format_ms(a, sizeof(a), e->http_connect),
                                ping_output_format_ms(b, sizeof(b), e->http_ttfb),
                                ping_output_format_ms(d, sizeof(d), e->rtt),
                                e->kind == PING_EVENT_DUP ? " (DUP!)" : "");
                else
                        fprintf(f, "%zu bytes from %s: seq=%" PRIu64 " time=%s ms%s%s\n", e->bytes,
                                c->address, e->seq, ping_output_format_ms(a, sizeof(a), e->rtt),
                                e->kind == PING_EVENT_DUP ? " (DUP!)" : "",
                                e->reordered ? " (reordered)" : "");
                break;

        case PING_EVENT_LATE:
                fprintf(f, "%zu bytes from %s: seq=%" PRIu64 " (late %.3f s)%s\n", e->bytes, c->address,
                        e->seq, (double) e->rtt / 1e9, e->reordered ? " (reordered)" : "");
                break;

        case PING_EVENT_TIMEOUT:
                fprintf(f, "seq=%" PRIu64 " timeout\n", e->seq);
                break;

        case PING_EVENT_UNREACHABLE:
                fprintf(f, "From %s: seq=%" PRIu64 " %s\n", c->address, e->seq,
                        e->error ?: "Destination port unreachable");
                break;

        case PING_EVENT_ERROR:
                if (e->http_status > 0)
                        fprintf(f, "%d: %zu bytes from %s: seq=%" PRIu64 " time=%s ms (failure)\n",
                                e->http_status, e->bytes, c->address, e->seq,
                                ping_output_format_ms(a, sizeof(a), e->rtt));
                else
                        fprintf(f, "seq=%" PRIu64 " error: %s\n", e->seq, e->error ?: "failed");
                break;

        default:
                break;
        }
}

void ping_output_interim(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        const Stats *st;
        char a[32], b[32], d[32], e[32];

        assert(f);
        assert(s);
        assert(s->stats);

        st = s->stats;
        uint64_t settled = st->sent - stats_in_flight(st);
        fprintf(f, "%" PRIu64 "/%" PRIu64 " packets, %.0f%% loss", st->received, st->sent,
                percent(stats_lost(st) + st->failed, settled));
        if (st->rtt.n > 0)
                fprintf(f, ", min/avg/p50/max = %s/%s/%s/%s ms",
                        ping_output_format_ms(a, sizeof(a), (nsec_t) st->rtt.min),
                        ping_output_format_ms(b, sizeof(b), (nsec_t) st->rtt.mean),
                        ping_output_format_ms(d, sizeof(d), stats_hist_percentile(&st->rtt_hist, 50)),
                        ping_output_format_ms(e, sizeof(e), (nsec_t) st->rtt.max));
        fputc('\n', f);
}

/* ---- text summary ----------------------------------------------------------------------- */

static void summary_text(FILE *f, const PingOutputConf *c, const PingSummary *s) {
        const Stats *st = s->stats;
        StatsLossSplit ls;
        char a[32], b[32], d[32], e[32];

        stats_loss_split(st, &ls);
        uint64_t in_flight = stats_in_flight(st);
        uint64_t settled = st->sent - in_flight;

        fprintf(f, "\n--- %s netlab-ping statistics ---\n", c->mode == PING_MODE_HTTP ? c->url : c->host);
        /* iputils ping's line, word for word ("+N duplicates", "+N errors", "%g%% packet
         * loss"), so scripts and habits that parse ping's summary keep working. As in
         * ping, probes ended by an error (ICMP unreachable, HTTP failure) count in the
         * loss; unlike ping, probes still in flight at Ctrl-C do not. */
        fprintf(f, "%" PRIu64 " packets transmitted, %" PRIu64 " received", st->sent, st->received);
        if (st->duplicates > 0)
                fprintf(f, ", +%" PRIu64 " duplicates", st->duplicates);
        if (st->failed > 0)
                fprintf(f, ", +%" PRIu64 " errors", st->failed);
        fprintf(f, ", %g%% packet loss, time %" PRIu64 "ms\n", (float) percent(ls.lost + st->failed, settled),
                (uint64_t) (s->elapsed / NSEC_PER_MSEC));

        /* netlab's own line: where the losses happened. "network" is only what the
         * server's counters place on the path; losses after the last stamped reply are
         * unattributed, never guessed. */
        if (ls.lost > 0 || st->failed > 0) {
                if (ls.lost > 0)
                        fprintf(f, "%" PRIu64 " lost", ls.lost);
                if (ls.lost > 0 && ls.has_split) {
                        fprintf(f, " (%.1f%% emulated, %.1f%% network", percent(ls.emulated, settled),
                                percent(ls.upstream + ls.downstream + ls.late, settled));
                        if (ls.unknown > 0)
                                fprintf(f, ", %.1f%% unattributed", percent(ls.unknown, settled));
                        fprintf(f, "): %" PRIu64 " upstream, %" PRIu64 " emulated by the server, %" PRIu64
                                " downstream, %" PRIu64 " late, %" PRIu64 " after the last stamped reply",
                                ls.upstream, ls.emulated, ls.downstream, ls.late, ls.unknown);
                }
                if (st->failed > 0)
                        fprintf(f, "%s%" PRIu64 " %s", ls.lost > 0 ? "; " : "", st->failed,
                                c->mode == PING_MODE_HTTP ? "failed" : "unreachable");
                fputc('\n', f);
        }
        fprintf(f, "%" PRIu64 " duplicates, %" PRIu64 " reordered, %" PRIu64 " late, %" PRIu64 " in flight\n",
                st->duplicates, st->reordered, st->late, in_flight);

        if (c->mode == PING_MODE_HTTP)
                fprintf(f, "http: %" PRIu64 " non-2xx, %" PRIu64 " errors, %" PRIu64 " connections, %" PRIu64
                        " body bytes\n", s->http_non2xx, s->http_errors, s->http_connections,
                        s->http_body_bytes);

        if (st->rtt.n > 0) {
                fprintf(f, "rtt min/avg/max/mdev = %s/%s/%s/%s ms\n",
                        ping_output_format_ms(a, sizeof(a), (nsec_t) st->rtt.min),
                        ping_output_format_ms(b, sizeof(b), (nsec_t) llround(st->rtt.mean)),
                        ping_output_format_ms(d, sizeof(d), (nsec_t) st->rtt.max),
                        ping_output_format_ms(e, sizeof(e), (nsec_t) llround(stats_welford_stddev(&st->rtt))));
                fputs("rtt p50/p90/p99/p99.9 = ", f);
                for (size_t i = 0; i < ELEMENTSOF(percentiles); i++)
                        fprintf(f, "%s%s", i > 0 ? "/" : "",
                                ping_output_format_ms(a, sizeof(a),
                                                      stats_hist_percentile(&st->rtt_hist, percentiles[i])));
                fputs(" ms\n", f);
        }
        if (c->mode == PING_MODE_HTTP && s->http_ttfb.n > 0) {
                fprintf(f, "http connect avg %s ms, ttfb avg %s ms\n",
                        ping_output_format_ms(a, sizeof(a), (nsec_t) llround(s->http_connect.mean)),
                        ping_output_format_ms(b, sizeof(b), (nsec_t) llround(s->http_ttfb.mean)));
        }
        if (st->drtt_n > 0) {
                fprintf(f, "jitter: mean |dRTT| %s ms, RFC 3550 %s ms",
                        ping_output_format_ms(a, sizeof(a), (nsec_t) llround(stats_jitter_mean_abs(st))),
                        ping_output_format_ms(b, sizeof(b), (nsec_t) llround(st->jitter_rfc3550)));
                if (st->ipdv_hist.n > 0)
                        fprintf(f, ", IPDV (RFC 3393) |p50|/|p90|/|p99| %s/%s/%s ms",
                                ping_output_format_ms(a, sizeof(a), stats_hist_percentile(&st->ipdv_hist, 50)),
                                ping_output_format_ms(b, sizeof(b), stats_hist_percentile(&st->ipdv_hist, 90)),
                                ping_output_format_ms(d, sizeof(d), stats_hist_percentile(&st->ipdv_hist, 99)));
                fputc('\n', f);
        }
        if (c->mode == PING_MODE_UDP) {
                if (st->server_stamps) {
                        uint64_t span = st->server_last_tx_usec - st->server_first_rx_usec;

                        fprintf(f, "server: hold min/avg/max = %s/%s/%s ms, span %s ms (first receive to last send)\n",
                                ping_output_format_ms(a, sizeof(a), (nsec_t) st->server_hold.min),
                                ping_output_format_ms(b, sizeof(b), (nsec_t) llround(st->server_hold.mean)),
                                ping_output_format_ms(d, sizeof(d), (nsec_t) st->server_hold.max),
                                ping_output_format_ms(e, sizeof(e), span * 1000));
                        if (st->flow_reset)
                                fputs("server: the flow's counters started again (netlabd restarted or recycled "
                                      "the flow): loss not split\n", f);
                } else if (st->unstamped > 0)
                        fputs("server: plain echo (no netlab stamps): RTT and loss only\n", f);
        }
        if (c->histogram_bins > 0 && st->rtt_hist.n > 0)
                ping_output_histogram(f, &st->rtt_hist);
}

/* ---- JSON --------------------------------------------------------------------------------- */

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

/* Row edges for the histogram: 1-2-5 steps in ns. */
static uint64_t next_edge(uint64_t e) {
        uint64_t decade = 1;

        while (decade * 10 <= e)
                decade *= 10;
        uint64_t m = e / decade;
        return m < 2 ? 2 * decade : m < 5 ? 5 * decade : 10 * decade;
}

static uint64_t first_edge(uint64_t min) {
        uint64_t e = 1;

        while (next_edge(e) <= min)
                e = next_edge(e);
        return e;
}

static void json_histogram(FILE *f, const StatsHist *h) {
        bool first = true;

        fputc('[', f);
        if (h->n > 0)
                for (uint64_t lo = first_edge(h->min); lo <= h->max; lo = next_edge(lo)) {
                        uint64_t hi = next_edge(lo);
                        uint64_t n = stats_hist_count_below(h, hi) - stats_hist_count_below(h, lo);

                        if (n == 0)
                                continue;
                        fprintf(f, "%s{\"ge_ms\":%.6f,\"lt_ms\":%.6f,\"count\":%" PRIu64 "}",
                                first ? "" : ",", ms((double) lo), ms((double) hi), n);
                        first = false;
                }
        fputc(']', f);
}

static void summary_json(FILE *f, const PingOutputConf *c, const PingSummary *s, bool record) {
        const Stats *st = s->stats;
        StatsLossSplit ls;

        stats_loss_split(st, &ls);
        uint64_t in_flight = stats_in_flight(st);
        uint64_t settled = st->sent - in_flight;

        fputc('{', f);
        if (record)
                fputs("\"type\":\"summary\",", f);
        fprintf(f, "\"format_version\":%d,\"tool\":\"netlab-ping\",\"version\":\"%s\",\"error\":null,",
                PING_JSON_FORMAT_VERSION, PACKAGE_VERSION);
        fprintf(f, "\"mode\":\"%s\",\"target\":{\"host\":", c->mode == PING_MODE_HTTP ? "http" : "udp");
        ping_output_json_string(f, c->host);
        fputs(",\"address\":", f);
        ping_output_json_string(f, c->address);
        fprintf(f, ",\"port\":%u,\"url\":", c->port);
        ping_output_json_string(f, c->url);
        fprintf(f, "},\"options\":{\"count\":%" PRIu64 ",\"interval_s\":%.6f,\"timeout_s\":%.6f,"
                "\"deadline_s\":%.6f,\"size\":%zu,\"flood\":%s},",
                c->count, (double) c->interval / 1e9, (double) c->timeout / 1e9,
                (double) c->deadline / 1e9, c->size, c->flood ? "true" : "false");
        fprintf(f, "\"start_time\":%" PRIu64 ".%06" PRIu64 ",\"duration_s\":%.6f,\"interrupted\":%s,",
                s->start_wall_usec / 1000000, s->start_wall_usec % 1000000, (double) s->elapsed / 1e9,
                s->interrupted ? "true" : "false");

        fprintf(f, "\"probes\":{\"sent\":%" PRIu64 ",\"received\":%" PRIu64 ",\"lost\":%" PRIu64
                ",\"loss_percent\":%.4f,\"in_flight\":%" PRIu64 ",\"late\":%" PRIu64
                ",\"duplicates\":%" PRIu64 ",\"reordered\":%" PRIu64 ",\"failed\":%" PRIu64
                ",\"unknown\":%" PRIu64 ",\"stale\":%" PRIu64 "},",
                st->sent, st->received, ls.lost, percent(ls.lost + st->failed, settled), in_flight, st->late,
                st->duplicates, st->reordered, st->failed, st->unknown, st->stale);

        fprintf(f, "\"loss_split\":{\"available\":%s,\"counters_restarted\":%s", ls.has_split ? "true" : "false",
                st->flow_reset ? "true" : "false");
        if (ls.has_split)
                fprintf(f, ",\"upstream\":%" PRIu64 ",\"emulated\":%" PRIu64 ",\"downstream\":%" PRIu64
                        ",\"late\":%" PRIu64 ",\"unknown\":%" PRIu64
                        ",\"emulated_percent\":%.4f,\"network_percent\":%.4f,\"unknown_percent\":%.4f",
                        ls.upstream, ls.emulated, ls.downstream, ls.late, ls.unknown,
                        percent(ls.emulated, settled), percent(ls.upstream + ls.downstream + ls.late, settled),
                        percent(ls.unknown, settled));
        else
                fputs(",\"upstream\":null,\"emulated\":null,\"downstream\":null,\"late\":null,"
                      "\"unknown\":null,\"emulated_percent\":null,\"network_percent\":null,"
                      "\"unknown_percent\":null", f);
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
                fprintf(f, "\"http\":{\"non_2xx\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"connections\":%" PRIu64
                        ",\"body_bytes\":%" PRIu64 ",\"connect_ms\":{",
                        s->http_non2xx, s->http_errors, s->http_connections, s->http_body_bytes);
                json_welford(f, &s->http_connect);
                fputs("},\"ttfb_ms\":{", f);
                json_welford(f, &s->http_ttfb);
                fputs("}},", f);
        } else
                fputs("\"http\":null,", f);

        fputs("\"histogram\":", f);
        if (c->histogram_bins > 0)
                json_histogram(f, &st->rtt_hist);
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

void ping_output_histogram(FILE *f, const StatsHist *h) {
        char a[32], b[32];
        uint64_t cum = 0, peak = 0;

        assert(f);
        assert(h);

        if (h->n == 0)
                return;

        for (uint64_t lo = first_edge(h->min); lo <= h->max; lo = next_edge(lo)) {
                uint64_t n = stats_hist_count_below(h, next_edge(lo)) - stats_hist_count_below(h, lo);
                peak = MAX(peak, n);
        }

        fputs("rtt histogram (ms):\n", f);
        for (uint64_t lo = first_edge(h->min); lo <= h->max; lo = next_edge(lo)) {
                uint64_t hi = next_edge(lo);
                uint64_t n = stats_hist_count_below(h, hi) - stats_hist_count_below(h, lo);
                int bar = peak > 0 ? (int) ((n * 40 + peak - 1) / peak) : 0;

                cum += n;
                fprintf(f, "  %10s .. %-10s %10" PRIu64 " %6.2f%% %.*s\n",
                        ping_output_format_ms(a, sizeof(a), lo), ping_output_format_ms(b, sizeof(b), hi), n,
                        percent(cum, h->n), bar,
                        "########################################");
        }
}
