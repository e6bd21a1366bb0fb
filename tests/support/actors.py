"""The actors tests act as, for the operator audit (docs/console.md)."""

from bitloot.domain.operator_audit import Actor

CLI = Actor.command_line()
ADMIN_TOKEN = Actor.api_token("203.0.113.7")
