/* netlab.js — the only script of the served pages. index.html shows the echo's current
 * impairment and commands that name this host; helloWorld.html fills its example command
 * with the host it was served from; status.html polls the status API every second and
 * draws the counters as rates on hand-drawn canvas charts. No framework, no network
 * access beyond this host.
 *
 * Everything that comes from the API is put into the page with textContent (never
 * innerHTML), so a hostile string in the configuration can never become markup. Every
 * string a person reads is in STR below, so the pages can be translated in one place.
 *
 * Languages (issue 19): English and Simplified Chinese. The script picks one from the
 * reader's own choice (the switch in the header, kept in localStorage) or else from the
 * browser's languages (navigator.languages: what it sends as Accept-Language), sets
 * <html lang>, and replaces the text of every element marked data-i18n with the
 * translation in PAGE_ZH. The English stays in the HTML, so the pages read right without
 * the script, and the server stays a plain static server whose responses never vary by
 * request header (no Vary: Accept-Language, one ETag per file, any cache works). */
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
        const STR_EN = {
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
                perSecondShort: '/s',
                legendLabel: '{label}: ',
                ms: '{n} ms',
                seconds: '{n} s',
                percent: '{n}\u00a0%',
                uptimeD: '{d}d {h}h {m}m',
                uptimeH: '{h}h {m}m {s}s',
                uptimeM: '{m}m {s}s',
                uptimeS: '{s}s',
                switchTo: '中文',
                switchLabel: '切换到中文',
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

        const STR_ZH = {
                none: '—',
                thisHost: '本机',
                echoDisabled: '回显已停用',
                off: '关闭',
                everybody: '所有人',
                builtinDefaults: '内置默认值',
                lossRandom: '每个往返 {loss}',
                lossGE: '平均 {loss}，突发丢包平均 {burst} 个数据报',
                lossGENoBurst: '平均 {loss}（链路始终处于好状态）',
                geParams: '{model}（p {p}，r {r}，好状态丢包 {good}，坏状态丢包 {bad}）',
                delayJitter: '{delay} ± {jitter}（{distribution}）',
                reorderGap: '{reorder}（间隔 {gap}）',
                rateLimit: '每个来源 {rate} 个应答/秒（突发 {burst}）',
                perSecond: '次/秒',
                dashboardShare: '{n} 次状态页轮询，不计入图表',
                droppedOnPurpose: '{share} 被有意丢弃',
                openConns: '{n} 个打开',
                acceptedConns: '已接受 {n} 个',
                reloads: '{ok} 次生效，{failed} 次被拒绝',
                indexLive: '来自正在运行的守护进程；修改配置并重新加载即可改变。',
                indexDown: '无法访问状态 API（{why}），因此不知道当前的损伤设置。',
                connecting: '正在连接状态 API…',
                live: '实时：下面的数值每秒更新。',
                paused: '已暂停：下面的数值已冻结。继续即可赶上。',
                apiDown: '无法读取 {path} 处的状态 API：{why}。每秒重试一次。',
                updatedAt: '更新于 {time}',
                pausedAt: '显示 {time} 的数值',
                staleAt: '显示 {time} 的数值',
                pause: '暂停更新',
                resume: '继续更新',
                showTable: '显示数据表',
                hideTable: '隐藏数据表',
                secondsAgo: '几秒前',
                binLabel: '{from}–{to}',
                noData: '暂无数据。',
                seriesSummary: '{label}：当前 {now}，平均 {mean}，峰值 {peak}，{trend}。',
                scale: '刻度为 0 到 {top}，时间跨度为最近 {minutes} 分钟。',
                rising: '上升',
                falling: '下降',
                steady: '平稳',
                tooEarly: '数据太少，看不出趋势',
                axisStart: '−{minutes} 分钟',
                axisNow: '现在',
                noResponses: '暂无响应',
                nothingDropped: '没有丢弃',
                echoNotRunning: '回显服务未运行',
                errTimeout: '{s} 秒内没有应答',
                errUnreachable: '无法连接服务器（netlabd 在运行吗？）',
                err403: '拒绝访问（403）：本地址不在 http.status_allow 中',
                err404: '未找到（404）：状态端点已停用或在另一个路径',
                errStatus: '服务器返回 {status}',
                errJson: '应答不是有效的 JSON',
                errNotStatus: '应答不是 netlab 状态文档',
                seriesReceived: '已接收',
                seriesReplied: '已应答',
                seriesDropped: '已丢弃',
                seriesRequests: '请求',
                seriesErrors: '错误（4xx+5xx）',
                seriesHttpBytes: 'HTTP 响应',
                seriesEchoBytes: '回显发出',
                drop_loss: '模拟丢包',
                drop_rate_limit: '速率限制',
                drop_low_port: '源端口过低',
                drop_self: '发给自己的应答',
                drop_queue_full: '时延队列已满',
                drop_too_big: '超过 max_payload',
                drop_truncated: '被截断',
                drop_send_error: '发送错误',
                perSecondShort: '/秒',
                legendLabel: '{label}：',
                ms: '{n} 毫秒',
                seconds: '{n} 秒',
                percent: '{n}%',
                uptimeD: '{d} 天 {h} 小时 {m} 分',
                uptimeH: '{h} 小时 {m} 分 {s} 秒',
                uptimeM: '{m} 分 {s} 秒',
                uptimeS: '{s} 秒',
                switchTo: 'English',
                switchLabel: 'Switch to English',
                groupDefault: '其他所有人',
                groupLink: '{loss}',
                groupLinkDelay: '{loss}；时延 {delay}',
                lossNone: '无丢包',
                noClients: '还没有客户端发送过任何数据',
                clientsTruncated: '显示最近活动的 {n} 个客户端；还有更多客户端在活动。',
                clientsHint: '选择一个客户端，查看它最近的判定。',
                clientsDown: '客户端列表不可用（{why}）。',
                kind_probe: 'netlab 探测包',
                kind_plain: '普通数据报',
                kind_lab_compat: '实验服务器模式',
                lastSeenAgo: '{s} 秒前',
                silentFor: '已沉默 {s} 秒',
                showRecord: '显示 {peer} 最近的判定',
                recordTitle: '{peer} 最近的判定',
                recordCaption: '{peer} 的判定，最新的在前（最多 {n} 条）',
                recordOff: '记录已关闭（echo.record = 0）。',
                recordEmpty: '这个客户端没有记录到判定。',
                seqProbe: '探测包 #{seq}',
                verdictReplied: '已应答',
                verdictDropped: '已丢弃（{reason}）',
                reason_loss: '模拟丢包',
                reason_rate_limit: '速率限制',
                reason_queue_full: '时延队列已满',
                reason_loop: '回显环路',
                flagDuplicated: '重复',
                flagReordered: '乱序',
        };

        /* The pages' own text in Chinese, by data-i18n key; "{0}" is the element's first child
         * element (see applyTemplate()). The English is in the HTML. */
        const PAGE_ZH = {
                "footer.back": '返回首页',
                "footer.served": '由 netlabd 提供',
                "footer.servedv": '由 netlabd {0} 提供',
                "hello.desc": '套接字编程实验的 hello-world 页面，由 netlabd 提供。',
                "hello.home": 'netlab 首页',
                "hello.l.home": '本机提供什么服务，以及如何测量。',
                "hello.l.missing": '看看 404 Not Found 是什么样子。',
                "hello.l.rfc9110": '规范中的方法、状态码和头部。',
                "hello.l.rfc9112": '你的服务器必须解析的报文语法。',
                "hello.l.status": '回显和 HTTP 计数器，每秒更新。',
                "hello.lead": '如果你能读到这段话，说明你的 HTTP 请求已经到达这里并返回了：建立了一个 TCP 连接，发送了 {0}，netlabd 用 {1} 应答，{2} 为 {3}，消息体就是这个文件。',
                "hello.li1": '发送 {0} 头部：HTTP/1.1 要求必须有（RFC 9112 第 3.2 节），没有它 netlabd 会回答 {1}。',
                "hello.li2": '每一行以 CRLF（{0}）结尾，请求头以一个空行结束。',
                "hello.li3": '然后，要么发送 {0} 并一直读到服务器关闭连接，要么恰好读取 {1} 字节的消息体。否则 HTTP/1.1 连接会保持打开，等你的下一个请求，而一直读到 EOF 的客户端要等到保持连接超时（默认 15 秒）。',
                "hello.links": '链接',
                "hello.missing": '一个不存在的页面',
                "hello.own": '自己写客户端？',
                "hello.p": '这是 Web 服务器实验的页面。用你自己写的客户端、浏览器或终端获取它，比较它们各自发送和接收的内容：',
                "hello.rfc9110": 'RFC 9110：HTTP 语义',
                "hello.rfc9112": 'RFC 9112：HTTP/1.1',
                "hello.title": 'Hello, World! — netlab',
                "index.desc": '本机运行 netlabd：一个可配置网络损伤的 UDP 回显服务器，以及一个静态 HTTP/1.1 文件服务器。',
                "index.h1": '{0} 上的 netlab',
                "index.impair": '回显当前的损伤设置',
                "index.lead": '这台机器运行着 {0}：一个 UDP 回显服务器，它像一个可以配置的有损网络（丢包、突发丢包、时延、抖动、重复、乱序）；还有给你发送这个页面的小型 HTTP/1.1 文件服务器。两者在同一个端口上应答。',
                "index.loading": '正在加载实时配置…',
                "index.measure": '动手测量',
                "index.measure1": '回显的往返时延、丢包（分为去程、模拟和回程三部分）、抖动、重复和乱序：',
                "index.measure2": '对一个页面发 HTTP 请求，得到同样的统计：',
                "index.measure3": '任何 UDP 客户端都可以：不是 netlab 探测包的数据报会原样返回。',
                "index.nc": '新装的 Debian 或 Ubuntu 没有 {0}：它在 {1} 软件包里（{2}）。也可以用系统已经自带的 Python：',
                "index.p.api": '状态页上的全部内容，JSON 格式：版本、运行时间、配置、计数器。',
                "index.p.hello": '实验的页面：一个标题、一个段落、一个链接列表和一个样式表。',
                "index.p.metrics": '同样的计数器，Prometheus 文本格式，供抓取。',
                "index.p.status": '回显和 HTTP 流量、丢弃和状态码，每秒更新。',
                "index.pages": '页面',
                "index.title": 'netlab — 有损回显与小型 Web 服务器',
                "kv.active-flows": '活动的流',
                "kv.config-file": '配置文件',
                "kv.delay": '时延',
                "kv.document-root": '文档根目录',
                "kv.duplicate": '重复',
                "kv.echo-listens-on": '回显监听地址',
                "kv.header-timeout": '请求头超时',
                "kv.keep-alive-timeout": '保持连接超时',
                "kv.listens-on": '监听地址',
                "kv.loss": '丢包率',
                "kv.loss-model": '丢包模型',
                "kv.max-connections": '最大连接数',
                "kv.queued-replies": '排队的应答',
                "kv.rate-limit": '速率限制',
                "kv.reloads": '重新加载',
                "kv.reorder": '乱序',
                "kv.status-access": '状态访问权限',
                live: '实时状态',
                "nav.hello": 'Hello World',
                "nav.home": '首页',
                "nav.main": '主导航',
                "nav.status": '状态',
                "nf.go": '前往首页',
                "nf.h1": '未找到',
                "nf.lead": '文档根目录下这个路径没有文件。请检查拼写（路径区分大小写：实验页面是 {0}）。',
                "nf.status": 'HTTP 状态码 404',
                "nf.title": '404 未找到 — netlab',
                "st.c.bytes": '每秒字节数',
                "st.c.bytes.aria": '最近两分钟内每秒的 HTTP 响应字节数和回显字节数',
                "st.c.echo": '每秒回显数据报',
                "st.c.echo.aria": '最近两分钟内每秒回显接收、应答和丢弃的数据报',
                "st.c.http": '每秒 HTTP 请求',
                "st.c.http.aria": '最近两分钟内每秒的 HTTP 请求，服务器单独计数时不含状态页的轮询',
                "st.cap.bytes": '每秒字节数，10 秒平均值，最新的在前',
                "st.cap.echo": '每秒回显数据报，10 秒平均值，最新的在前',
                "st.cap.http": '每秒 HTTP 请求，10 秒平均值，最新的在前',
                "st.codes": 'HTTP 状态码',
                "st.conn": 'HTTP 连接',
                "st.desc": '这台 netlabd 的实时计数器：回显数据报、丢弃、HTTP 请求和状态码。',
                "st.drop": '回显已丢弃',
                "st.drops": '按原因统计的回显丢弃',
                "st.echocfg": '回显配置',
                "st.footer": '每秒轮询 {0} · 图表显示最近两分钟',
                "st.httpcfg": 'HTTP 配置',
                "st.metrics": 'Prometheus 指标',
                "st.noresp": '暂无响应',
                "st.req": 'HTTP 请求',
                "st.rx": '回显已接收',
                "st.summary": '摘要',
                "st.title": '实时状态 — netlab',
                "st.tx": '回显已应答',
                "st.uptime": '运行时间',
                "th.code": '状态码',
                "th.dropped": '已丢弃',
                "th.echo-out": '回显发出',
                "th.errors-4xx-5xx": '错误（4xx+5xx）',
                "th.http-responses": 'HTTP 响应',
                "th.last-minute": '最近一分钟',
                "th.reason": '原因',
                "th.received": '已接收',
                "th.replied": '已应答',
                "th.requests": '请求',
                "th.seconds-ago": '几秒前',
                "th.since-start": '启动以来',
                "st.groups": '分组',
                "st.groups.cap": '每个课堂配置一行：它的链路、客户端和数据报',
                "st.groups.note": '启动以来的计数，每项下方是上一次轮询以来的每秒速率。',
                "st.clients": '客户端',
                "st.clients.cap": '活动的回显客户端，最近活动的在前',
                "th.group": '分组',
                "th.link": '链路',
                "th.clients": '客户端',
                "th.client": '客户端',
                "th.kind": '类型',
                "th.last-seen": '最近活动',
                "th.time": '时间',
                "th.datagram": '数据报',
                "th.bytes": '字节',
                "th.verdict": '判定',
                "th.delay": '时延',
        };

        /* ---- the language ---------------------------------------------------------------- */

        const LANG_KEY = 'netlab-lang';

        /* The reader's choice if the switch was used, else the first of the browser's
         * languages we have: any Chinese but Traditional (zh-TW, zh-HK, zh-Hant) reads
         * Simplified, any English reads English; nothing we have: English. */
        function pickLang() {
                let saved = null;
                try {
                        saved = window.localStorage.getItem(LANG_KEY);
                } catch (e) {
                        saved = null;           /* storage off: follow the browser */
                }
                if (saved === 'en' || saved === 'zh-CN')
                        return saved;
                const prefs = navigator.languages && navigator.languages.length
                        ? navigator.languages : [navigator.language || 'en'];
                for (const l of prefs) {
                        const tag = String(l).toLowerCase();
                        if (tag.startsWith('en'))
                                return 'en';
                        if (tag === 'zh' || (tag.startsWith('zh-') && !/^zh-(tw|hk|mo|hant)/.test(tag)))
                                return 'zh-CN';
                }
                return 'en';
        }

        const LANG = pickLang();
        const STR = LANG === 'zh-CN' ? Object.assign({}, STR_EN, STR_ZH) : STR_EN;
        const LOCALE = LANG === 'zh-CN' ? 'zh-CN' : 'en-US';
        const TIME_LOCALE = LANG === 'zh-CN' ? 'zh-CN' : 'en-GB';
        document.documentElement.lang = LANG;

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

        /* Numbers in the page's language, with exactly @digits decimals (Intl.NumberFormat;
         * one formatter per digit count). */
        const NUMBER_FORMATS = [];
        function fmtNum(v, digits) {
                if (!NUMBER_FORMATS[digits])
                        NUMBER_FORMATS[digits] = new Intl.NumberFormat(LOCALE, {
                                minimumFractionDigits: digits, maximumFractionDigits: digits,
                        });
                return NUMBER_FORMATS[digits].format(v);
        }

        function fmtCount(v) {
                if (!isNum(v))
                        return STR.none;
                return fmtNum(Math.round(v), 0);
        }

        /* 12.3/s, or "12.3 per second" for a unit that is a word */
        function fmtRate(v, unit) {
                if (!isNum(v))
                        return STR.none;
                const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
                return fmtNum(v, digits) + (unit.startsWith('/') ? '' : ' ') + unit;
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
                return fmtNum(v, i === 0 || v >= 100 ? 0 : 1) + ' ' + BYTE_UNITS[i];
        }

        function fmtPercent(p) {
                if (!isNum(p))
                        return STR.none;
                const pct = p * 100;
                /* a no-break space: "30 %" never splits across lines */
                return t('percent', { n: fmtNum(pct, Number.isInteger(pct) ? 0 : pct < 1 ? 2 : 1) });
        }

        function fmtMs(ms) {
                if (!isNum(ms))
                        return STR.none;
                if (ms >= 1000)
                        return t('seconds', { n: fmtNum(ms / 1000, ms % 1000 === 0 ? 0 : 2) });
                return t('ms', { n: fmtNum(ms, Number.isInteger(ms) ? 0 : 2) });
        }

        function fmtUptime(s) {
                if (!isNum(s))
                        return STR.none;
                s = Math.floor(s);
                const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600);
                const m = Math.floor(s % 3600 / 60), sec = s % 60;
                const n = { d: fmtNum(d, 0), h: fmtNum(h, 0), m: fmtNum(m, 0), s: fmtNum(sec, 0) };
                if (d > 0)
                        return t('uptimeD', n);
                if (h > 0)
                        return t('uptimeH', n);
                if (m > 0)
                        return t('uptimeM', n);
                return t('uptimeS', n);
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
                                                        burst: fmtNum(lm.burst, 1) })
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
                        format: v => fmtRate(v, STR.perSecondShort),
                        ticks(max) {
                                const { top, step } = niceScale(max, 0.001);
                                const d = decimalsFor(step), out = [];
                                for (let i = 0; i * step <= top + step / 2; i++)
                                        out.push({ v: i * step, label: fmtNum(i * step, i === 0 ? 0 : d) + STR.perSecondShort });
                                return { top, ticks: out };
                        },
                },
                bytes: {
                        format: v => isNum(v) ? fmtBytes(v) + STR.perSecondShort : STR.none,
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
                                                   label: (i === 0 ? fmtNum(0, 0) + ' B' : fmtNum(i * step, d) + ' ' + BYTE_UNITS[u])
                                                           + STR.perSecondShort });
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
                                li.append(swatch(cssVar(s.color, '#888'), s), t('legendLabel', { label: s.label }), val);
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

        /* ---- page text ------------------------------------------------------------------ */

        /* Puts @template into @el: "{0}", "{1}"... stand for el's child elements in their
         * order (a <code>, a link, a span the script fills later), which are moved, not
         * copied, so their own data-i18n and listeners stay; everything else is text.
         * No HTML is parsed: a translation can never become markup. */
        function applyTemplate(el, template) {
                const kids = Array.from(el.children);
                const frag = document.createDocumentFragment();
                for (const part of template.split(/(\{\d+\})/)) {
                        const m = /^\{(\d+)\}$/.exec(part);
                        if (m && kids[+m[1]])
                                frag.append(kids[+m[1]]);
                        else if (part)
                                frag.append(part);
                }
                el.replaceChildren(frag);
        }

        /* Translates the page: data-i18n="key" replaces the text, data-i18n-attr="attr:key
         * attr:key" attributes (aria-label, content). Keys missing from the table keep the
         * English, so a new English string never shows as a key. */
        function translatePage() {
                if (LANG === 'en')
                        return;
                for (const el of document.querySelectorAll('[data-i18n]')) {
                        const tr = PAGE_ZH[el.dataset.i18n];
                        if (tr !== undefined)
                                applyTemplate(el, tr);
                }
                for (const el of document.querySelectorAll('[data-i18n-attr]'))
                        for (const pair of el.dataset.i18nAttr.split(/\s+/)) {
                                const [attr, key] = pair.split(':');
                                if (attr && PAGE_ZH[key] !== undefined)
                                        el.setAttribute(attr, PAGE_ZH[key]);
                        }
        }

        /* The switch: a button in the header naming the other language in that language.
         * The choice is remembered (localStorage) and the page reloads in it. */
        function addLanguageSwitch() {
                const nav = document.querySelector('.site-header nav');
                if (!nav)
                        return;
                const b = document.createElement('button');
                b.type = 'button';
                b.className = 'lang-switch';
                b.id = 'lang-switch';
                b.lang = LANG === 'zh-CN' ? 'en' : 'zh-CN';
                b.textContent = STR.switchTo;
                b.setAttribute('aria-label', STR.switchLabel);
                b.addEventListener('click', () => {
                        try {
                                window.localStorage.setItem(LANG_KEY, LANG === 'zh-CN' ? 'en' : 'zh-CN');
                        } catch (e) {
                                return;         /* nowhere to remember it: stay as we are */
                        }
                        window.location.reload();
                });
                nav.append(b);
        }

        document.addEventListener('DOMContentLoaded', () => {
                translatePage();
                addLanguageSwitch();
                const page = document.body.dataset.page;
                if (page === 'index')
                        initIndex();
                else if (page === 'hello')
                        fillHostNames();
                else if (page === 'status')
                        initStatus();
        });
})();
