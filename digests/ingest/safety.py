"""Which URLs Release Digest may fetch: public http(s) hosts only, unless private addresses are allowed.

Two layers, both needed:

* :func:`check_url` is a cheap syntactic check run on every URL and every redirect hop: scheme, host, and
  IP-literal hosts (aiohttp connects to those without asking a resolver).
* :class:`SafeResolver` sits inside the aiohttp connector and checks every address a host name resolves to.
  The connector connects to exactly the addresses the resolver returned, so a DNS answer that changes between
  a check and the connection (DNS rebinding) cannot slip a private address through.

Whether private addresses are allowed is the caller's decision (the ``RELEASE_DIGEST_ALLOW_PRIVATE_URLS``
setting); this module never reads the environment.
"""

from __future__ import annotations

import ipaddress
import re
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = frozenset({"http", "https"})
_HINT = "set RELEASE_DIGEST_ALLOW_PRIVATE_URLS=true to allow private addresses"

# Not caught by is_private on every Python version, so named explicitly.
_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Hosts made only of digits, dots and hex markers that are not canonical IP literals: legacy forms such as
# 2130706433, 0x7f.1 or 127.1 that getaddrinfo would silently map onto an address.
_NUMERIC_HOST = re.compile(r"^(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]*))*\.?$", re.IGNORECASE)


class UnsafeURLError(ValueError):
    """A URL that must not be fetched; the message says which URL or host and why, in one line."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address tunnels to, if any (mapped, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_problem(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address (e.g. ``"loopback"``), or ``None`` if it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            problem = address_problem(embedded)
            if problem is not None:
                return f"{problem} (IPv4 {embedded} inside IPv6)"
            if address.ipv4_mapped is not None:
                return None  # ::ffff:a.b.c.d is a.b.c.d on a dual-stack socket
    checks = (
        (address.is_unspecified, "unspecified"),
        (address.is_loopback, "loopback"),
        (address.is_link_local, "link-local"),
        (address.is_multicast, "multicast"),  # is_global is True for some multicast ranges
        (isinstance(address, ipaddress.IPv4Address) and address in _CGNAT, "carrier-grade NAT"),
        (address.is_private, "private"),
        (address.is_reserved, "reserved"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "site-local"),
        (not address.is_global, "non-global"),
    )
    return next((label for failed, label in checks if failed), None)


def check_address(address: str, *, allow_private: bool = False, host: str | None = None) -> None:
    """Raise :class:`UnsafeURLError` unless ``address`` (an IP literal) may be connected to.

    ``host`` is the name that resolved to ``address``, used only in the message.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError as exc:
        raise UnsafeURLError(f"{address!r} is not an IP address") from exc
    if allow_private:
        return
    problem = address_problem(ip)
    if problem is not None:
        what = f"{host} resolves to {address}, a" if host and host != address else f"{address} is a"
        raise UnsafeURLError(f"{what} {problem} address ({_HINT})")


def check_url(url: str | URL, *, allow_private: bool = False) -> URL:
    """Check what can be checked without DNS and return the parsed URL.

    Refuses schemes other than http/https, missing hosts, non-canonical numeric hosts and IP-literal hosts
    that are not public (unless ``allow_private``). Host names are checked later by :class:`SafeResolver`.
    """
    try:
        parsed = url if isinstance(url, URL) else URL(url)
    except (ValueError, TypeError) as exc:
        raise UnsafeURLError(f"invalid URL {str(url)!r}: {exc}") from exc
    if parsed.scheme.lower() not in ALLOWED_SCHEMES:
        scheme = parsed.scheme or "no scheme"
        raise UnsafeURLError(f"refusing {parsed}: only http and https URLs can be fetched, not {scheme}")
    host = (parsed.raw_host or "").strip("[]")
    if not host:
        raise UnsafeURLError(f"refusing {parsed}: the URL has no host")
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if _NUMERIC_HOST.match(host):
            raise UnsafeURLError(f"refusing {parsed}: {host!r} is not a canonical IP address") from None
        return parsed
    try:
        check_address(str(ip), allow_private=allow_private)
    except UnsafeURLError as exc:
        raise UnsafeURLError(f"refusing {parsed}: {exc}") from None
    return parsed


class SafeResolver(AbstractResolver):
    """An aiohttp resolver that refuses host names resolving to any non-public address.

    If even one of a name's addresses is refused, the whole name is: a public name that also resolves to a
    private address is either misconfigured or an attack. Resolution uses ``base`` (by default aiohttp's
    :class:`~aiohttp.resolver.ThreadedResolver`, i.e. ``loop.getaddrinfo``).
    """

    def __init__(self, base: AbstractResolver | None = None, *, allow_private: bool = False) -> None:
        self._owns_base = base is None
        self._base = base if base is not None else ThreadedResolver()
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve ``host`` with the base resolver and check every address it returned."""
        results = await self._base.resolve(host, port, family)
        for result in results:
            check_address(result["host"], allow_private=self._allow_private, host=host)
        return results

    async def close(self) -> None:
        """Close the base resolver if this resolver created it."""
        if self._owns_base:
            await self._base.close()


async def ensure_safe_url(url: str, *, allow_private: bool = False, resolver: AbstractResolver | None = None) -> URL:
    """The full check (:func:`check_url`, then DNS through :class:`SafeResolver`) without fetching anything.

    Meant for validating a URL when it is configured (e.g. a new feed), so a bad one is refused at once
    rather than at the first fetch. Raises :class:`UnsafeURLError`, also when the host does not resolve.
    """
    parsed = check_url(url, allow_private=allow_private)
    host = (parsed.raw_host or "").strip("[]")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        safe = SafeResolver(resolver, allow_private=allow_private)
        try:
            await safe.resolve(host, parsed.port or 0, socket.AF_UNSPEC)
        except OSError as exc:
            raise UnsafeURLError(f"cannot resolve {host}: {exc.strerror or exc}") from None
        finally:
            await safe.close()
    return parsed
