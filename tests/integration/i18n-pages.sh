#!/bin/sh
# i18n-pages.sh — the pages' translations (issue 19), no browser needed: STR_ZH in
# www/netlab.js has exactly STR_EN's keys with the same {placeholders}; every
# data-i18n / data-i18n-attr key in www/*.html has a PAGE_ZH entry and every entry is
# used; a PAGE_ZH template names each child element of its element exactly once ({0},
# {1}, ...), so no <code> or link is lost or doubled; every page loads netlab.js and
# starts as <html lang="en"> (the script changes it). The browser test checks the rest.
set -eu
: "${top_srcdir:?run through make check}"

python3 - "$top_srcdir/www" <<'PY'
import glob, html.parser, json, os, re, sys

www = sys.argv[1]
js = open(os.path.join(www, "netlab.js"), encoding="utf-8").read()
failed = []

def fail(msg):
    print("FAIL: " + msg)
    failed.append(msg)

def table(name):
    start = js.index("const %s = {" % name)
    body = js[start:js.index("\n        };", start)]
    out = {}
    for m in re.finditer(r"^\s+(\"[^\"]+\"|[A-Za-z_]\w*): '((?:[^'\\]|\\.)*)',$", body, re.M):
        out[m.group(1).strip('"')] = m.group(2)
    return out

en, zh, page = table("STR_EN"), table("STR_ZH"), table("PAGE_ZH")
if set(en) != set(zh):
    fail("STR_ZH keys differ from STR_EN: missing %s, extra %s" % (sorted(set(en) - set(zh)),
                                                                    sorted(set(zh) - set(en))))
for k in set(en) & set(zh):
    a, b = sorted(re.findall(r"\{(\w+)\}", en[k])), sorted(re.findall(r"\{(\w+)\}", zh[k]))
    if a != b:
        fail("STR_ZH.%s has placeholders %s, STR_EN.%s has %s" % (k, b, k, a))

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.keys, self.lang, self.script = [], [], None, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "script" and (a.get("src") or "").endswith("netlab.js"):
            self.script = True
        if self.stack and self.stack[-1][1] is not None:
            self.stack[-1][2] += 1          # one more child element of a data-i18n element
        for pair in (a.get("data-i18n-attr") or "").split():
            attr, _, key = pair.partition(":")
            self.keys.append(key)
            if attr not in a:
                fail("%s: data-i18n-attr names %s, which the element does not have" % (self.name, attr))
        if tag in VOID:
            return
        self.stack.append([tag, a.get("data-i18n"), 0])

    def handle_endtag(self, tag):
        if tag in VOID or not self.stack:
            return
        t, key, kids = self.stack.pop()
        if key is None:
            return
        self.keys.append(key)
        if key not in page:
            fail("%s: data-i18n=%r has no PAGE_ZH entry" % (self.name, key))
            return
        used = sorted(int(n) for n in re.findall(r"\{(\d+)\}", page[key]))
        if used != list(range(kids)):
            fail("%s: PAGE_ZH.%s uses %s, the <%s> has %d child element(s)" % (self.name, key, used, t, kids))

keys = set()
for path in sorted(glob.glob(os.path.join(www, "*.html"))):
    p = Page()
    p.name = os.path.basename(path)
    p.feed(open(path, encoding="utf-8").read())
    keys |= set(p.keys)
    if p.lang != "en":
        fail("%s: <html lang=%r>, expected 'en' (the script sets the chosen language)" % (p.name, p.lang))
    if not p.script:
        fail("%s: does not load netlab.js, so it cannot be read in Chinese" % p.name)
for k in sorted(set(page) - keys):
    fail("PAGE_ZH.%s is used by no page" % k)

print("%d STR strings, %d page strings checked" % (len(en), len(page)))
sys.exit(1 if failed else 0)
PY
