#!/bin/sh
# status-pages.sh — static checks of the served pages in www/, no daemon needed: every
# page is an HTML5 document (doctype, lang, charset, viewport, title, balanced elements),
# loads nothing from another host (scripts, styles, images, fonts, CSS url()/@import),
# the script never turns API data into markup (no innerHTML, document.write, eval), the
# lab page is at exactly www/helloWorld.html with a heading, a paragraph, a list of links
# and the stylesheet, and every file in www/ is installed (dist_www_DATA).
set -eu
: "${top_srcdir:?run through make check}"

python3 - "$top_srcdir" <<'PY'
import html.parser, os, re, sys

top = sys.argv[1]
www = os.path.join(top, "www")
failed = []

def fail(msg):
    print("FAIL: " + msg)
    failed.append(msg)

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}
# Elements whose end tag HTML5 lets us omit; we never do, but do not insist.
OPTIONAL_END = {"li", "dt", "dd", "p", "tr", "td", "th", "thead", "tbody", "option"}

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.tags, self.decl = [], [], [], None
        self.external, self.inline_handlers = [], []
        self.text = {}

    def handle_decl(self, decl):
        self.decl = decl

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        for k, v in attrs:
            if k.startswith("on"):
                self.inline_handlers.append("%s %s" % (tag, k))
        url = None
        if tag in ("script", "img", "iframe", "audio", "video", "source", "embed"):
            url = a.get("src")
        elif tag == "link":
            url = a.get("href")
        if url and re.match(r"^([a-z][a-z0-9+.-]*:|//)", url, re.I) and not url.startswith("data:"):
            self.external.append("<%s> %s" % (tag, url))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID:
            self.stack.pop()

    def handle_endtag(self, tag):
        while self.stack and self.stack[-1] != tag and self.stack[-1] in OPTIONAL_END:
            self.stack.pop()
        if not self.stack or self.stack[-1] != tag:
            self.errors.append("unexpected </%s> (open: %s)" % (tag, "/".join(self.stack)))
            return
        self.stack.pop()

    def handle_data(self, data):
        if self.stack:
            self.text.setdefault(self.stack[-1], []).append(data)

pages = sorted(f for f in os.listdir(www) if f.endswith(".html"))
for want in ("index.html", "helloWorld.html", "status.html", "404.html"):
    if want not in pages:
        fail("www/%s is missing" % want)

for name in pages:
    with open(os.path.join(www, name), encoding="utf-8") as f:
        src = f.read()
    n_failed = len(failed)
    p = Page()
    p.feed(src)
    p.close()
    if (p.decl or "").lower() != "doctype html":
        fail("%s: no <!DOCTYPE html>" % name)
    tags = [t for t, _ in p.tags]
    html_attrs = next((a for t, a in p.tags if t == "html"), {})
    if not html_attrs.get("lang"):
        fail("%s: <html> has no lang" % name)
    if not any(t == "meta" and a.get("charset", "").lower() == "utf-8" for t, a in p.tags):
        fail("%s: no <meta charset=\"utf-8\">" % name)
    if not any(t == "meta" and a.get("name") == "viewport" for t, a in p.tags):
        fail("%s: no viewport meta (not responsive on phones)" % name)
    if "title" not in tags or not "".join(p.text.get("title", [])).strip():
        fail("%s: no <title>" % name)
    if tags.count("h1") != 1:
        fail("%s: %d <h1> elements, want 1" % (name, tags.count("h1")))
    if p.errors or [t for t in p.stack if t not in OPTIONAL_END]:
        fail("%s: unbalanced elements: %s %s" % (name, p.errors, p.stack))
    if p.external:
        fail("%s: loads external resources: %s" % (name, p.external))
    if p.inline_handlers:
        fail("%s: inline event handlers: %s" % (name, p.inline_handlers))
    if not any(t == "link" and a.get("rel") == "stylesheet" and a.get("href", "").endswith("style.css")
               for t, a in p.tags):
        fail("%s: does not use style.css" % name)
    if name == "helloWorld.html":
        if "p" not in tags or "ul" not in tags or tags.count("a") < 3:
            fail("helloWorld.html: needs a heading, a paragraph and a list of links")
    if len(failed) == n_failed:
        print("ok: %s" % name)

with open(os.path.join(www, "style.css"), encoding="utf-8") as f:
    css = f.read()
if re.search(r"@import|url\(\s*['\"]?(https?:|//)", css, re.I):
    fail("style.css loads external resources")

for js in sorted(f for f in os.listdir(www) if f.endswith(".js")):
    with open(os.path.join(www, js), encoding="utf-8") as f:
        code = re.sub(r"/\*.*?\*/", "", f.read(), flags=re.S)
    # The SVG namespace is a name, not a resource: createElementNS() fetches nothing.
    code = code.replace("'http://www.w3.org/2000/svg'", "SVG_NS")
    n_failed = len(failed)
    for bad in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(",
                "new Function", "http://", "https://"):
        if bad in code:
            fail("%s uses %s" % (js, bad))
    if len(failed) == n_failed:
        print("ok: %s: textContent only, same-origin only" % js)

with open(os.path.join(top, "Makefile.am"), encoding="utf-8") as f:
    mk = f.read().replace("\\\n", " ")
m = re.search(r"^dist_www_DATA\s*=(.*)$", mk, re.M)
listed = set(m.group(1).split()) if m else set()
for f in sorted(os.listdir(www)):
    if "www/" + f not in listed:
        fail("www/%s is not in dist_www_DATA (not installed, not in the tarball)" % f)

if failed:
    sys.exit(1)
print("ok: all pages are self-contained HTML5 and installed")
PY
