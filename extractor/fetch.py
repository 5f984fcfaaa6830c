"""Downloading a page without reaching inside the network it runs in (no SSRF).

    fetch_page(url, settings) -> (final URL, bytes, charset from Content-Type or None)

Before every connection — the URL given and each redirect hop — the host is resolved and every
address it resolves to is checked: loopback, private, link-local (the cloud metadata address
169.254.169.254 among them), shared, reserved, multicast and unspecified addresses are refused,
as are schemes other than http(s) and credentials in the URL. The connection then goes to the
checked address itself (the host name is only sent as `Host` and for TLS), so a DNS answer that
changes between the check and the connection cannot slip through.

`scrape.fetch_allow` lists networks (CIDR, e.g. "127.0.0.1/32") that are fetched anyway: for
tests and local use only; it is empty by default. Redirects are followed up to
`scrape.max_redirects`; the body is read up to `scrape.max_input_bytes`; `scrape.fetch_timeout`
bounds the whole download. Every refusal is an `InputError` naming the URL and the reason.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from urllib.parse import urljoin, urlsplit

import urllib3

from extractor.errors import InputError
from extractor.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
USER_AGENT = "market-claims (claims extract; +docs/service.md#security)"
CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


class FetchRefused(InputError):
    """A URL the fetcher will not download: its scheme, or an address inside the network."""


def address_class(ip: Address) -> str | None:
    """What makes `ip` internal ("loopback", "private", …), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return address_class(ip.ipv4_mapped)
    for name in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{name}"):
            return name.replace("_", "-")
    if isinstance(ip, ipaddress.IPv4Address) and ip in ipaddress.IPv4Network("100.64.0.0/10"):
        return "shared (carrier-grade NAT)"
    if not ip.is_global:
        return "non-global"
    return None


def allowed_networks(settings: Settings) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    try:
        return [ipaddress.ip_network(n, strict=False) for n in settings.scrape.fetch_allow]
    except ValueError as exc:
        raise InputError("scrape.fetch_allow", f"not a network ({exc})") from None


def check_url(url: str, settings: Settings) -> tuple[str, str, int, Address]:
    """(scheme, host, port, the address to connect to) for a URL the fetcher may download;
    `FetchRefused` naming the URL otherwise."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise FetchRefused(url, f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchRefused(url, f"only http and https URLs are fetched, not {scheme or 'a relative URL'}")
    if parts.username or parts.password:
        raise FetchRefused(url, "URLs with credentials are not fetched")
    host = parts.hostname
    if not host:
        raise FetchRefused(url, "the URL has no host")
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(url, f"could not fetch URL (cannot resolve {host}: {exc})") from None
    addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos))
    allowed = allowed_networks(settings)
    for ip in addresses:
        kind = address_class(ip)
        if kind and not any(ip in net for net in allowed):
            shown = host if host == str(ip) else f"{host} ({ip})"
            raise FetchRefused(
                url,
                f"refused: {shown} is a {kind} address, and only public addresses "
                "are fetched (scrape.fetch_allow lists exceptions)",
            )
    return scheme, host, port, addresses[0]


def fetch_page(url: str, settings: Settings) -> tuple[str, bytes, str | None]:
    """Download `url` (following checked redirects): the final URL, the body and its declared charset."""
    scrape = settings.scrape
    deadline = time.monotonic() + scrape.fetch_timeout
    for _ in range(scrape.max_redirects + 1):
        scheme, host, port, ip = check_url(url, settings)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise InputError(url, f"could not fetch URL (timed out after {scrape.fetch_timeout:g} s)")
        timeout = urllib3.Timeout(connect=min(remaining, 10), read=remaining)
        if scheme == "https":
            pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
                str(ip), port, timeout=timeout, retries=False, server_hostname=host, assert_hostname=host
            )
        else:
            pool = urllib3.HTTPConnectionPool(str(ip), port, timeout=timeout, retries=False)
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        name = f"[{host}]" if ":" in host else host  # an IPv6 literal
        headers = {
            "Host": name if port == (443 if scheme == "https" else 80) else f"{name}:{port}",
            "User-Agent": USER_AGENT,
            "Accept": "text/html,text/plain;q=0.9,*/*;q=0.5",
        }
        try:
            response = pool.urlopen(
                "GET", target, headers=headers, redirect=False, preload_content=False, assert_same_host=False
            )
            try:
                if response.status in (301, 302, 303, 307, 308) and response.headers.get("Location"):
                    url = urljoin(url, response.headers["Location"])
                    continue
                if response.status >= 400:
                    raise InputError(url, f"could not fetch URL (HTTP {response.status})")
                body = _read(url, response, scrape.max_input_bytes, deadline)
                match = CHARSET.search(response.headers.get("Content-Type", ""))
                return url, body, match.group(1) if match else None
            finally:
                response.release_conn()
        except urllib3.exceptions.HTTPError as exc:
            reason = str(getattr(exc, "reason", None) or exc)
            raise InputError(url, f"could not fetch URL ({reason})") from None
        finally:
            pool.close()
    raise InputError(url, f"could not fetch URL (more than {scrape.max_redirects} redirects)")


def _read(url: str, response: urllib3.BaseHTTPResponse, limit: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    # read1 returns what has arrived (stream() would wait for 64 KB), so the deadline is checked
    # as the body trickles in: a server sending a byte a second cannot outlast scrape.fetch_timeout
    while chunk := response.read1(65536):
        size += len(chunk)
        if size > limit:
            raise InputError(url, f"the page is over the limit of {limit:,} bytes (scrape.max_input_bytes)")
        if time.monotonic() > deadline:
            raise InputError(url, "could not fetch URL (the download ran over scrape.fetch_timeout)")
        chunks.append(chunk)
    return b"".join(chunks)
