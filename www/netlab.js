/* netlab.js — the only script of the served pages. index.html shows the echo's current
 * impairment; status.html polls the status API every second and draws the counters as
 * rates on hand-drawn canvas charts. No framework, no network access beyond this host.
 *
 * Everything that comes from the API is put into the page with textContent (never
 * innerHTML), so a hostile string in the configuration can never become markup. */
'use strict';

(function () {
        const POLL_MS = 1000;
        const TIMEOUT_MS = 2500;
        const HISTORY = 120;            /* chart samples: two minutes at one per second */
        const WINDOW_S = 60;            /* "last minute" columns */

        /* The API path: /api/status, or ?api=/path for a daemon with another status_path.
         * Only same-origin absolute paths are accepted. */
        function apiPath() {
                const q = new URLSearchParams(window.location.search).get('api');
                if (q && q.startsWith('/') && !q.startsWith('//') && !q.includes('\\'))
                        return q;
                return '/api/status';
        }

        /* ---- formatting ------------------------------------------------------------------ */

        function isNum(v) {
                return typeof v === 'number' && Number.isFinite(v);
        }

        function fmtCount(v) {
                if (!isNum(v))
                        return '—';
                return Math.round(v).toLocaleString('en-US');
        }

        function fmtRate(v, unit) {
                if (!isNum(v))
                        return '—';
                const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
                return v.toFixed(digits) + ' ' + unit;
        }

        function fmtBytes(v) {
                if (!isNum(v))
                        return '—';
                const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
                let i = 0;
                while (Math.abs(v) >= 1024 && i < units.length - 1) {
                        v /= 1024;
                        i++;
                }
                return (i === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : 1)) + ' ' + units[i];
        }

        function fmtPercent(p) {
                if (!isNum(p))
                        return '—';
                const pct = p * 100;
                return (Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(pct < 1 ? 2 : 1)) + ' %';
        }

        function fmtMs(ms) {
                if (!isNum(ms))
                        return '—';
                if (ms >= 1000)
                        return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2) + ' s';
                return (Number.isInteger(ms) ? ms.toFixed(0) : ms.toFixed(2)) + ' ms';
        }

        function fmtUptime(s) {
                if (!isNum(s))
                        return '—';
                s = Math.floor(s);
                const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
                const m = Math.floor(s % 3600 / 60), sec = s % 60;
                if (d > 0)
                        return d + 'd ' + h + 'h ' + m + 'm';
                if (h > 0)
                        return h + 'h ' + m + 'm ' + sec + 's';
                if (m > 0)
                        return m + 'm ' + sec + 's';
                return sec + 's';
        }

        function setText(id, text) {
                const el = document.getElementById(id);
                if (el)
                        el.textContent = text;
        }

        function listText(list) {
                if (!Array.isArray(list) || list.length === 0)
                        return '—';
                return list.map(String).join(', ');
        }

        /* "127.0.0.1:8080" or "[::1]:8080" -> "8080" */
        function portOf(listen) {
                const m = /:(\d+)$/.exec(String(listen));
                return m ? m[1] : null;
        }

        /* ---- the API ---------------------------------------------------------------------- */

        class ApiError extends Error {}

        async function fetchStatus() {
                const ctl = new AbortController();
                const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
                let resp;

                try {
                        resp = await fetch(apiPath(), { cache: 'no-store', signal: ctl.signal,
                                                        headers: { Accept: 'application/json' } });
                } catch (e) {
                        throw new ApiError(e.name === 'AbortError'
                                ? 'no answer within ' + TIMEOUT_MS / 1000 + ' s'
                                : 'the server cannot be reached (is netlabd running?)');
                } finally {
                        clearTimeout(timer);
                }
                if (resp.status === 403)
                        throw new ApiError('access refused (403): this address is not in http.status_allow');
                if (resp.status === 404)
                        throw new ApiError('not found (404): the status endpoint is disabled or at another path');
                if (!resp.ok)
                        throw new ApiError('the server answered ' + resp.status);

                let data;
                try {
                        data = await resp.json();
                } catch (e) {
                        throw new ApiError('the answer is not valid JSON');
                }
                if (!data || typeof data !== 'object' || !data.config)
                        throw new ApiError('the answer is not a netlab status document');
                return data;
        }

        /* Fills the impairment summary shared by index.html and status.html. */
        function showEchoConfig(cfg) {
                const e = (cfg && cfg.echo) || {};
                if (e.enabled === false) {
                        for (const id of ['cfg-loss', 'cfg-loss-model', 'cfg-delay', 'cfg-duplicate',
                                          'cfg-reorder', 'cfg-rate'])
                                setText(id, 'echo disabled');
                } else {
                        setText('cfg-loss', fmtPercent(e.loss) + ' per round trip');
                        let model = String(e.loss_model || '—');
                        const ge = e.gilbert_elliott;
                        if (e.loss_model === 'gilbert-elliott' && ge)
                                model += ' (p ' + fmtPercent(ge.p) + ', r ' + fmtPercent(ge.r) +
                                         ', loss good ' + fmtPercent(ge.loss_good) +
                                         ', bad ' + fmtPercent(ge.loss_bad) + ')';
                        setText('cfg-loss-model', model);
                        let delay = fmtMs(e.delay_ms);
                        if (isNum(e.jitter_ms) && e.jitter_ms > 0)
                                delay += ' ± ' + fmtMs(e.jitter_ms) + ' (' + String(e.distribution) + ')';
                        setText('cfg-delay', delay);
                        setText('cfg-duplicate', fmtPercent(e.duplicate));
                        setText('cfg-reorder', isNum(e.reorder) && e.reorder > 0
                                ? fmtPercent(e.reorder) + ' (gap ' + fmtCount(e.reorder_gap) + ')'
                                : fmtPercent(e.reorder));
                        setText('cfg-rate', isNum(e.rate_limit) && e.rate_limit > 0
                                ? fmtCount(e.rate_limit) + ' replies/s per source (burst ' +
                                  fmtCount(e.rate_burst) + ')'
                                : 'off');
                }
                setText('cfg-echo-listen', listText(e.listen));
        }

        /* ---- index.html ------------------------------------------------------------------- */

        function initIndex() {
                for (const el of document.querySelectorAll('.js-host'))
                        el.textContent = window.location.host || 'this host';
                for (const el of document.querySelectorAll('.js-hostname'))
                        el.textContent = window.location.hostname || 'HOST';
                for (const el of document.querySelectorAll('.js-hostport'))
                        el.textContent = window.location.host || 'HOST:8080';
                const showPingTarget = (port) => {
                        /* netlab-ping's default port is 8080: name the port only if it differs. */
                        const host = window.location.hostname || 'HOST';
                        for (const el of document.querySelectorAll('.js-ping-target'))
                                el.textContent = port && port !== '8080' ? host + ':' + port : host;
                };
                showPingTarget(null);

                const refresh = async () => {
                        try {
                                const s = await fetchStatus();
                                showEchoConfig(s.config);
                                setText('version', String(s.version || ''));
                                const listen = s.config.echo && s.config.echo.listen;
                                const port = Array.isArray(listen) && listen.length ? portOf(listen[0]) : null;
                                if (port) {
                                        for (const el of document.querySelectorAll('.js-echo-port'))
                                                el.textContent = port;
                                        showPingTarget(port);
                                }
                                setText('impair-state', 'Live from the running daemon; edit the config ' +
                                        'and reload to change it.');
                        } catch (e) {
                                setText('impair-state', 'The status API is not reachable (' + e.message +
                                        '), so the current impairment is unknown.');
                        }
                };
                refresh();
                setInterval(refresh, 5000);
        }

        /* ---- charts ----------------------------------------------------------------------- */

        function cssVar(name, fallback) {
                const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
                return v || fallback;
        }

        /* 1, 2, 5 x 10^n at or above v: readable axis maxima. */
        function niceCeil(v) {
                if (!(v > 0))
                        return 1;
                const p = Math.pow(10, Math.floor(Math.log10(v)));
                for (const m of [1, 2, 5, 10])
                        if (m * p >= v)
                                return m * p;
                return 10 * p;
        }

        class Chart {
                /* series: [{ label, color: CSS variable name, format }] */
                constructor(canvasId, legendId, series, format) {
                        this.canvas = document.getElementById(canvasId);
                        this.legend = document.getElementById(legendId);
                        this.series = series;
                        this.format = format;
                        this.data = series.map(() => []);
                        this.legendValues = [];
                        for (const s of series) {
                                const li = document.createElement('li');
                                li.style.setProperty('--swatch', cssVar(s.color, '#888'));
                                const name = document.createTextNode(s.label + ': ');
                                const val = document.createElement('span');
                                val.textContent = '—';
                                li.append(name, val);
                                this.legend.append(li);
                                this.legendValues.push(val);
                        }
                }

                push(values) {
                        values.forEach((v, i) => {
                                const d = this.data[i];
                                d.push(isNum(v) ? Math.max(0, v) : null);
                                if (d.length > HISTORY)
                                        d.shift();
                                this.legendValues[i].textContent = this.format(v);
                        });
                }

                clear() {
                        this.data = this.series.map(() => []);
                }

                draw() {
                        const c = this.canvas;
                        const dpr = window.devicePixelRatio || 1;
                        const w = c.clientWidth, h = c.clientHeight;
                        if (w === 0 || h === 0)
                                return;
                        if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
                                c.width = Math.round(w * dpr);
                                c.height = Math.round(h * dpr);
                        }
                        const g = c.getContext('2d');
                        g.setTransform(dpr, 0, 0, dpr, 0, 0);
                        g.clearRect(0, 0, w, h);

                        const left = 56, right = 8, top = 8, bottom = 20;
                        const pw = w - left - right, ph = h - top - bottom;
                        let max = 0;
                        for (const d of this.data)
                                for (const v of d)
                                        if (v !== null && v > max)
                                                max = v;
                        max = niceCeil(max);

                        /* grid and y labels */
                        g.font = '11px ' + cssVar('--sans', 'sans-serif');
                        g.textBaseline = 'middle';
                        g.textAlign = 'right';
                        g.lineWidth = 1;
                        for (let i = 0; i <= 4; i++) {
                                const y = Math.round(top + ph - ph * i / 4) + 0.5;
                                g.strokeStyle = cssVar('--border', '#ddd');
                                g.beginPath();
                                g.moveTo(left, y);
                                g.lineTo(left + pw, y);
                                g.stroke();
                                g.fillStyle = cssVar('--muted', '#666');
                                g.fillText(this.format(max * i / 4), left - 6, y);
                        }
                        g.textAlign = 'left';
                        g.textBaseline = 'alphabetic';
                        g.fillText('−' + HISTORY / 60 + ' min', left, h - 4);
                        g.textAlign = 'right';
                        g.fillText('now', left + pw, h - 4);

                        /* series: newest sample at the right edge, one pixel step per second */
                        const step = pw / (HISTORY - 1);
                        this.data.forEach((d, si) => {
                                const color = cssVar(this.series[si].color, '#888');
                                const x0 = left + pw - (d.length - 1) * step;
                                g.strokeStyle = color;
                                g.lineWidth = 2;
                                g.lineJoin = 'round';
                                g.beginPath();
                                let pen = false;
                                d.forEach((v, i) => {
                                        if (v === null) {
                                                pen = false;
                                                return;
                                        }
                                        const x = x0 + i * step, y = top + ph - ph * v / max;
                                        if (pen)
                                                g.lineTo(x, y);
                                        else
                                                g.moveTo(x, y);
                                        pen = true;
                                });
                                g.stroke();
                        });
                }
        }

        /* ---- status.html ------------------------------------------------------------------ */

        const DROP_LABELS = {
                loss: 'emulated loss',
                rate_limit: 'rate limit',
                low_port: 'low source port',
                self: 'reply to self',
                queue_full: 'delay queue full',
                too_big: 'larger than max_payload',
                truncated: 'truncated',
                send_error: 'send error',
        };

        function sumValues(obj) {
                let s = 0;
                if (obj && typeof obj === 'object')
                        for (const v of Object.values(obj))
                                if (isNum(v))
                                        s += v;
                return s;
        }

        /* Oldest sample no older than WINDOW_S seconds, for the "last minute" columns. */
        function windowBase(history, now) {
                for (const h of history)
                        if (now - h.t <= WINDOW_S + 0.5)
                                return h;
                return history[history.length - 1];
        }

        function fillTable(tbodyId, rows, emptyText) {
                const tbody = document.getElementById(tbodyId);
                const frag = document.createDocumentFragment();
                if (rows.length === 0) {
                        const tr = document.createElement('tr');
                        const td = document.createElement('td');
                        td.colSpan = 3;
                        td.className = 'muted';
                        td.textContent = emptyText;
                        tr.append(td);
                        frag.append(tr);
                }
                for (const r of rows) {
                        const tr = document.createElement('tr');
                        const name = document.createElement('td');
                        if (r.badge) {
                                const b = document.createElement('span');
                                b.className = 'badge ' + r.badge;
                                b.textContent = r.name;
                                name.append(b);
                        } else
                                name.textContent = r.name;
                        const recent = document.createElement('td');
                        recent.className = 'num';
                        recent.textContent = fmtCount(r.recent);
                        const total = document.createElement('td');
                        total.className = 'num';
                        total.textContent = fmtCount(r.total);
                        tr.append(name, recent, total);
                        frag.append(tr);
                }
                tbody.replaceChildren(frag);
        }

        function initStatus() {
                setText('api-path', apiPath());
                const charts = {
                        echo: new Chart('chart-echo', 'legend-echo', [
                                { label: 'received', color: '--accent' },
                                { label: 'replied', color: '--good' },
                                { label: 'dropped', color: '--bad' },
                        ], v => fmtRate(v, '/s')),
                        http: new Chart('chart-http', 'legend-http', [
                                { label: 'requests', color: '--accent-2' },
                                { label: 'errors (4xx+5xx)', color: '--warn' },
                        ], v => fmtRate(v, '/s')),
                        bytes: new Chart('chart-bytes', 'legend-bytes', [
                                { label: 'HTTP responses', color: '--accent-2' },
                                { label: 'echo out', color: '--accent' },
                        ], v => isNum(v) ? fmtBytes(v) + '/s' : '—'),
                };
                const history = [];     /* { t, codes, drops } for the last-minute columns */
                let prev = null;        /* previous sample: { t, echo, http } */
                let lastOk = null;

                const conn = document.getElementById('conn');
                const stats = document.querySelector('.stats');

                const redraw = () => {
                        for (const c of Object.values(charts))
                                c.draw();
                };
                window.addEventListener('resize', redraw);
                if (window.matchMedia)
                        window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', redraw);

                const update = (s) => {
                        const t = s.uptime_seconds;
                        const echo = s.echo, http = s.http;
                        const drops = echo ? sumValues(echo.dropped) : null;

                        /* A restart (uptime went back) makes every delta meaningless. */
                        if (prev && !(t > prev.t - 0.001)) {
                                prev = null;
                                history.length = 0;
                                for (const c of Object.values(charts))
                                        c.clear();
                        }

                        setText('uptime', fmtUptime(t));
                        setText('version', 'netlabd ' + String(s.version));
                        setText('echo-received', echo ? fmtCount(echo.received) : 'off');
                        setText('echo-replied', echo ? fmtCount(echo.replied) : 'off');
                        setText('echo-dropped', echo ? fmtCount(drops) : 'off');
                        setText('echo-drop-share', echo && echo.received > 0
                                ? fmtPercent(echo.dropped.loss / echo.received) + ' dropped on purpose'
                                : '—');
                        setText('http-requests', http ? fmtCount(http.requests) : 'off');
                        setText('http-open', http ? fmtCount(http.open_connections) + ' open' : 'off');
                        setText('http-accepted', http ? fmtCount(http.connections_accepted) + ' accepted' : '—');
                        setText('echo-queue', echo ? fmtCount(echo.queued_replies) : '—');
                        setText('echo-flows', echo ? fmtCount(echo.flows) : '—');
                        setText('reloads', fmtCount(s.daemon && s.daemon.reloads) + ' applied, ' +
                                fmtCount(s.daemon && s.daemon.reload_failures) + ' rejected');

                        const cfg = s.config;
                        showEchoConfig(cfg);
                        const hc = cfg.http || {};
                        setText('cfg-http-listen', listText(hc.listen));
                        setText('cfg-root', String(hc.root ?? '—'));
                        setText('cfg-maxconn', fmtCount(hc.max_connections));
                        setText('cfg-header-timeout', fmtMs(hc.header_timeout_ms));
                        setText('cfg-keepalive', fmtMs(hc.keepalive_timeout_ms));
                        setText('cfg-allow', hc.status_allow ? listText(hc.status_allow) : 'everybody');
                        setText('cfg-path', String(cfg.path ?? 'built-in defaults'));

                        /* per-second rates from the previous sample */
                        if (prev) {
                                const dt = t - prev.t;
                                const rate = (a, b) => (isNum(a) && isNum(b) && dt > 0 && a >= b) ? (a - b) / dt : null;
                                const pe = prev.echo, ph = prev.http;
                                const errs = (h) => h ? (h.responses_by_class['4xx'] || 0) + (h.responses_by_class['5xx'] || 0) : null;
                                charts.echo.push([
                                        echo && pe ? rate(echo.received, pe.received) : null,
                                        echo && pe ? rate(echo.replied, pe.replied) : null,
                                        echo && pe ? rate(drops, prev.drops) : null,
                                ]);
                                charts.http.push([
                                        http && ph ? rate(http.requests, ph.requests) : null,
                                        http && ph ? rate(errs(http), errs(ph)) : null,
                                ]);
                                charts.bytes.push([
                                        http && ph ? rate(http.response_bytes, ph.response_bytes) : null,
                                        echo && pe ? rate(echo.bytes_out, pe.bytes_out) : null,
                                ]);
                                setText('echo-rx-rate', echo && pe ? fmtRate(rate(echo.received, pe.received), 'per second') : '—');
                                setText('echo-tx-rate', echo && pe ? fmtRate(rate(echo.replied, pe.replied), 'per second') : '—');
                                setText('http-req-rate', http && ph ? fmtRate(rate(http.requests, ph.requests), 'per second') : '—');
                                redraw();
                        }
                        prev = { t, echo, http, drops };

                        /* last-minute tables */
                        let codes = (http && http.responses_by_code) || {};
                        /* A daemon without per-code accounting still has the classes. */
                        if (http && Object.keys(codes).length === 0 && http.responses_by_class)
                                codes = Object.fromEntries(Object.entries(http.responses_by_class)
                                                           .filter(([, v]) => v > 0));
                        const dropped = (echo && echo.dropped) || {};
                        history.push({ t, codes, dropped });
                        while (history.length > WINDOW_S + 5)
                                history.shift();
                        const base = windowBase(history, t);

                        const codeRows = Object.keys(codes).sort().map(code => ({
                                name: code,
                                badge: 'c' + code.charAt(0),
                                total: codes[code],
                                recent: codes[code] - (base.codes[code] || 0),
                        }));
                        fillTable('codes', codeRows, 'No responses yet');

                        const dropRows = Object.keys(DROP_LABELS).map(k => ({
                                name: DROP_LABELS[k],
                                total: dropped[k],
                                recent: isNum(dropped[k]) ? dropped[k] - (base.dropped[k] || 0) : null,
                        })).filter(r => r.total > 0);
                        fillTable('drops', dropRows, echo ? 'Nothing dropped' : 'Echo service not running');
                };

                const poll = async () => {
                        const started = performance.now();
                        try {
                                const s = await fetchStatus();
                                update(s);
                                lastOk = new Date();
                                conn.className = 'banner ok';
                                conn.textContent = 'Live — updated ' + lastOk.toLocaleTimeString('en-GB');
                                stats.classList.remove('stale');
                        } catch (e) {
                                if (!(e instanceof ApiError))
                                        throw e;
                                conn.className = 'banner error';
                                conn.textContent = 'Cannot read the status API at ' + apiPath() + ': ' +
                                        e.message + '. ' +
                                        (lastOk ? 'Showing values from ' + lastOk.toLocaleTimeString('en-GB') + '. '
                                                : '') + 'Retrying every second.';
                                stats.classList.add('stale');
                        } finally {
                                setTimeout(poll, Math.max(0, POLL_MS - (performance.now() - started)));
                        }
                };
                poll();
        }

        document.addEventListener('DOMContentLoaded', () => {
                const page = document.body.dataset.page;
                if (page === 'index')
                        initIndex();
                else if (page === 'status')
                        initStatus();
        });
})();
