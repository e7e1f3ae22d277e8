"""What an HTTP connector may reach and what a spec may hold: http(s) base URLs that are not
cloud metadata services, endpoint paths that stay under the base URL, no literal credentials,
bounded numbers. Every check raises ValueError with the value and the rule broken."""

from __future__ import annotations

import ipaddress
import math
import re
import socket
from typing import Any
from urllib.parse import unquote, urlsplit

MAX_URL_LENGTH = 2048
PAGE_SIZE_MAX = 10_000
LARGEST_NUMBER = 2**53  # the largest integer every JSON reader keeps exact
PAGE_SIZE_NAMES = {"limit", "perpage", "pagesize", "count", "size", "maxresults", "top", "rows"}
# Cloud instance metadata: AWS/GCP/Azure/OpenStack link-local, AWS's IPv6 one, GCP's names.
METADATA_HOSTS = {
    "metadata", "metadata.google.internal", "metadata.goog", "instance-data",
    "instance-data.ec2.internal",
}  # fmt: skip
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (SIIT's ::ffff:0:a.b.c.d,
# NAT64's 64:ff9b::a.b.c.d): a metadata address may hide in them as in ::ffff:a.b.c.d
EMBEDDING_IPV4 = (ipaddress.ip_network("::ffff:0:0:0/96"), ipaddress.ip_network("64:ff9b::/96"))
AWS_IPV6_METADATA = ipaddress.ip_address("fd00:ec2::254")
_CREDENTIAL_PARTS = (
    "token",
    "secret",
    "passw",
    "apikey",
    "accesskey",
    "privatekey",
    "authorization",
    "credential",
    "signature",
    "cookie",
    "sessionid",
    "bearer",
)
LITERAL_CREDENTIAL = (
    'a credential-like name takes a {"secret": NAME} reference, not a literal value'
)
BODY_CREDENTIAL = "a credential-like name in a POST body: put the credential in client.auth"
_CREDENTIAL_NAMES = {"key", "auth", "pwd", "sig", "jwt", "session"}


def _plain(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def looks_like_credential(name: str) -> bool:
    """Whether a parameter, header or body key name suggests it carries a credential."""
    plain = _plain(name)
    return plain in _CREDENTIAL_NAMES or any(part in plain for part in _CREDENTIAL_PARTS)


def _has_control(value: str) -> bool:
    return any(ord(char) < 33 or char == "\x7f" for char in value)


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host literal stands for, including the legacy IPv4 spellings resolvers
    accept (``2852039166``, ``0xa9.0xfe.0xa9.0xfe``)."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fx.]+", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _metadata_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    if host in METADATA_HOSTS:
        return True
    address = _ip(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    elif isinstance(address, ipaddress.IPv6Address) and any(address in n for n in EMBEDDING_IPV4):
        address = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address is not None and (
        address.is_link_local or address.is_unspecified or address == AWS_IPV6_METADATA
    )


def check_http_url(value: str) -> str:
    """An http(s) URL with a host, no credentials in it, not a metadata/link-local address.
    Loopback and private addresses stay allowed: local sandboxes, self-hosted sources."""
    if len(value) > MAX_URL_LENGTH or _has_control(value):
        raise ValueError(
            f"{value[:80]!r}: spaces, control characters or over {MAX_URL_LENGTH} characters"
        )
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(f"{value!r}: only http:// and https:// URLs are allowed")
    if parts.username is not None or parts.password is not None:
        hidden = parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()
        raise ValueError(
            f"{hidden!r}: credentials in a URL are not allowed; store them as the tenant's secrets"
        )
    try:
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError(f"{value!r}: the port is not a number from 0 to 65535") from None
    if not parts.hostname:
        raise ValueError(f"{value!r}: no host")
    if _metadata_host(parts.hostname):
        raise ValueError(
            f"{value!r}: link-local, unspecified and cloud metadata addresses are not allowed"
        )
    return value


def check_endpoint_path(value: str) -> str:
    """A path relative to the client's base URL: no scheme or host, no '..', no query."""
    if len(value) > MAX_URL_LENGTH or _has_control(value) or "\\" in value:
        raise ValueError(
            f"{value[:80]!r}: spaces, control characters, backslashes or over "
            f"{MAX_URL_LENGTH} characters"
        )
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith("//"):
        raise ValueError(f"{value!r}: an absolute URL; give a path relative to the base URL")
    if "?" in value or "#" in value:
        raise ValueError(f"{value!r}: a query or fragment; put query parameters in params")
    if ".." in unquote(value).split("/"):
        raise ValueError(f"{value!r}: '..' segments would leave the base URL")
    return value


def check_number(name: str, value: Any) -> None:
    """Finite, JSON-exact, and a page size (``limit``, ``per_page``, …) from 1 to 10,000."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return
    if not math.isfinite(value) or abs(value) > LARGEST_NUMBER:
        raise ValueError(f"{name}={value}: not a finite number within ±2**53")
    if _plain(name) in PAGE_SIZE_NAMES and not 1 <= value <= PAGE_SIZE_MAX:
        raise ValueError(f"{name}={value}: a page size must be from 1 to {PAGE_SIZE_MAX:,}")


def check_values(values: Any, where: str = "", in_body: bool = False) -> Any:
    """No literal credential and only bounded numbers anywhere in params, headers or a body
    (a body takes no secret references: credentials there go in client.auth)."""
    if isinstance(values, list):
        for index, item in enumerate(values):
            check_values(item, f"{where}[{index}]", in_body)
        return values
    if not isinstance(values, dict):
        return values
    for name, value in values.items():
        key = f"{where}.{name}" if where else name
        literal = isinstance(value, str | int | float) and not isinstance(value, bool)
        if literal and looks_like_credential(name):
            raise ValueError(f"{key}: " + (BODY_CREDENTIAL if in_body else LITERAL_CREDENTIAL))
        if isinstance(value, str) and _has_control(value.replace(" ", "")):
            raise ValueError(f"{key}: control characters (CR, LF, NUL, …) in a value")
        check_number(key, value)
        check_values(value, key, in_body)
    return values


def check_body(values: Any) -> Any:
    """:func:`check_values` for a POST body."""
    return check_values(values, in_body=True)
