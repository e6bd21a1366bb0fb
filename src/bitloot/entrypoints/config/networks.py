"""IP networks in the configuration (`BITLOOT_TRUSTED_PROXIES`); apart from the HTTP package so that
reading the configuration does not import Litestar."""

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str | None) -> tuple[Network, ...]:
    """`10.0.0.0/8, 192.0.2.7, ::1` as networks; raises `ValueError` naming the entry that is not one."""
    networks: list[Network] = []
    for entry in (text or "").split(","):
        if entry.strip():
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                raise ValueError(f"{entry.strip()!r} is not an IP address or network") from None
    return tuple(networks)
