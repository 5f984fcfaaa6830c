"""A real HTTP site on 127.0.0.1 for fetching tests: pages, a UTF-16 page and redirects.

    with local_site() as site:   # site.url("/page.html")
        ...

Paths: `/page.html` (UTF-8), `/utf16.html` (UTF-16 with BOM, charset in Content-Type),
`/secret` (what must never leak), `/redirect?to=URL` (302 to URL). `site.hits` lists the paths
requested, so a test can tell that a refused URL was never fetched.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ARTICLE = (
    "<html><head><title>Bitcoin climbs past $60,000</title></head><body><article>"
    + "<p>Bitcoin rose 2.5% to $60,250 on Tuesday, according to CoinGecko, as traders bought again.</p>"
    + "<p>The S&amp;P 500 fell 0.4% to close at 5,509.01 points, its second loss of the week.</p>"
    + "</article></body></html>"
)
SECRET = (
    "<html><body><article><p>"
    + "Internal: the admin password is hunter2 and Bitcoin rose 9% to $1. " * 4
    + "</p></article></body></html>"
)


class Site:
    def __init__(self, server: ThreadingHTTPServer) -> None:
        self.server = server
        self.hits: list[str] = []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"


@contextmanager
def local_site() -> Iterator[Site]:
    site: Site

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            parts = urlsplit(self.path)
            site.hits.append(parts.path)
            if parts.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", parse_qs(parts.query)["to"][0])
                self.end_headers()
                return
            if parts.path == "/slow":  # headers at once, then the body a byte every half second
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", "20")
                self.end_headers()
                for _ in range(20):
                    time.sleep(0.5)
                    self.wfile.write(b" ")
                    self.wfile.flush()
                return
            pages = {
                "/page.html": (ARTICLE.encode("utf-8"), "utf-8"),
                "/utf16.html": (ARTICLE.encode("utf-16"), "utf-16"),
                "/secret": (SECRET.encode("utf-8"), "utf-8"),
            }
            if parts.path not in pages:
                self.send_error(404)
                return
            body, charset = pages[parts.path]
            self.send_response(200)
            self.send_header("Content-Type", f"text/html; charset={charset}")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    site = Site(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
