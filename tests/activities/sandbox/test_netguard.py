"""`paperclip.netguard`: this machine, link-local networks and metadata services are refused in
every spelling, unless the deployment names the host."""

import pytest

from paperclip.netguard import HostRefused, check_host, resolve


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "0x7f.1",
        "2130706433",
        "localhost",
        "::1",
        "[::ffff:127.0.0.1]",
        "0.0.0.0",
        "169.254.169.254",
        "fe80::1",
        "100.100.100.200",
        "fd00:ec2::254",
        "metadata.google.internal.",
        "64:ff9b::a9fe:a9fe",
    ],
)
def test_refused_spellings(host: str) -> None:
    with pytest.raises(HostRefused):
        check_host(host, 80)


def test_private_networks_and_named_exceptions_pass() -> None:
    check_host("10.1.2.3", 80)
    check_host("192.168.1.5", 443)
    check_host("127.0.0.1", 8080, private_ok=["127.0.0.1:8080"])
    with pytest.raises(HostRefused):
        check_host("127.0.0.1", 8081, private_ok=["127.0.0.1:8080"])


async def test_a_name_resolving_to_loopback_is_refused() -> None:
    with pytest.raises(HostRefused, match="this machine"):
        await resolve("localhost.", 80, private_ok=["example.com"])
    assert str(await resolve("127.0.0.1", 9, private_ok=["127.0.0.1"])) == "127.0.0.1"
