"""Operator endpoints for key reports, key replacement, resending the delivery email and recording
a refund (docs/http-api.md, docs/stock-integrity.md), behind the admin token. Every change is
audited with the admin token as its actor."""

from typing import Annotated, Any

from dishka.integrations.litestar import FromDishka
from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from bitloot.application.use_cases.dismiss_key_report import DismissKeyReport
from bitloot.application.use_cases.list_key_reports import ListKeyReports
from bitloot.application.use_cases.mark_refunded import MarkRefunded
from bitloot.application.use_cases.replace_key import ReplaceKey, ReplaceKeyRequest, ReplaceKeyResult
from bitloot.application.use_cases.resend_delivery_email import ResendDeliveryEmail
from bitloot.domain.key_reports import KeyReport, KeyReportStatus
from bitloot.entrypoints.http import key_schemas as k
from bitloot.entrypoints.http import presenters
from bitloot.entrypoints.http.actor import automation_actor
from bitloot.entrypoints.http.api_docs import ADMIN_TOKEN
from bitloot.entrypoints.http.auth import admin_guard
from bitloot.entrypoints.http.client_address import ClientAddresses

Limit = Annotated[int, QueryParameter(ge=1, le=200)]


class AdminKeysController(Controller):
    path = "/admin"
    guards = [admin_guard]
    tags = ["operator"]
    security = [{ADMIN_TOKEN: []}]

    @get("/key-reports", summary="List key reports")
    async def key_reports(
        self,
        use_case: FromDishka[ListKeyReports],
        status: FromQuery[KeyReportStatus | None] = None,
        limit: Limit = 50,
    ) -> list[k.KeyReportOut]:
        """Customers' reports on delivered keys, newest first, optionally of one status (`open`,
        `replaced`, `dismissed`). Never a key."""
        return [key_report_out(r) for r in await use_case.execute(status, limit)]

    @post("/key-reports/{report_id:str}/replace", status_code=200, summary="Replace a reported key")
    async def replace_reported(
        self,
        report_id: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[ReplaceKey],
        addresses: FromDishka[ClientAddresses],
        data: JSONBody[k.OptionalReasonIn | None] = None,
    ) -> k.KeyReplacementOut:
        """Revoke the reported key, deliver a new unit of own stock exactly once, close the report as
        `replaced` and email the customer a fresh link. Pressing again answers the same replacement
        (`alreadyDone`). 409 (nothing changed) for a Kinguin key, no stock left, an order that is not
        `fulfilled` or a report already resolved."""
        result = await use_case.execute(
            ReplaceKeyRequest(
                actor=automation_actor(request, addresses),
                reason=data.reason if data is not None else "",
                report_id=report_id,
            )
        )
        return replacement_out(result)

    @post("/key-reports/{report_id:str}/dismiss", status_code=200, summary="Dismiss a key report")
    async def dismiss(
        self,
        report_id: FromPath[str],
        data: JSONBody[k.DismissIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[DismissKeyReport],
        addresses: FromDishka[ClientAddresses],
    ) -> k.KeyReportOut:
        """Close an open report without replacing the key, with a note. 409 for a report already
        resolved."""
        report = await use_case.execute(report_id, data.note, automation_actor(request, addresses))
        return key_report_out(report)

    @post("/orders/{order_id:str}/keys/{key_id:str}/replace", status_code=200, summary="Replace a key")
    async def replace_key(
        self,
        order_id: FromPath[str],
        key_id: FromPath[str],
        data: JSONBody[k.ReasonIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[ReplaceKey],
        addresses: FromDishka[ClientAddresses],
    ) -> k.KeyReplacementOut:
        """Replace a delivered key by its sealed key id, with a reason; as the report's replace."""
        result = await use_case.execute(
            ReplaceKeyRequest(
                actor=automation_actor(request, addresses),
                reason=data.reason,
                order_id=order_id,
                key_id=key_id,
            )
        )
        return replacement_out(result)

    @post("/orders/{order_id:str}/resend-email", status_code=202, summary="Send the delivery email again")
    async def resend_email(
        self,
        order_id: FromPath[str],
        request: Request[Any, Any, Any],
        use_case: FromDishka[ResendDeliveryEmail],
        addresses: FromDishka[ClientAddresses],
    ) -> k.ResentEmailOut:
        """Stage a `delivery_resent` email with a link issued fresh when it is sent. Only for a
        `fulfilled` order; 409 while an email of the order is still waiting to be sent."""
        email = await use_case.execute(order_id, automation_actor(request, addresses))
        return k.ResentEmailOut(order_id=email.order_id, email=presenters.delivery_email_out(email))

    @post("/orders/{order_id:str}/refund", status_code=200, summary="Record a refund")
    async def refund(
        self,
        order_id: FromPath[str],
        data: JSONBody[k.ReasonIn],
        request: Request[Any, Any, Any],
        use_case: FromDishka[MarkRefunded],
        addresses: FromDishka[ClientAddresses],
    ) -> k.RefundedOut:
        """Record a refund made at the payment provider, with a reason: the order becomes `refunded`
        and its keys answer 410 from then on. 409 naming the state where a refund is not allowed."""
        order = await use_case.execute(order_id, data.reason, automation_actor(request, addresses))
        return k.RefundedOut(order=presenters.admin_order_out(order))


def key_report_out(report: KeyReport) -> k.KeyReportOut:
    return k.KeyReportOut(
        id=report.id,
        order_id=report.order_id,
        item_id=report.item_id,
        key_id=report.sealed_key_id,
        message=report.message,
        status=report.status.value,
        created_at=report.created_at,
        resolved_at=report.resolved_at,
        resolved_by=report.resolved_by,
        resolution_note=report.resolution_note,
    )


def replacement_out(result: ReplaceKeyResult) -> k.KeyReplacementOut:
    return k.KeyReplacementOut(
        replacement_id=result.replacement_id,
        order_id=result.order_id,
        item_id=result.item_id,
        old_key_id=result.old_key_id,
        new_key_id=result.new_key_id,
        already_done=result.already_done,
    )
