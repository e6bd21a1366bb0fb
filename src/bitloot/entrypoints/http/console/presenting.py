"""How the console shows what it lists: times, client addresses (in full only to roles that may
see them), audit records."""

import ipaddress
from dataclasses import dataclass
from datetime import datetime

from bitloot.domain.operator_audit import OperatorAction
from bitloot.domain.operators import Permission
from bitloot.entrypoints.http.console.current import Console


def when(at: datetime | None) -> str:
    return "" if at is None else at.strftime("%Y-%m-%d %H:%M:%S UTC")


def masked_ip(address: str) -> str:
    """203.0.113.7 -> 203.0.113.x; 2001:db8:1:2::7 -> 2001:db8:1::x (the /48): where from, roughly,
    not who."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "hidden"
    if isinstance(ip, ipaddress.IPv4Address):
        return ".".join(address.split(".")[:3]) + ".x"
    network = ipaddress.ip_network(f"{ip}/48", strict=False)
    return f"{str(network.network_address).removesuffix('::')}::x"


@dataclass(frozen=True, slots=True)
class AuditRow:
    at: str
    who: str
    actor_kind: str
    action: str
    target: str
    detail: str
    client_ip: str


def audit_rows(console: Console, actions: list[OperatorAction]) -> list[AuditRow]:
    full = console.may(Permission.SEE_CLIENT_IPS)
    return [
        AuditRow(
            at=when(a.at),
            who=a.actor.label,
            actor_kind=a.actor.kind.value.replace("_", " "),
            action=a.kind.value.replace("_", " "),
            target=f"{a.target_kind.value.replace('_', ' ')} {a.target_id}",
            detail=a.detail,
            client_ip=""
            if a.actor.client_ip is None
            else a.actor.client_ip
            if full
            else masked_ip(a.actor.client_ip),
        )
        for a in actions
    ]
