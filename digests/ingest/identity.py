"""Stable identities for web releases: a canonical URL and the release key derived from it.

The release key rule (``release_key``), in order:

1. If the link has an *article number* — the last path segment made of 5 or more digits, optionally followed
   by ``-slug``, ``_slug`` or ``.ext`` (``/Article/3657212/slug/``, ``/news/123456-title``,
   ``/987654.html``), not counting 8-digit segments that read as a date (``/20240501/``) — the key is
   ``article:<digits>``. It survives slug edits, http/https, tracking parameters and a site's move to a new
   domain that keeps its article numbers (defense.gov → war.gov). Two unrelated sites may share a number;
   the feed's source name disambiguates them when it matters.
2. Else, if the feed GUID is a URL with an article number, ``article:<digits>`` from it.
3. Else the canonical link without its scheme (``example.gov/news/some-title?id=7``): stable across
   http/https, ``www.``, default ports, fragments, tracking parameters and parameter order.
4. Else (no link at all) ``guid:<guid>`` — GUIDs alone are not trusted, since feeds regenerate them.
"""

from __future__ import annotations

import re
import string
from datetime import date
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

# Query parameters that only track the reader, never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "source",
        "cmpid",
        "s_cid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "hsa_")
# Of those, the ones a site may also use to select content (``?source=press``, ``?ref=2024``): dropped for
# matching, but kept in the link people are shown.
CONTENT_MAYBE = frozenset({"ref", "ref_src", "ref_url", "source", "cmpid", "s_cid"})

_ARTICLE_SEGMENT = re.compile(r"^(\d{5,})(?:[-_.].*)?$")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


def _is_tracking(key: str) -> bool:
    lowered = key.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def _unescape_unreserved(match: re.Match[str]) -> str:
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else f"%{match.group(1).upper()}"


def _normalise_path(path: str) -> str:
    # One spelling per path: non-ASCII escaped, escapes upper-case, unreserved characters (%7E = ~) plain;
    # reserved escapes such as %2F stay escaped, since decoding them would change the path.
    path = _ESCAPE.sub(_unescape_unreserved, quote(path, safe="/%:@!$&'()*+,;=-._~"))
    path = re.sub(r"/{2,}", "/", path)
    return path.rstrip("/") or "/"


def canonical_url(url: str) -> str:
    """The canonical form of an http(s) URL, used to compare links.

    https; lower-case host without ``www.``, default ports, user info, trailing dot or fragment; a path with
    normalised escaping, no duplicate or trailing slash; the query without tracking parameters (``utm_*``,
    ``fbclid``, ``gclid``, ``mc_cid``, ``ref``, ``source``…), the rest sorted. Raises ``ValueError`` for a
    URL that is not http(s) or has no host.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    host = host.removeprefix("www.")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    query = sorted(
        (key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(key)
    )
    return urlunsplit(("https", netloc, _normalise_path(parts.path), urlencode(query), ""))


def published_url(url: str) -> str:
    """A link as its source published it, for people to follow: scheme, ``www.``, port, path, fragment and the
    other parameters exactly as given (http-only and www-only sites keep working), without only the parameters
    that a reader's click added and no site reads (``utm_*``, ``fbclid``, ``gclid``…; ``ref`` and ``source``
    stay). :func:`canonical_url` is for matching, never for showing.
    """
    url = url.strip()
    parts = urlsplit(url)
    if not parts.query:
        return url
    pieces = parts.query.split("&")
    kept = [p for p in pieces if not _is_tracking(p.split("=", 1)[0]) or p.split("=", 1)[0].lower() in CONTENT_MAYBE]
    if len(kept) == len(pieces):
        return url
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "&".join(kept), parts.fragment))


def _looks_like_date(digits: str) -> bool:
    if len(digits) != 8:
        return False
    try:
        day = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return False
    return 1990 <= day.year <= 2100


def article_number(url: str) -> str | None:
    """The article number in ``url``'s path (see the module docstring), or ``None``."""
    for segment in reversed(urlsplit(url).path.split("/")):
        match = _ARTICLE_SEGMENT.match(segment)
        if match and not _looks_like_date(match.group(1)):
            return match.group(1)
    return None


def release_key(url: str | None, guid: str | None = None) -> str:
    """The canonical id of a web release, from its link and feed GUID (rule in the module docstring).

    Raises ``ValueError`` when there is neither a usable link nor a GUID.
    """
    guid = (guid or "").strip() or None
    guid_is_url = guid is not None and urlsplit(guid).scheme.lower() in _DEFAULT_PORTS
    for candidate in (url, guid if guid_is_url else None):
        number = article_number(candidate) if candidate else None
        if number is not None:
            return f"article:{number}"
    for candidate in (url, guid if guid_is_url else None):
        if candidate:
            try:
                return canonical_url(candidate).removeprefix("https://")
            except ValueError:
                continue
    if guid is not None:
        return f"guid:{guid}"
    raise ValueError("a release needs a link or a GUID to be identified")


def canonical_or_raw(url: str) -> str:
    """:func:`canonical_url`, or the URL as given (stripped) when it cannot be canonicalised."""
    try:
        return canonical_url(url)
    except ValueError:
        return url.strip()


def release_key_or_none(url: str) -> str | None:
    """:func:`release_key` of a link, or ``None`` when it identifies nothing."""
    try:
        return release_key(url)
    except ValueError:
        return None
