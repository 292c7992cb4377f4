"""Where webhooks may go: https to public addresses only, unless the host is allowlisted.

The rule is checked when a subscription is made or changed, and again at delivery: the delivery
pool connects through `GuardedNetworkBackend`, which resolves the host itself, refuses
private, loopback and link-local answers, and connects to the address it checked, so a DNS answer
that changes between the check and the connection (rebinding) cannot slip through.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

import httpcore
import httpx

from app.core.config import Settings
from app.core.errors import Unprocessable
from app.webhooks.streams import KeptSocketStream

Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Resolves a host name and port to IP addresses."""


class DestinationRefused(Unprocessable):
    """A webhook URL that breaks the destination rules."""

    code = "webhook_url_refused"


async def resolve_host(host: str, port: int) -> list[str]:
    """The addresses a host name resolves to, through the event loop's resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in addresses:
            addresses.append(address)
    return addresses


# IPv6 ranges that carry an IPv4 address in their last 32 bits: IPv4-compatible (deprecated),
# IPv4-translated (SIIT) and the well-known NAT64 prefix. (IPv4-mapped, 6to4 and Teredo have
# their own `ipaddress` properties.)
_EMBEDDING_LAST_32 = tuple(ipaddress.IPv6Network(n) for n in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96"))
# Never a public destination, whatever it embeds: the local-use NAT64 prefix (RFC 8215; where
# it embeds the IPv4 address depends on the operator's prefix length).
_NEVER_PUBLIC = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b:1::/48",))


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (mapped, NAT64, 6to4, Teredo, ...)."""
    found = [v4 for v4 in (ip.ipv4_mapped, ip.sixtofour) if v4 is not None]
    if ip.teredo is not None:
        server, client = ip.teredo
        found += [server, client]
    if any(ip in net for net in _EMBEDDING_LAST_32):
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (not private, loopback, link-local, ...), and
    for an IPv6 address that embeds an IPv4 one, only if that IPv4 address is public as well."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in _NEVER_PUBLIC):
            return False
        if not all(is_public_address(str(v4)) for v4 in _embedded_ipv4(ip)):
            return False
        if ip.ipv4_mapped is not None:
            return True  # checked as its IPv4 address: ::ffff:0:0/96 itself is not "global"
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class DestinationPolicy:
    """The destination rules of the settings, with the resolver they resolve names with."""

    allowed_hosts: frozenset[str] = frozenset()
    allow_http: bool = False
    resolver: Resolver = resolve_host

    @classmethod
    def from_settings(cls, settings: Settings, resolver: Resolver = resolve_host) -> DestinationPolicy:
        """The policy WEBHOOK_ALLOWED_HOSTS and WEBHOOK_ALLOW_HTTP describe."""
        return cls(settings.webhook_allowed_host_set, settings.webhook_allow_http, resolver)

    def is_allowed_host(self, host: str) -> bool:
        """True when the host is exempt from the public-address rule."""
        return host.lower().strip("[]") in self.allowed_hosts

    def checked_url(self, url: str) -> httpx.URL:
        """The URL, parsed, once its form and scheme pass (no name resolution)."""
        try:
            parsed = httpx.URL(url)
        except (httpx.InvalidURL, ValueError) as exc:
            raise DestinationRefused(f"not a valid URL: {exc}") from exc
        host = parsed.host
        if parsed.scheme not in ("https", "http") or not host:
            raise DestinationRefused("the URL must be an absolute https:// URL")
        if parsed.scheme == "http" and not (self.allow_http and self.is_allowed_host(host)):
            raise DestinationRefused("the URL must use https (plain http only to allowlisted hosts)")
        if parsed.fragment:
            raise DestinationRefused("the URL must not have a #fragment")
        return parsed

    def check_url(self, url: str) -> tuple[str, int]:
        """Check the URL's form and scheme; its host and port (no name resolution)."""
        parsed = self.checked_url(url)
        return parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80)

    async def public_addresses(self, host: str, port: int) -> list[str]:
        """The host's addresses, refused if any of them is not public."""
        try:
            addresses = await self.resolver(host, port)
        except OSError as exc:
            raise DestinationRefused(f"the host {host!r} does not resolve ({exc.strerror or exc})") from exc
        if not addresses:
            raise DestinationRefused(f"the host {host!r} does not resolve")
        private = [a for a in addresses if not is_public_address(a)]
        if private:
            raise DestinationRefused(
                f"the host {host!r} resolves to a private, loopback or link-local address "
                f"({', '.join(private)}); only allowlisted hosts may"
            )
        return addresses

    async def check(self, url: str) -> None:
        """Check a URL completely: form, scheme, and (unless allowlisted) where it resolves."""
        host, port = self.check_url(url)
        if not self.is_allowed_host(host):
            await self.public_addresses(host, port)


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """Opens connections only to addresses the policy allows, resolving names itself."""

    def __init__(self, policy: DestinationPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Connect to the first checked address of the host that answers."""
        if self._policy.is_allowed_host(host):
            stream = await self._inner.connect_tcp(host, port, timeout, local_address, socket_options)
            return KeptSocketStream(stream)
        last_error: Exception | None = None
        for address in await self._policy.public_addresses(host, port):
            try:
                stream = await self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
                return KeptSocketStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's signature
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        """Webhooks never go to a Unix socket."""
        raise DestinationRefused("webhooks are not delivered to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        """Sleep on the event loop."""
        await self._inner.sleep(seconds)


def delivery_pool(settings: Settings, policy: DestinationPolicy) -> httpcore.AsyncConnectionPool:
    """The shared connection pool of webhook delivery: guarded connections, nothing else.

    httpcore's pool, with no client around it: no redirects are followed, no proxy or other
    setting is read from the environment, no cookies are kept, and each request costs none of a
    client's per-request models (the sender builds the request itself; see `sender`).
    """
    return httpcore.AsyncConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=settings.webhook_concurrency,
        max_keepalive_connections=settings.webhook_concurrency,
        keepalive_expiry=30.0,
        network_backend=GuardedNetworkBackend(policy),
    )
