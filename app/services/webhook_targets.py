"""Where a webhook may send: refusing addresses inside the server's own network.

A webhook makes the server send requests to an address an admin typed, so an
address in a loopback, private, link-local, multicast, reserved or unspecified
range could reach services no outsider should (a database, a cloud's metadata
endpoint). The host is resolved when the webhook is saved and again before each
attempt, and the attempt goes to the very address that was checked, so a name
that later resolves elsewhere (DNS rebinding) gains nothing. Plain http is
allowed only where private targets are (a receiver on the same network or the
same machine, as in tests): GIVEASK_WEBHOOKS_ALLOW_PRIVATE=true.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from app.errors import Invalid
from app.i18n import gettext as _

URL_MAX = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """The address may not be sent to; the message says why."""


@dataclass(frozen=True, slots=True)
class Target:
    """An address checked for sending: the URL to connect to (its host the
    checked IP), the Host header, and the name TLS checks the certificate for."""

    url: str
    host_header: str
    tls_name: str
    connect_url: str


def internal(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return (address.is_loopback or address.is_private or address.is_link_local
            or address.is_multicast or address.is_reserved or address.is_unspecified
            or not address.is_global)


def _shape(url: str, allow_private: bool) -> tuple[str, str, int]:
    if len(url) > URL_MAX:
        raise TargetRefused(_("keep the address to %(most)d characters") % {"most": URL_MAX})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(_("not an address: it should look like https://example.com/hooks")) \
            from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(_("use an http(s) address, like https://example.com/hooks"))
    if parts.scheme == "http" and not allow_private:
        raise TargetRefused(_("use https: events are sent over the internet"))
    if parts.username is not None or parts.password is not None:
        raise TargetRefused(_("leave the user name and password out of the address; "
                              "the signature tells the receiver who sent it"))
    if parts.fragment:
        raise TargetRefused(_("leave out the #fragment: it is never sent"))
    return parts.hostname, parts.scheme, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host.split("%")[0])]
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise TargetRefused(_("the host %(host)s cannot be found") % {"host": repr(host)}) from None
    return [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]


def check(url: str, *, allow_private: bool) -> Target:
    """The address ready to send to, or TargetRefused saying why not."""
    host, scheme, port = _shape(url, allow_private)
    addresses = resolve(host, port)
    if not addresses:
        raise TargetRefused(_("the host %(host)s cannot be found") % {"host": repr(host)})
    if not allow_private:
        inside = [a for a in addresses if internal(a)]
        if inside:
            raise TargetRefused(
                _("%(host)s is at %(address)s, a private, loopback or reserved address; "
                  "webhooks go to addresses on the internet") % {"host": host,
                                                                 "address": inside[0]})
    chosen = addresses[0]
    netloc = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    parts = urlsplit(url)
    connect_url = urlunsplit((scheme, f"{netloc}:{port}", parts.path or "/", parts.query, ""))
    return Target(url=url, host_header=parts.netloc, tls_name=host, connect_url=connect_url)


def checked_url(url: str, *, allow_private: bool) -> str:
    """The address as it is stored, or a 422 naming ``url``."""
    url = url.strip()
    try:
        check(url, allow_private=allow_private)
    except TargetRefused as exc:
        raise Invalid.one("url", str(exc)) from None
    return url
