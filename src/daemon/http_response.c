/* http_response.c — PURE: the bytes of a response head. Called by http_conn once
 * http_route decided status, length, validators and range; the head then goes out in one
 * send() (with MSG_MORE when a file body follows). */

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http_response.h"
#include "macro.h"

const char *http_response_reason(unsigned status) {
        switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 204: return "No Content";
        case 206: return "Partial Content";
        case 301: return "Moved Permanently";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 408: return "Request Timeout";
        case 411: return "Length Required";
        case 413: return "Content Too Large";
        case 412: return "Precondition Failed";
        case 414: return "URI Too Long";
        case 416: return "Range Not Satisfiable";
        case 431: return "Request Header Fields Too Large";
        case 500: return "Internal Server Error";
        case 501: return "Not Implemented";
        case 503: return "Service Unavailable";
        case 505: return "HTTP Version Not Supported";
        default: return "Unknown";
        }
}

static const char wday_names[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char month_names[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

static char *put2(char *p, int v) {
        *p++ = (char) ('0' + v / 10 % 10);
        *p++ = (char) ('0' + v % 10);
        return p;
}

char *http_response_format_date(usec_t usec, char *buf) {
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;
        char *p = buf;
        int y;

        assert(buf);

        (void) gmtime_r(&t, &tm);
        y = CLAMP(tm.tm_year + 1900, 0, 9999);
        /* Written by hand: fixed width, and snprintf() cannot prove that to the compiler. */
        memcpy(p, wday_names[tm.tm_wday % 7], 3);
        p += 3;
        *p++ = ',';
        *p++ = ' ';
        p = put2(p, tm.tm_mday);
        *p++ = ' ';
        memcpy(p, month_names[tm.tm_mon % 12], 3);
        p += 3;
        *p++ = ' ';
        p = put2(p, y / 100);
        p = put2(p, y % 100);
        *p++ = ' ';
        p = put2(p, tm.tm_hour);
        *p++ = ':';
        p = put2(p, tm.tm_min);
        *p++ = ':';
        p = put2(p, tm.tm_sec);
        memcpy(p, " GMT", 5);
        return buf;
}

/* Appends to a bounded buffer; on overflow marks it and stops writing. */
typedef struct Out {
        char *buf;
        size_t size, len;
        bool overflow;
} Out;

static void out_mem(Out *o, const char *p, size_t n) {
        if (o->overflow)
                return;
        if (n >= o->size - o->len) {
                o->overflow = true;
                return;
        }
        memcpy(o->buf + o->len, p, n);
        o->len += n;
}

static void out_str(Out *o, const char *s) {
        out_mem(o, s, strlen(s));
}

/* Decimal without printf: this runs for every response. */
static void out_u64(Out *o, uint64_t v) {
        char tmp[20];
        size_t n = 0;

        do {
                tmp[sizeof(tmp) - 1 - n++] = (char) ('0' + v % 10);
                v /= 10;
        } while (v > 0);
        out_mem(o, tmp + sizeof(tmp) - n, n);
}

static void out_field(Out *o, const char *name, const char *value) {
        out_str(o, name);
        out_str(o, value);
        out_mem(o, "\r\n", 2);
}

int http_response_head(const HttpResponse *r, char *buf, size_t size) {
        Out o = { .buf = buf, .size = size };
        char date[HTTP_DATE_LEN + 1];

        assert(r);
        assert(buf);
        assert(r->status >= 100 && r->status <= 999);

        if (size == 0)
                return -ENOBUFS;

        out_str(&o, "HTTP/1.1 ");
        out_u64(&o, r->status);
        out_mem(&o, " ", 1);
        out_str(&o, http_response_reason(r->status));
        out_mem(&o, "\r\n", 2);
        if (r->server && r->server[0])
                out_field(&o, "Server: ", r->server);
        out_field(&o, "Date: ", r->date ?: http_response_format_date(r->date_usec, date));
        if (r->content_type)
                out_field(&o, "Content-Type: ", r->content_type);
        if (r->has_body_length) {
                out_str(&o, "Content-Length: ");
                out_u64(&o, r->content_length);
                out_mem(&o, "\r\n", 2);
        }
        if (r->last_modified)
                out_field(&o, "Last-Modified: ", r->last_modified);
        else if (r->last_modified_usec > 0)
                out_field(&o, "Last-Modified: ", http_response_format_date(r->last_modified_usec, date));
        if (r->etag)
                out_field(&o, "ETag: ", r->etag);
        if (r->content_range || r->range_unsatisfied) {
                out_str(&o, "Content-Range: bytes ");
                if (r->content_range) {
                        out_u64(&o, r->range_first);
                        out_mem(&o, "-", 1);
                        out_u64(&o, r->range_last);
                } else
                        out_mem(&o, "*", 1);
                out_mem(&o, "/", 1);
                out_u64(&o, r->range_total);
                out_mem(&o, "\r\n", 2);
        }
        if (r->location)
                out_field(&o, "Location: ", r->location);
        if (r->allow)
                out_str(&o, "Allow: GET, HEAD\r\n");
        if (r->accept_ranges)
                out_str(&o, "Accept-Ranges: bytes\r\n");
        /* RFC 9112 §9.3: 1.1 persists by default; a 1.0 client needs the explicit token. */
        if (!r->keep_alive)
                out_str(&o, "Connection: close\r\n");
        else if (r->http10)
                out_str(&o, "Connection: keep-alive\r\n");
        out_str(&o, "\r\n");

        if (o.overflow)
                return -ENOBUFS;
        return (int) o.len;
}

static int month_from(const char *s) {
        for (int i = 0; i < 12; i++)
                if (memcmp(s, month_names[i], 3) == 0)
                        return i;
        return -1;
}

static bool digits(const char *s, size_t n, int *ret) {
        int v = 0;

        for (size_t i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return false;
                v = v * 10 + (s[i] - '0');
        }
        *ret = v;
        return true;
}

/* "HH:MM:SS" */
static bool parse_hms(const char *s, struct tm *tm) {
        return s[2] == ':' && s[5] == ':' && digits(s, 2, &tm->tm_hour) &&
               digits(s + 3, 2, &tm->tm_min) && digits(s + 6, 2, &tm->tm_sec) &&
               tm->tm_hour < 24 && tm->tm_min < 60 && tm->tm_sec <= 60;
}

int http_response_parse_date(const char *s, size_t len, usec_t *ret) {
        struct tm tm = {};
        char buf[64];
        const char *p;
        time_t t;

        assert(s || len == 0);
        assert(ret);

        if (len < 24 || len >= sizeof(buf))
                return -EINVAL;
        memcpy(buf, s, len);
        buf[len] = 0;

        p = strchr(buf, ',');
        if (p && len == 29 && p == buf + 3) {
                /* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
                if (buf[4] != ' ' || buf[7] != ' ' || buf[11] != ' ' || buf[16] != ' ' ||
                    strcmp(buf + 25, " GMT") != 0)
                        return -EINVAL;
                if (!digits(buf + 5, 2, &tm.tm_mday) || (tm.tm_mon = month_from(buf + 8)) < 0 ||
                    !digits(buf + 12, 4, &tm.tm_year) || !parse_hms(buf + 17, &tm))
                        return -EINVAL;
                tm.tm_year -= 1900;
        } else if (p) {
                /* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
                const char *d = p + 2;

                if (p[1] != ' ' || strlen(d) != 22 || d[2] != '-' || d[6] != '-' || d[9] != ' ' ||
                    strcmp(d + 18, " GMT") != 0)
                        return -EINVAL;
                if (!digits(d, 2, &tm.tm_mday) || (tm.tm_mon = month_from(d + 3)) < 0 ||
                    !digits(d + 7, 2, &tm.tm_year) || !parse_hms(d + 10, &tm))
                        return -EINVAL;
                /* RFC 9110 §5.6.7: a two-digit year more than 50 years ahead is in the past. */
                if (tm.tm_year < 70)
                        tm.tm_year += 100;
        } else if (len == 24) {
                /* asctime: "Sun Nov  6 08:49:37 1994" */
                if (buf[3] != ' ' || buf[7] != ' ' || buf[10] != ' ' || buf[19] != ' ')
                        return -EINVAL;
                if ((tm.tm_mon = month_from(buf + 4)) < 0 || !parse_hms(buf + 11, &tm) ||
                    !digits(buf + 20, 4, &tm.tm_year))
                        return -EINVAL;
                if (buf[8] == ' ') {
                        if (!digits(buf + 9, 1, &tm.tm_mday))
                                return -EINVAL;
                } else if (!digits(buf + 8, 2, &tm.tm_mday))
                        return -EINVAL;
                tm.tm_year -= 1900;
        } else
                return -EINVAL;

        if (tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_year < 70)
                return -EINVAL;
        t = timegm(&tm);
        /* A leap second on 9999-12-31 normalizes into year 10000, which no HTTP-date
         * (4-digit year) can express: reject it rather than return what we cannot format. */
        if (t < 0 || t > INT64_C(253402300799))
                return -EINVAL;
        *ret = (usec_t) t * USEC_PER_SEC;
        return 0;
}

size_t http_response_error_page(unsigned status, const char *why, char *buf, size_t size) {
        const char *phrase = http_response_reason(status);
        int n;

        if (size == 0)
                return 0;
        if (why)
                n = snprintf(buf, size,
                             "<!DOCTYPE html>\n<html><head><title>%u %s</title></head>\n"
                             "<body><h1>%u %s</h1>\n<p>%u %s: %s</p></body></html>\n",
                             status, phrase, status, phrase, status, phrase, why);
        else
                n = snprintf(buf, size,
                             "<!DOCTYPE html>\n<html><head><title>%u %s</title></head>\n"
                             "<body><h1>%u %s</h1></body></html>\n",
                             status, phrase, status, phrase);
        if (n < 0)
                return 0;
        return MIN((size_t) n, size - 1);
}
