"""Where a webhook may point, and posting to it (no Flask, no database).

A receiver must be ``https://`` on a public address. The guard against server-side request
forgery refuses loopback, private, link-local, shared, reserved and multicast addresses,
both when a subscription is made (an address written as an IP, or ``localhost``) and when
each delivery is sent (every address the name resolves to), and the connection is made to
the address that was checked, so a name re-resolved in between cannot point elsewhere
(DNS rebinding). Redirects are not followed. The one exception, for tests and a local
receiver on the same machine: with ``MRC_WEBHOOK_ALLOW_HTTP_LOCAL=1``, ``http://`` or
``https://`` to ``localhost`` or ``127.0.0.1``."""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

TIMEOUT_SECONDS = 5.0
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1"})
MAX_URL_LENGTH = 500
USER_AGENT = "MRC-Webhooks/1"


class RefusedURL(ValueError):
    """A URL webhooks may not point at; the message says why (English, short: the log)."""


class DeliveryError(RuntimeError):
    """An attempt that got no HTTP answer; the message is short and holds no data."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    local: bool


def _refused_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def parse(url: str, allow_local: bool) -> Target:
    """The URL's parts, or :class:`RefusedURL` (without resolving any name)."""
    if len(url) > MAX_URL_LENGTH:
        raise RefusedURL("too long")
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise RefusedURL("not an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise RefusedURL("credentials in the URL")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedURL("bad port") from None
    local = allow_local and host in LOCAL_HOSTS
    if parts.scheme != "https" and not local:
        raise RefusedURL("not https")
    if not local:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise RefusedURL("local host")
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None and _refused_address(literal):
            raise RefusedURL("private address")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, host, port, path, local)


def resolve(target: Target) -> str:
    """The address to connect to: the first the name resolves to, all of them public
    (``127.0.0.1`` for an allowed local receiver)."""
    if target.local:
        return "127.0.0.1"
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise DeliveryError("name not resolved") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise DeliveryError("name not resolved")
    if any(_refused_address(ipaddress.ip_address(a.split("%")[0])) for a in addresses):
        raise DeliveryError("private address")
    return addresses[0]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to a checked address, the certificate verified for the URL's host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def post(url: str, body: bytes, headers: dict[str, str], *, allow_local: bool,
         timeout: float = TIMEOUT_SECONDS) -> int:
    """POST ``body`` to ``url``; the answer's status (its body is read and dropped).
    :class:`RefusedURL` or :class:`DeliveryError` when there is no answer."""
    target = parse(url, allow_local)
    address = resolve(target)
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(target.host, address, target.port, timeout)
    try:
        connection.request("POST", target.path, body=body, headers={
            "Content-Type": "application/json", "User-Agent": USER_AGENT, **headers})
        response = connection.getresponse()
        response.read(65536)  # let the receiver finish; never kept
        return response.status
    except TimeoutError:
        raise DeliveryError("timeout") from None
    except ssl.SSLError:
        raise DeliveryError("TLS error") from None
    except ConnectionRefusedError:
        raise DeliveryError("connection refused") from None
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(type(exc).__name__) from None
    finally:
        connection.close()
