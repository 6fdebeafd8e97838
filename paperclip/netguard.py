"""Where a request made on someone else's say-so may go: never to this machine (the API, Temporal,
the store), a link-local network or a cloud's metadata service — unless the deployment names the
host (and port) itself.

The check is of addresses, not names: a host is resolved, every address it resolves to is
checked, and the caller connects to the address that was checked (so a name that resolves to a
public address when checked and to 127.0.0.1 when used cannot slip through). Literal addresses
are read in every form the resolver reads (`0x7f.1`, `2130706433`, `::ffff:127.0.0.1`, NAT64).
Private networks (10/8, 192.168/16, fc00::/7) are not refused: a model or a service on the
company's own network is the common case.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Iterable

from paperclip.errors import InvalidInput

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

METADATA_HOSTS = frozenset({"metadata", "metadata.google.internal", "metadata.goog", "metadata.azure.com"})
"""Names of cloud metadata services (a trailing dot and case do not matter)."""
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("100.100.100.200", "fd00:ec2::254", "168.63.129.16", "169.254.169.254")
)
"""Metadata services outside the link-local ranges (Alibaba, AWS over IPv6, Azure's wire server)."""
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class HostRefused(InvalidInput):
    """A request may not go to this host or address; the message says why."""


def literal_address(host: str) -> Address | None:
    """The address `host` spells itself, in any form the resolver reads as one (`0xa9fe.0xa9fe`,
    `2852039166` and `169.254.169.254` alike); None for a name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        return None


def refused_address(address: Address, *, loopback: bool = True, unspecified: bool = True) -> str | None:
    """Why a request may not go to `address` (link-local, a metadata service, and with
    `unspecified` and `loopback` this machine); None: it may."""
    candidates: list[Address] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        if address in _NAT64:
            candidates.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    for candidate in candidates:
        if candidate in METADATA_ADDRESSES:
            return f"{address} is a cloud metadata address"
        if candidate.is_link_local:
            return f"{address} is a link-local address"
        if unspecified and candidate.is_unspecified:
            return f"{address} is an unspecified address (this machine)"
        if loopback and candidate.is_loopback:
            return f"{address} is a loopback address (this machine)"
    return None


def host_port(entry: str) -> tuple[str, int | None]:
    """`host`, `host:port` or `[v6]:port` as (lowercased host without brackets, port or None)."""
    entry = entry.strip().lower().rstrip(".")
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest.removeprefix(":")
        return host, int(port) if port.isdigit() else None
    if entry.count(":") == 1:
        host, port = entry.split(":")
        return host, int(port) if port.isdigit() else None
    return entry, None


def listed(host: str, port: int, entries: Iterable[str]) -> bool:
    """Whether `host:port` is one of `entries` (`host` alone: any port)."""
    host = host.strip("[]").lower().rstrip(".")
    for entry in entries:
        entry_host, entry_port = host_port(entry)
        if entry_host == host and entry_port in (None, port):
            return True
    return False


def check_host(host: str, port: int, *, private_ok: Iterable[str] = (), loopback: bool = True) -> None:
    """Refuse a metadata service's name or a refused literal address, before any resolving.

    Args:
        private_ok: `host[:port]` entries the deployment allows even so (e.g. a test server on
            127.0.0.1).

    Raises:
        HostRefused: saying why.
    """
    if listed(host, port, private_ok):
        return
    name = host.strip("[]").lower().rstrip(".")
    if name in METADATA_HOSTS:
        raise HostRefused(f"{name} is a cloud metadata service")
    if name == "localhost" or name.endswith(".localhost"):
        if loopback:
            raise HostRefused(f"{name} is this machine")
        return
    literal = literal_address(name)
    why = refused_address(literal, loopback=loopback) if literal is not None else None
    if why is not None:
        raise HostRefused(why)


async def resolve(host: str, port: int, *, private_ok: Iterable[str] = (), loopback: bool = True) -> Address:
    """The address to connect to for `host:port`: the first it resolves to, once every one of
    them is checked (`check_host`, `refused_address`).

    Raises:
        HostRefused: the host or one of its addresses is refused.
        OSError: the host does not resolve.
    """
    private_ok = list(private_ok)
    check_host(host, port, private_ok=private_ok, loopback=loopback)
    allowed = listed(host, port, private_ok)
    bare = host.strip("[]")
    infos = await asyncio.get_running_loop().getaddrinfo(bare, port, type=socket.SOCK_STREAM)
    addresses: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        why = None if allowed else refused_address(address, loopback=loopback)
        if why is not None:
            raise HostRefused(f"{bare} resolves to {why}")
        addresses.append(address)
    if not addresses:
        raise OSError(f"{bare} resolves to no address")
    return addresses[0]
