/* netlab.js — the only script of the served pages. index.html shows the echo's current
 * impairment and commands that name this host; helloWorld.html fills its example command
 * with the host it was served from; status.html polls the status API every second and
 * draws the counters as rates on hand-drawn canvas charts. No framework, no network
 * access beyond this host.
 *
 * Everything that comes from the API is put into the page with textContent (never
 * innerHTML), so a hostile string in the configuration can never become markup. Every
 * string a person reads is in STR below, so the pages can be translated in one place. */
'use strict';

(function () {
        const POLL_MS = 1000;
        const TIMEOUT_MS = 2500;
        const HISTORY = 120;            /* chart samples: two minutes at one per second */
        const WINDOW_S = 60;            /* "last minute" columns */
        const TABLE_BIN_S = 10;         /* a chart's data table shows 10-second means */
        const CHART_FONT_PX = 15;       /* readable from the back of a classroom */
        const MARKER_EVERY = 15;        /* one marker per series every 15 samples */

        /* ---- user-visible strings ------------------------------------------------------- */

        /* {name} is replaced by t(); keep the placeholders when translating. */
        const STR = {
                none: '—',
                thisHost: 'this host',
                echoDisabled: 'echo disabled',
                off: 'off',
                everybody: 'everybody',
                builtinDefaults: 'built-in defaults',
                lossRandom: '{loss} per round trip',
                lossGE: '{loss} on average, in bursts of {burst} datagrams',
                lossGENoBurst: '{loss} on average (the link never leaves the good state)',
                geParams: '{model} (p {p}, r {r}, loss good {good}, bad {bad})',
                delayJitter: '{delay} ± {jitter} ({distribution})',
                reorderGap: '{reorder} (gap {gap})',
                rateLimit: '{rate} replies/s per source (burst {burst})',
                perSecond: 'per second',
                dashboardShare: '{n} status polls, not charted',
                droppedOnPurpose: '{share} dropped on purpose',
                openConns: '{n} open',
                acceptedConns: '{n} accepted',
                reloads: '{ok} applied, {failed} rejected',
                indexLive: 'Live from the running daemon; edit the config and reload to change it.',
                indexDown: 'The status API is not reachable ({why}), so the current impairment is unknown.',
                connecting: 'Connecting to the status API…',
                live: 'Live: the values below update every second.',
                paused: 'Paused: the values below are frozen. Resume to catch up.',
                apiDown: 'Cannot read the status API at {path}: {why}. Retrying every second.',
                updatedAt: 'updated {time}',
                pausedAt: 'showing {time}',
                staleAt: 'showing values from {time}',
                pause: 'Pause updates',
                resume: 'Resume updates',
                showTable: 'Show data table',
                hideTable: 'Hide data table',
                secondsAgo: 'Seconds ago',
                binLabel: '{from}–{to}',
                noData: 'No data yet.',
                seriesSummary: '{label}: {now} now, mean {mean}, peak {peak}, {trend}.',
                scale: 'Scale 0 to {top} over the last {minutes} minutes.',
                rising: 'rising',
                falling: 'falling',
                steady: 'steady',
                tooEarly: 'too early for a trend',
                axisStart: '−{minutes} min',
                axisNow: 'now',
                noResponses: 'No responses yet',
                nothingDropped: 'Nothing dropped',
                echoNotRunning: 'Echo service not running',
                errTimeout: 'no answer within {s} s',
                errUnreachable: 'the server cannot be reached (is netlabd running?)',
                err403: 'access refused (403): this address is not in http.status_allow',
                err404: 'not found (404): the status endpoint is disabled or at another path',
                errStatus: 'the server answered {status}',
                errJson: 'the answer is not valid JSON',
                errNotStatus: 'the answer is not a netlab status document',
                seriesReceived: 'received',
                seriesReplied: 'replied',
                seriesDropped: 'dropped',
                seriesRequests: 'requests',
                seriesErrors: 'errors (4xx+5xx)',
                seriesHttpBytes: 'HTTP responses',
                seriesEchoBytes: 'echo out',
                drop_loss: 'emulated loss',
                drop_rate_limit: 'rate limit',
                drop_low_port: 'low source port',
                drop_self: 'reply to self',
                drop_queue_full: 'delay queue full',
                drop_too_big: 'larger than max_payload',
                drop_truncated: 'truncated',
                drop_send_error: 'send error',
                groupDefault: 'everyone else',
                groupLink: '{loss}',
                groupLinkDelay: '{loss}; delay {delay}',
                lossNone: 'no loss',
                noClients: 'No client has sent anything yet',
                clientsTruncated: 'Showing the {n} most recently active clients; more are active.',
                clientsHint: 'Select a client to see its recent decisions.',
                clientsDown: 'The client list is not available ({why}).',
                kind_probe: 'netlab probes',
                kind_plain: 'plain datagrams',
                kind_lab_compat: 'lab server mode',
                lastSeenAgo: '{s} s ago',
                silentFor: 'silent for {s} s',
                showRecord: 'Show the recent decisions for {peer}',
                recordTitle: 'Recent decisions for {peer}',
                recordCaption: 'Decisions for {peer}, newest first (at most {n})',
                recordOff: 'The record is off (echo.record = 0).',
                recordEmpty: 'No decisions recorded for this client.',
                seqProbe: 'probe #{seq}',
                verdictReplied: 'replied',
                verdictDropped: 'dropped ({reason})',
                reason_loss: 'emulated loss',
                reason_rate_limit: 'rate limit',
                reason_queue_full: 'delay queue full',
                reason_loop: 'echo loop',
                flagDuplicated: 'duplicated',
                flagReordered: 'reordered',
        };
        const LOCALE = 'en-US';
        const TIME_LOCALE = 'en-GB';

        function t(key, vars) {
                const s = STR[key];
                if (!vars)
                        return s;
                return s.replace(/\{(\w+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
        }

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
                        return STR.none;
                return Math.round(v).toLocaleString(LOCALE);
        }

        /* 12.3/s, or "12.3 per second" for a unit that is a word */
        function fmtRate(v, unit) {
                if (!isNum(v))
                        return STR.none;
                const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
                return v.toFixed(digits) + (unit.startsWith('/') ? '' : ' ') + unit;
        }

        const BYTE_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

        function fmtBytes(v) {
                if (!isNum(v))
                        return STR.none;
                let i = 0;
                while (Math.abs(v) >= 1024 && i < BYTE_UNITS.length - 1) {
                        v /= 1024;
                        i++;
                }
                return (i === 0 ? v.toFixed(0) : v.toFixed(v >= 100 ? 0 : 1)) + ' ' + BYTE_UNITS[i];
        }

        function fmtPercent(p) {
                if (!isNum(p))
                        return STR.none;
                const pct = p * 100;
                /* a no-break space: "30 %" never splits across lines */
                return (Number.isInteger(pct) ? pct.toFixed(0) : pct.toFixed(pct < 1 ? 2 : 1)) + '\u00a0%';
        }

        function fmtMs(ms) {
                if (!isNum(ms))
                        return STR.none;
                if (ms >= 1000)
                        return (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2) + ' s';
                return (Number.isInteger(ms) ? ms.toFixed(0) : ms.toFixed(2)) + ' ms';
        }

        function fmtUptime(s) {
                if (!isNum(s))
                        return STR.none;
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

        function fmtTime(d) {
                return d.toLocaleTimeString(TIME_LOCALE);
        }

        /* Writes only on change: a rewrite with the same text is still a DOM mutation, and
         * inside a live region a screen reader may announce it again. */
        function setText(id, text) {
                const el = typeof id === 'string' ? document.getElementById(id) : id;
                if (el && el.textContent !== text)
                        el.textContent = text;
        }

        /* A list of addresses (or CIDRs) as one span.tok per item: lines wrap between
         * items, never inside "127.0.0.1:8080". */
        function setTokens(id, list) {
                const el = document.getElementById(id);
                if (!el)
                        return;
                const items = Array.isArray(list) ? list.map(String) : [];
                const key = JSON.stringify(items);
                if (el.dataset.tokens === key)
                        return;
                el.dataset.tokens = key;
                if (items.length === 0) {
                        el.textContent = STR.none;
                        return;
                }
                const frag = document.createDocumentFragment();
                items.forEach((s, i) => {
                        if (i > 0)
                                frag.append(', ');
                        const span = document.createElement('span');
                        span.className = 'tok';
                        span.textContent = s;
                        frag.append(span);
                });
                el.replaceChildren(frag);
        }

        /* A file path that may wrap only after a '/': one span.tok per component. */
        function setPath(id, path) {
                const el = document.getElementById(id);
                if (!el || el.dataset.path === path)
                        return;
                el.dataset.path = path;
                const frag = document.createDocumentFragment();
                const parts = path.split(/(?<=\/)/);
                parts.forEach((p, i) => {
                        const span = document.createElement('span');
                        span.className = 'tok';
                        span.textContent = p;
                        frag.append(span);
                        if (i < parts.length - 1)
                                frag.append(document.createElement('wbr'));
                });
                el.replaceChildren(frag);
        }

        /* "127.0.0.1:8080" or "[::1]:8080" -> "8080" */
        function portOf(listen) {
                const m = /:(\d+)$/.exec(String(listen));
                return m ? m[1] : null;
        }

        /* location.hostname keeps the brackets of an IPv6 literal; nc and Python do not
         * want them. */
        function bareHostname() {
                return (window.location.hostname || '').replace(/^\[(.*)\]$/, '$1');
        }

        /* ---- the loss model --------------------------------------------------------------- */

        /* The model's long-run figures, as netlab.conf(5) defines them. Gilbert-Elliott
         * (netem's "gemodel p r 1-h 1-k"): the link is in the bad state p/(p+r) of the
         * time, so the mean loss is (p * loss_bad + r * loss_good)/(p + r), and a stay
         * in the bad state lasts 1/r datagrams on average. With p = r = 0 the link stays
         * in the good state it starts in. */
        function lossModel(e) {
                const ge = e && e.gilbert_elliott;
                if (!(e && e.loss_model === 'gilbert-elliott' && ge))
                        return { model: 'random', mean: isNum(e && e.loss) ? e.loss : null };
                const p = ge.p, r = ge.r, good = ge.loss_good, bad = ge.loss_bad;
                if (![p, r, good, bad].every(isNum))
                        return { model: 'gilbert-elliott', mean: null };
                if (p + r === 0)
                        return { model: 'gilbert-elliott', mean: good, burst: null };
                return {
                        model: 'gilbert-elliott',
                        mean: (p * bad + r * good) / (p + r),
                        burst: r > 0 ? 1 / r : null,
                };
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
                                ? t('errTimeout', { s: TIMEOUT_MS / 1000 }) : STR.errUnreachable);
                } finally {
                        clearTimeout(timer);
                }
                if (resp.status === 403)
                        throw new ApiError(STR.err403);
                if (resp.status === 404)
                        throw new ApiError(STR.err404);
                if (!resp.ok)
                        throw new ApiError(t('errStatus', { status: resp.status }));

                let data;
                try {
                        data = await resp.json();
                } catch (e) {
                        throw new ApiError(STR.errJson);
                }
                if (!data || typeof data !== 'object' || !data.config)
                        throw new ApiError(STR.errNotStatus);
                return data;
        }

        /* Fills the impairment summary shared by index.html and status.html. */
        function showEchoConfig(cfg) {
                const e = (cfg && cfg.echo) || {};
                if (e.enabled === false) {
                        for (const id of ['cfg-loss', 'cfg-loss-model', 'cfg-delay', 'cfg-duplicate',
                                          'cfg-reorder', 'cfg-rate'])
                                setText(id, STR.echoDisabled);
                } else {
                        const lm = lossModel(e);
                        let loss = t('lossRandom', { loss: fmtPercent(lm.mean) });
                        if (lm.model === 'gilbert-elliott')
                                loss = lm.burst
                                        ? t('lossGE', { loss: fmtPercent(lm.mean),
                                                        burst: lm.burst.toFixed(1) })
                                        : t('lossGENoBurst', { loss: fmtPercent(lm.mean) });
                        setText('cfg-loss', loss);
                        const ge = e.gilbert_elliott;
                        let model = String(e.loss_model || STR.none);
                        if (e.loss_model === 'gilbert-elliott' && ge)
                                model = t('geParams', { model, p: fmtPercent(ge.p), r: fmtPercent(ge.r),
                                                        good: fmtPercent(ge.loss_good),
                                                        bad: fmtPercent(ge.loss_bad) });
                        setText('cfg-loss-model', model);
                        let delay = fmtMs(e.delay_ms);
                        if (isNum(e.jitter_ms) && e.jitter_ms > 0)
                                delay = t('delayJitter', { delay, jitter: fmtMs(e.jitter_ms),
                                                           distribution: String(e.distribution) });
                        setText('cfg-delay', delay);
                        setText('cfg-duplicate', fmtPercent(e.duplicate));
                        setText('cfg-reorder', isNum(e.reorder) && e.reorder > 0
                                ? t('reorderGap', { reorder: fmtPercent(e.reorder), gap: fmtCount(e.reorder_gap) })
                                : fmtPercent(e.reorder));
                        setText('cfg-rate', isNum(e.rate_limit) && e.rate_limit > 0
                                ? t('rateLimit', { rate: fmtCount(e.rate_limit), burst: fmtCount(e.rate_burst) })
                                : STR.off);
                }
                setTokens('cfg-echo-listen', e.listen);
        }

        /* ---- index.html and helloWorld.html ------------------------------------------------ */

        function fillHostNames() {
                for (const el of document.querySelectorAll('.js-host'))
                        el.textContent = window.location.host || STR.thisHost;
                for (const el of document.querySelectorAll('.js-hostname'))
                        el.textContent = bareHostname() || 'HOST';
                for (const el of document.querySelectorAll('.js-hostport'))
                        el.textContent = window.location.host || 'HOST:8080';
        }

        function initIndex() {
                fillHostNames();
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
                                                setText(el, port);
                                        showPingTarget(port);
                                }
                                setText('impair-state', STR.indexLive);
                        } catch (e) {
                                setText('impair-state', t('indexDown', { why: e.message }));
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

        /* An axis from 0 to at least @max with at most five intervals of a round step
         * (1, 2 or 5 x 10^n, at least @minStep). An empty chart gets 0 to 5. Returns
         * { top, step }. */
        function niceScale(max, minStep) {
                if (!(max > 0))
                        max = 5;
                for (let p = Math.pow(10, Math.floor(Math.log10(max / 5))); ; p *= 10)
                        for (const m of [1, 2, 5]) {
                                const step = Math.max(m * p, minStep);
                                if (Math.ceil(max / step - 1e-9) <= 5)
                                        return { top: step * Math.max(1, Math.ceil(max / step - 1e-9)), step };
                        }
        }

        function decimalsFor(step) {
                return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
        }

        /* Axis kinds: the tick labels are round in the unit they are printed in, so a
         * bytes axis picks KiB or MiB first and then a 1-2-5 step in that unit. */
        const AXES = {
                rate: {
                        format: v => fmtRate(v, '/s'),
                        ticks(max) {
                                const { top, step } = niceScale(max, 0.001);
                                const d = decimalsFor(step), out = [];
                                for (let i = 0; i * step <= top + step / 2; i++)
                                        out.push({ v: i * step, label: (i === 0 ? '0' : (i * step).toFixed(d)) + '/s' });
                                return { top, ticks: out };
                        },
                },
                bytes: {
                        format: v => isNum(v) ? fmtBytes(v) + '/s' : STR.none,
                        ticks(max) {
                                let u = 0;
                                while (max >= 1024 && u < BYTE_UNITS.length - 1) {
                                        max /= 1024;
                                        u++;
                                }
                                const k = Math.pow(1024, u);
                                const { top, step } = niceScale(max, u === 0 ? 1 : 0.001);
                                const d = decimalsFor(step), out = [];
                                for (let i = 0; i * step <= top + step / 2; i++)
                                        out.push({ v: i * step * k,
                                                   label: i === 0 ? '0 B/s' : (i * step).toFixed(d) + ' ' + BYTE_UNITS[u] + '/s' });
                                return { top: top * k, ticks: out };
                        },
                },
        };

        /* Line patterns and markers: the series differ in more than hue (WCAG 1.4.1). */
        const PATTERNS = [
                { dash: [], marker: 'circle' },
                { dash: [10, 5], marker: 'square' },
                { dash: [2, 4], marker: 'triangle' },
        ];

        function drawMarker(g, shape, x, y, r) {
                g.beginPath();
                if (shape === 'circle')
                        g.arc(x, y, r, 0, 2 * Math.PI);
                else if (shape === 'square')
                        g.rect(x - r, y - r, 2 * r, 2 * r);
                else {
                        g.moveTo(x, y - r * 1.2);
                        g.lineTo(x + r * 1.1, y + r * 0.8);
                        g.lineTo(x - r * 1.1, y + r * 0.8);
                        g.closePath();
                }
                g.fill();
        }

        const SVG = 'http://www.w3.org/2000/svg';

        /* The legend's swatch: the series' colour, dash pattern and marker. */
        function swatch(color, pattern) {
                const svg = document.createElementNS(SVG, 'svg');
                svg.setAttribute('width', '36');
                svg.setAttribute('height', '14');
                svg.setAttribute('viewBox', '0 0 36 14');
                svg.setAttribute('aria-hidden', 'true');
                svg.setAttribute('focusable', 'false');
                const line = document.createElementNS(SVG, 'line');
                for (const [k, v] of [['x1', 1], ['y1', 7], ['x2', 35], ['y2', 7], ['stroke', color],
                                      ['stroke-width', 3]])
                        line.setAttribute(k, v);
                if (pattern.dash.length)
                        line.setAttribute('stroke-dasharray', pattern.dash.join(' '));
                let mark;
                if (pattern.marker === 'circle') {
                        mark = document.createElementNS(SVG, 'circle');
                        mark.setAttribute('cx', 18);
                        mark.setAttribute('cy', 7);
                        mark.setAttribute('r', 4);
                } else if (pattern.marker === 'square') {
                        mark = document.createElementNS(SVG, 'rect');
                        for (const [k, v] of [['x', 14], ['y', 3], ['width', 8], ['height', 8]])
                                mark.setAttribute(k, v);
                } else {
                        mark = document.createElementNS(SVG, 'polygon');
                        mark.setAttribute('points', '18,2 23,11 13,11');
                }
                mark.setAttribute('fill', color);
                svg.append(line, mark);
                return svg;
        }

        class Chart {
                /* @id: the card's suffix (chart-ID, legend-ID, summary-ID, table-ID);
                 * series: [{ label, color: CSS variable name }]; axis: a key of AXES. */
                constructor(id, series, axis) {
                        this.canvas = document.getElementById('chart-' + id);
                        this.legend = document.getElementById('legend-' + id);
                        this.summary = document.getElementById('summary-' + id);
                        this.table = document.getElementById('table-' + id);
                        this.toggle = document.querySelector('#card-' + id + ' .table-toggle');
                        this.axis = AXES[axis];
                        this.series = series.map((s, i) => Object.assign({}, s, PATTERNS[i]));
                        this.data = series.map(() => []);
                        this.n = 0;             /* samples pushed in all, for marker phase */
                        this.layout = null;     /* last draw's geometry, read by the browser test */
                        this.legendValues = [];
                        this.canvas.setAttribute('aria-describedby', this.summary.id);
                        this.buildLegend();
                        this.toggle.addEventListener('click', () => {
                                const open = this.toggle.getAttribute('aria-expanded') !== 'true';
                                this.toggle.setAttribute('aria-expanded', String(open));
                                this.toggle.textContent = open ? STR.hideTable : STR.showTable;
                                this.table.hidden = !open;
                                if (open)
                                        this.renderTable();
                        });
                        this.toggle.textContent = STR.showTable;
                }

                buildLegend() {
                        this.legend.replaceChildren();
                        this.legendValues = [];
                        for (const s of this.series) {
                                const li = document.createElement('li');
                                const val = document.createElement('span');
                                val.className = 'legend-value';
                                val.textContent = STR.none;
                                li.append(swatch(cssVar(s.color, '#888'), s), s.label + ': ', val);
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
                        });
                        this.n++;
                }

                clear() {
                        this.data = this.series.map(() => []);
                }

                max() {
                        let max = 0;
                        for (const d of this.data)
                                for (const v of d)
                                        if (v !== null && v > max)
                                                max = v;
                        return max;
                }

                /* Legend values, the text summary and (when open) the data table. */
                render() {
                        this.data.forEach((d, i) => setText(this.legendValues[i], this.axis.format(d[d.length - 1])));
                        const parts = [];
                        this.data.forEach((d, i) => {
                                const vals = d.filter(v => v !== null);
                                if (vals.length === 0)
                                        return;
                                const now = vals[vals.length - 1];
                                const mean = vals.reduce((a, b) => a + b, 0) / vals.length;
                                const peak = Math.max(...vals);
                                let trend = STR.tooEarly;
                                if (vals.length >= 3) {
                                        const recent = vals.slice(-30);
                                        const m = recent.reduce((a, b) => a + b, 0) / recent.length;
                                        const tol = Math.max(0.1 * m, 0.1 * peak, 1e-9);
                                        trend = now > m + tol ? STR.rising : now < m - tol ? STR.falling : STR.steady;
                                }
                                parts.push(t('seriesSummary', { label: this.series[i].label,
                                        now: this.axis.format(now), mean: this.axis.format(mean),
                                        peak: this.axis.format(peak), trend }));
                        });
                        const top = this.axis.ticks(this.max());
                        parts.push(t('scale', { top: top.ticks[top.ticks.length - 1].label,
                                                minutes: HISTORY / 60 }));
                        setText(this.summary, parts.length > 1 ? parts.join(' ') : STR.noData);
                        if (!this.table.hidden)
                                this.renderTable();
                        this.draw();
                }

                /* 10-second means, newest first. */
                renderTable() {
                        const tbody = this.table.querySelector('tbody');
                        const len = Math.max(...this.data.map(d => d.length));
                        const frag = document.createDocumentFragment();
                        for (let end = len; end > 0; end -= TABLE_BIN_S) {
                                const start = Math.max(0, end - TABLE_BIN_S);
                                const tr = document.createElement('tr');
                                const th = document.createElement('th');
                                th.scope = 'row';
                                th.textContent = t('binLabel', { from: len - start, to: len - end });
                                tr.append(th);
                                for (const d of this.data) {
                                        const off = len - d.length;
                                        const vals = d.slice(Math.max(0, start - off), Math.max(0, end - off))
                                                      .filter(v => v !== null);
                                        const td = document.createElement('td');
                                        td.className = 'num';
                                        td.textContent = vals.length
                                                ? this.axis.format(vals.reduce((a, b) => a + b, 0) / vals.length)
                                                : STR.none;
                                        tr.append(td);
                                }
                                frag.append(tr);
                        }
                        tbody.replaceChildren(frag);
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

                        const { top: max, ticks } = this.axis.ticks(this.max());
                        g.font = CHART_FONT_PX + 'px ' + cssVar('--sans', 'sans-serif');
                        /* The margin is as wide as the widest label, so none is clipped. */
                        const widths = ticks.map(tk => Math.ceil(g.measureText(tk.label).width));
                        const left = Math.max(...widths) + 12, right = 10;
                        const top = Math.ceil(CHART_FONT_PX * 0.7), bottom = CHART_FONT_PX + 10;
                        const pw = w - left - right, ph = h - top - bottom;
                        this.layout = { ticks: ticks.map(tk => tk.label), tickWidths: widths, left,
                                        fontPx: CHART_FONT_PX };

                        g.textBaseline = 'middle';
                        g.textAlign = 'right';
                        g.lineWidth = 1;
                        g.setLineDash([]);
                        const muted = cssVar('--muted', '#666');
                        for (const tk of ticks) {
                                const y = Math.round(top + ph - ph * tk.v / max) + 0.5;
                                g.strokeStyle = cssVar('--border', '#ddd');
                                g.beginPath();
                                g.moveTo(left, y);
                                g.lineTo(left + pw, y);
                                g.stroke();
                                g.fillStyle = muted;
                                g.fillText(tk.label, left - 8, y);
                        }
                        g.textAlign = 'left';
                        g.textBaseline = 'alphabetic';
                        g.fillText(t('axisStart', { minutes: HISTORY / 60 }), left, h - 4);
                        g.textAlign = 'right';
                        g.fillText(STR.axisNow, left + pw, h - 4);

                        /* series: newest sample at the right edge, one step per second */
                        const step = pw / (HISTORY - 1);
                        this.data.forEach((d, si) => {
                                const s = this.series[si];
                                const color = cssVar(s.color, '#888');
                                const x0 = left + pw - (d.length - 1) * step;
                                const at = (v, i) => [x0 + i * step, top + ph - ph * v / max];
                                g.strokeStyle = color;
                                g.fillStyle = color;
                                g.lineWidth = 3;
                                g.lineJoin = 'round';
                                g.setLineDash(s.dash);
                                g.beginPath();
                                let pen = false;
                                d.forEach((v, i) => {
                                        if (v === null) {
                                                pen = false;
                                                return;
                                        }
                                        const [x, y] = at(v, i);
                                        if (pen)
                                                g.lineTo(x, y);
                                        else
                                                g.moveTo(x, y);
                                        pen = true;
                                });
                                g.stroke();
                                g.setLineDash([]);
                                /* Markers ride with their samples: the phase counts every
                                 * sample ever pushed, offset per series so they do not stack. */
                                const first = this.n - d.length;
                                d.forEach((v, i) => {
                                        if (v !== null && (first + i + si * 5) % MARKER_EVERY === 0)
                                                drawMarker(g, s.marker, ...at(v, i), 4.5);
                                });
                        });
                }
        }

        /* ---- status.html ------------------------------------------------------------------ */

        const DROP_REASONS = ['loss', 'rate_limit', 'low_port', 'self', 'queue_full', 'too_big',
                              'truncated', 'send_error'];

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

        /* HTTP requests without the status page's and scrapers' own polls, when the server
         * counts those apart (http.dashboard_requests, optional). */
        function userRequests(h) {
                if (!h || !isNum(h.requests))
                        return null;
                return isNum(h.dashboard_requests) ? h.requests - h.dashboard_requests : h.requests;
        }

        /* /api/flows next to the status document: /api/status -> /api/flows, and a
         * fixture's status.json -> flows.json. */
        function flowsPath() {
                return apiPath().replace(/status(\.json)?$/, 'flows$1');
        }

        async function fetchJson(url) {
                const ctl = new AbortController();
                const timer = setTimeout(() => ctl.abort(), TIMEOUT_MS);
                try {
                        const resp = await fetch(url, { cache: 'no-store', signal: ctl.signal,
                                                        headers: { Accept: 'application/json' } });
                        if (!resp.ok)
                                throw new ApiError(t('errStatus', { status: resp.status }));
                        return await resp.json();
                } catch (e) {
                        if (e instanceof ApiError)
                                throw e;
                        throw new ApiError(e.name === 'AbortError' ? t('errTimeout', { s: TIMEOUT_MS / 1000 })
                                                                   : STR.errUnreachable);
                } finally {
                        clearTimeout(timer);
                }
        }

        const RECORD_ROWS = 50;         /* decisions shown for the selected client */
        const SILENT_S = 10;            /* a client this long without a datagram is "silent" */

        function cell(text, cls) {
                const td = document.createElement('td');
                if (cls)
                        td.className = cls;
                td.textContent = text;
                return td;
        }

        /* A count with its per-second rate under it. */
        function countCell(total, rate) {
                const td = cell(fmtCount(total), 'num');
                const sub = document.createElement('span');
                sub.className = 'sub';
                sub.textContent = fmtRate(rate, '/s');
                td.append(sub);
                return td;
        }

        function emptyRow(tbody, cols, text) {
                const tr = document.createElement('tr');
                const td = cell(text, 'muted');
                td.colSpan = cols;
                tr.append(td);
                tbody.replaceChildren(tr);
        }

        function groupLink(p) {
                const imp = p.impairment || {};
                let loss;
                if (!isNum(p.mean_loss) || p.mean_loss === 0)
                        loss = STR.lossNone;
                else if (imp.loss_model === 'gilbert-elliott' && isNum(p.mean_burst) && p.mean_burst > 0)
                        loss = t('lossGE', { loss: fmtPercent(p.mean_loss), burst: p.mean_burst.toFixed(1) });
                else
                        loss = t('lossRandom', { loss: fmtPercent(p.mean_loss) });
                if (isNum(imp.delay_ms) && imp.delay_ms > 0) {
                        let delay = fmtMs(imp.delay_ms);
                        if (isNum(imp.jitter_ms) && imp.jitter_ms > 0)
                                delay += ' ± ' + fmtMs(imp.jitter_ms);
                        return t('groupLinkDelay', { loss, delay });
                }
                return t('groupLink', { loss });
        }

        /* The Groups and Clients tables (status.html with classroom profiles). */
        function initClassroom() {
                const section = document.getElementById('classroom');
                const groups = document.getElementById('groups');
                const clients = document.getElementById('clients');
                const note = document.getElementById('clients-note');
                const recordBox = document.getElementById('client-record');
                let prevGroups = null;  /* { t, byName: { name: {received, replied, dropped} } } */
                let selected = null;    /* the peer whose record is shown */
                let busy = false;

                const showRecord = async (peer, focus) => {
                        selected = peer;
                        for (const b of clients.querySelectorAll('.peer-button'))
                                b.setAttribute('aria-pressed', String(b.dataset.peer === peer));
                        let doc;
                        try {
                                doc = await fetchJson(flowsPath() + '?peer=' + encodeURIComponent(peer));
                        } catch (e) {
                                return;
                        }
                        const rec = doc && doc.record;
                        setText('record-title', t('recordTitle', { peer }));
                        setText('record-caption', t('recordCaption', { peer, n: RECORD_ROWS }));
                        const tbody = document.getElementById('record');
                        const entries = rec && Array.isArray(rec.entries)
                                ? rec.entries.filter(e => e.peer === peer).slice(0, RECORD_ROWS) : [];
                        if (!rec || rec.size === 0)
                                emptyRow(tbody, 5, STR.recordOff);
                        else if (entries.length === 0)
                                emptyRow(tbody, 5, STR.recordEmpty);
                        else {
                                const frag = document.createDocumentFragment();
                                for (const e of entries) {
                                        const tr = document.createElement('tr');
                                        const when = isNum(e.time) ? fmtTime(new Date(e.time * 1000)) : STR.none;
                                        const what = isNum(e.seq) ? t('seqProbe', { seq: e.seq }) : String(e.payload ?? '');
                                        const dropped = e.verdict === 'dropped';
                                        let verdict = dropped
                                                ? t('verdictDropped', { reason: STR['reason_' + e.reason] || String(e.reason) })
                                                : STR.verdictReplied;
                                        if (e.duplicated)
                                                verdict += ', ' + STR.flagDuplicated;
                                        if (e.reordered)
                                                verdict += ', ' + STR.flagReordered;
                                        const datagram = cell(what);
                                        datagram.classList.add('mono');
                                        tr.append(cell(when), datagram, cell(fmtCount(e.bytes), 'num'),
                                                  cell(verdict, dropped ? 'verdict-dropped' : ''),
                                                  cell(dropped ? STR.none : fmtMs(e.delay_ms), 'num'));
                                        frag.append(tr);
                                }
                                tbody.replaceChildren(frag);
                        }
                        recordBox.hidden = false;
                        if (focus)
                                document.getElementById('record-title').focus();
                };

                const renderGroups = (s) => {
                        const profiles = s.echo && Array.isArray(s.echo.profiles) ? s.echo.profiles : [];
                        const on = profiles.length > 1;
                        section.hidden = !on;
                        if (!on)
                                return false;
                        const now = s.uptime_seconds;
                        const byName = {};
                        const frag = document.createDocumentFragment();
                        for (const p of profiles) {
                                const dropped = sumValues(p.dropped);
                                const pv = prevGroups && prevGroups.byName[p.name];
                                const dt = prevGroups ? now - prevGroups.t : 0;
                                const rate = (a, b) => (pv && dt > 0 && isNum(a) && isNum(b) && a >= b) ? (a - b) / dt : null;
                                byName[p.name] = { received: p.received, replied: p.replied, dropped };
                                const tr = document.createElement('tr');
                                const name = cell(String(p.name));
                                const match = document.createElement('span');
                                match.className = 'sub';
                                match.textContent = p.name === 'default' ? STR.groupDefault : String(p.match ?? '');
                                name.append(match);
                                tr.append(name, cell(groupLink(p)), cell(fmtCount(p.flows), 'num'),
                                          countCell(p.received, rate(p.received, pv && pv.received)),
                                          countCell(p.replied, rate(p.replied, pv && pv.replied)),
                                          countCell(dropped, rate(dropped, pv && pv.dropped)));
                                frag.append(tr);
                        }
                        groups.replaceChildren(frag);
                        prevGroups = { t: now, byName };
                        return true;
                };

                const renderClients = (doc) => {
                        const flows = Array.isArray(doc.flows) ? doc.flows : [];
                        setText(note, doc.truncated ? t('clientsTruncated', { n: fmtCount(flows.length) }) : STR.clientsHint);
                        if (flows.length === 0) {
                                emptyRow(clients, 7, STR.noClients);
                                return;
                        }
                        const frag = document.createDocumentFragment();
                        for (const f of flows) {
                                const tr = document.createElement('tr');
                                const peerCell = document.createElement('td');
                                const b = document.createElement('button');
                                b.type = 'button';
                                b.className = 'peer-button';
                                b.dataset.peer = String(f.peer);
                                b.textContent = String(f.peer);
                                b.setAttribute('aria-label', t('showRecord', { peer: String(f.peer) }));
                                b.setAttribute('aria-pressed', String(f.peer === selected));
                                b.addEventListener('click', () => showRecord(String(f.peer), true));
                                peerCell.append(b);
                                const silent = isNum(f.idle_seconds) && f.idle_seconds >= SILENT_S;
                                const idle = isNum(f.idle_seconds) ? Math.round(f.idle_seconds) : null;
                                const seen = cell(idle === null ? STR.none
                                        : t(silent ? 'silentFor' : 'lastSeenAgo', { s: fmtCount(idle) }), silent ? 'silent' : '');
                                tr.append(peerCell, cell(String(f.profile ?? STR.none)),
                                          cell(STR['kind_' + f.kind] || String(f.kind)),
                                          cell(fmtCount(f.received), 'num'), cell(fmtCount(f.replied), 'num'),
                                          cell(fmtCount(sumValues(f.dropped)), 'num'), seen);
                                frag.append(tr);
                        }
                        /* Keep keyboard focus on the same client across the refresh. */
                        const focused = document.activeElement && document.activeElement.dataset
                                ? document.activeElement.dataset.peer : null;
                        clients.replaceChildren(frag);
                        if (focused)
                                for (const b of clients.querySelectorAll('.peer-button'))
                                        if (b.dataset.peer === focused)
                                                b.focus();
                };

                /* Called with each status document the page takes in. */
                return async (s) => {
                        if (!renderGroups(s) || busy)
                                return;
                        busy = true;
                        try {
                                renderClients(await fetchJson(flowsPath()));
                                if (selected)
                                        await showRecord(selected, false);
                        } catch (e) {
                                if (!(e instanceof ApiError))
                                        throw e;
                                setText(note, t('clientsDown', { why: e.message }));
                        } finally {
                                busy = false;
                        }
                };
        }

        function initStatus() {
                setText('api-path', apiPath());
                const charts = {
                        echo: new Chart('echo', [
                                { label: STR.seriesReceived, color: '--accent' },
                                { label: STR.seriesReplied, color: '--good' },
                                { label: STR.seriesDropped, color: '--bad' },
                        ], 'rate'),
                        http: new Chart('http', [
                                { label: STR.seriesRequests, color: '--accent-2' },
                                { label: STR.seriesErrors, color: '--warn' },
                        ], 'rate'),
                        bytes: new Chart('bytes', [
                                { label: STR.seriesHttpBytes, color: '--accent-2' },
                                { label: STR.seriesEchoBytes, color: '--accent' },
                        ], 'bytes'),
                };
                window.netlab = { charts };     /* for the browser test and the curious */

                const history = [];     /* { t, codes, dropped } for the last-minute columns */
                let prev = null;        /* previous sample: { t, echo, http, drops } */
                let last = null;        /* the sample on screen, with its rates */
                let lastOk = null;
                let paused = false;
                let pending = [];       /* samples that arrived while paused */
                let state = null;       /* what the live region said last: 'live', 'paused', error text */

                const conn = document.getElementById('conn');
                const connState = document.getElementById('conn-state');
                const connTime = document.getElementById('conn-time');
                const pauseBtn = document.getElementById('pause');
                const stats = document.querySelector('.stats');
                const classroom = initClassroom();

                /* A page opened mid-lab: the server's last two minutes (/api/status
                 * "history", one cumulative sample per second) fill the charts at once. */
                let seeded = false;
                const seedHistory = (s) => {
                        seeded = true;
                        const h = s.history;
                        if (!h || !Array.isArray(h.columns) || !Array.isArray(h.samples) || h.samples.length < 2)
                                return;
                        const col = Object.fromEntries(h.columns.map((c, i) => [c, i]));
                        const get = (row, c) => (c in col && isNum(row[col[c]])) ? row[col[c]] : null;
                        for (let i = 1; i < h.samples.length; i++) {
                                const a = h.samples[i - 1], b = h.samples[i];
                                const dt = get(b, 'uptime_seconds') - get(a, 'uptime_seconds');
                                const rate = (c) => {
                                        const x = get(a, c), y = get(b, c);
                                        return x !== null && y !== null && dt > 0 && y >= x ? (y - x) / dt : null;
                                };
                                charts.echo.push([rate('echo_received'), rate('echo_replied'), rate('echo_dropped')]);
                                charts.http.push([rate('http_requests'), rate('http_errors')]);
                                charts.bytes.push([rate('http_bytes'), rate('echo_bytes_out')]);
                        }
                };

                const redraw = () => {
                        for (const c of Object.values(charts))
                                c.draw();
                };
                window.addEventListener('resize', redraw);
                if (window.matchMedia)
                        window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => {
                                for (const c of Object.values(charts))
                                        c.buildLegend();
                                if (last)
                                        render();
                        });

                /* The live region speaks only when the state changes. */
                const announce = (key, text) => {
                        if (state === key)
                                return;
                        state = key;
                        connState.textContent = text;
                };

                /* Takes one status document into the model: counters, rates, chart samples. */
                const ingest = (s) => {
                        if (!seeded)
                                seedHistory(s);
                        const up = s.uptime_seconds;
                        const echo = s.echo, http = s.http;
                        const drops = echo ? sumValues(echo.dropped) : null;

                        /* A restart (uptime went back) makes every delta meaningless. */
                        if (prev && !(up > prev.t - 0.001)) {
                                prev = null;
                                history.length = 0;
                                for (const c of Object.values(charts))
                                        c.clear();
                        }

                        const rates = {};
                        if (prev) {
                                const dt = up - prev.t;
                                const rate = (a, b) => (isNum(a) && isNum(b) && dt > 0 && a >= b) ? (a - b) / dt : null;
                                const pe = prev.echo, ph = prev.http;
                                const errs = (h) => h && h.responses_by_class
                                        ? (h.responses_by_class['4xx'] || 0) + (h.responses_by_class['5xx'] || 0) : null;
                                rates.rx = echo && pe ? rate(echo.received, pe.received) : null;
                                rates.tx = echo && pe ? rate(echo.replied, pe.replied) : null;
                                rates.req = http && ph ? rate(userRequests(http), userRequests(ph)) : null;
                                if (dt > 0) {
                                        charts.echo.push([rates.rx, rates.tx,
                                                          echo && pe ? rate(drops, prev.drops) : null]);
                                        charts.http.push([rates.req, http && ph ? rate(errs(http), errs(ph)) : null]);
                                        charts.bytes.push([
                                                http && ph ? rate(http.response_bytes, ph.response_bytes) : null,
                                                echo && pe ? rate(echo.bytes_out, pe.bytes_out) : null,
                                        ]);
                                }
                        }
                        prev = { t: up, echo, http, drops };

                        let codes = (http && http.responses_by_code) || {};
                        /* A daemon without per-code accounting still has the classes. */
                        if (http && Object.keys(codes).length === 0 && http.responses_by_class)
                                codes = Object.fromEntries(Object.entries(http.responses_by_class)
                                                           .filter(([, v]) => v > 0));
                        history.push({ t: up, codes, dropped: (echo && echo.dropped) || {} });
                        while (history.length > WINDOW_S + 5)
                                history.shift();
                        last = { s, rates, drops, codes };
                };

                /* Puts the model on the page. */
                const render = () => {
                        const { s, rates, drops, codes } = last;
                        const up = s.uptime_seconds;
                        const echo = s.echo, http = s.http;

                        setText('uptime', fmtUptime(up));
                        setText('version', 'netlabd ' + String(s.version));
                        setText('echo-received', echo ? fmtCount(echo.received) : STR.off);
                        setText('echo-replied', echo ? fmtCount(echo.replied) : STR.off);
                        setText('echo-dropped', echo ? fmtCount(drops) : STR.off);
                        setText('echo-drop-share', echo && echo.received > 0
                                ? t('droppedOnPurpose', { share: fmtPercent(echo.dropped.loss / echo.received) })
                                : STR.none);
                        setText('http-requests', http ? fmtCount(http.requests) : STR.off);
                        setText('http-dashboard', http && isNum(http.dashboard_requests)
                                ? t('dashboardShare', { n: fmtCount(http.dashboard_requests) }) : '');
                        setText('http-open', http ? t('openConns', { n: fmtCount(http.open_connections) }) : STR.off);
                        setText('http-accepted', http ? t('acceptedConns', { n: fmtCount(http.connections_accepted) }) : STR.none);
                        setText('echo-queue', echo ? fmtCount(echo.queued_replies) : STR.none);
                        setText('echo-flows', echo ? fmtCount(echo.flows) : STR.none);
                        setText('reloads', t('reloads', { ok: fmtCount(s.daemon && s.daemon.reloads),
                                                           failed: fmtCount(s.daemon && s.daemon.reload_failures) }));
                        setText('echo-rx-rate', fmtRate(rates.rx, STR.perSecond));
                        setText('echo-tx-rate', fmtRate(rates.tx, STR.perSecond));
                        setText('http-req-rate', fmtRate(rates.req, STR.perSecond));

                        const cfg = s.config;
                        showEchoConfig(cfg);
                        const hc = cfg.http || {};
                        setTokens('cfg-http-listen', hc.listen);
                        setPath('cfg-root', String(hc.root ?? STR.none));
                        setText('cfg-maxconn', fmtCount(hc.max_connections));
                        setText('cfg-header-timeout', fmtMs(hc.header_timeout_ms));
                        setText('cfg-keepalive', fmtMs(hc.keepalive_timeout_ms));
                        if (Array.isArray(hc.status_allow) && hc.status_allow.length)
                                setTokens('cfg-allow', hc.status_allow);
                        else
                                setTokens('cfg-allow', [STR.everybody]);
                        setPath('cfg-path', String(cfg.path ?? STR.builtinDefaults));

                        for (const c of Object.values(charts))
                                c.render();

                        const base = windowBase(history, up);
                        const codeRows = Object.keys(codes).sort().map(code => ({
                                name: code,
                                badge: 'c' + code.charAt(0),
                                total: codes[code],
                                recent: codes[code] - (base.codes[code] || 0),
                        }));
                        fillTable('codes', codeRows, STR.noResponses);

                        const dropped = (echo && echo.dropped) || {};
                        const dropRows = DROP_REASONS.map(k => ({
                                name: STR['drop_' + k],
                                total: dropped[k],
                                recent: isNum(dropped[k]) ? dropped[k] - (base.dropped[k] || 0) : null,
                        })).filter(r => r.total > 0);
                        fillTable('drops', dropRows, echo ? STR.nothingDropped : STR.echoNotRunning);
                };

                const showOk = () => {
                        conn.className = 'banner ' + (paused ? 'paused' : 'ok');
                        stats.classList.remove('stale');
                        announce(paused ? 'paused' : 'live', paused ? STR.paused : STR.live);
                        if (lastOk && !paused)
                                setText(connTime, t('updatedAt', { time: fmtTime(lastOk) }));
                };

                pauseBtn.addEventListener('click', () => {
                        paused = !paused;
                        pauseBtn.setAttribute('aria-pressed', String(paused));
                        pauseBtn.textContent = paused ? STR.resume : STR.pause;
                        if (paused && lastOk)
                                setText(connTime, t('pausedAt', { time: fmtTime(lastOk) }));
                        if (!paused && pending.length) {
                                for (const p of pending)
                                        ingest(p.s);
                                lastOk = pending[pending.length - 1].at;
                                pending = [];
                                render();
                        }
                        if (state === 'live' || state === 'paused')
                                showOk();
                });
                pauseBtn.textContent = STR.pause;

                const poll = async () => {
                        const started = performance.now();
                        try {
                                const s = await fetchStatus();
                                if (paused) {
                                        pending.push({ s, at: new Date() });
                                        if (pending.length > HISTORY)
                                                pending.shift();
                                } else {
                                        ingest(s);
                                        render();
                                        lastOk = new Date();
                                        classroom(s);
                                }
                                showOk();
                        } catch (e) {
                                if (!(e instanceof ApiError))
                                        throw e;
                                conn.className = 'banner error';
                                const text = t('apiDown', { path: apiPath(), why: e.message });
                                announce(text, text);
                                setText(connTime, lastOk ? t('staleAt', { time: fmtTime(lastOk) }) : '');
                                stats.classList.add('stale');
                        } finally {
                                setTimeout(poll, Math.max(0, POLL_MS - (performance.now() - started)));
                        }
                };
                announce('connecting', STR.connecting);
                poll();
        }

        document.addEventListener('DOMContentLoaded', () => {
                const page = document.body.dataset.page;
                if (page === 'index')
                        initIndex();
                else if (page === 'hello')
                        fillHostNames();
                else if (page === 'status')
                        initStatus();
        });
})();
