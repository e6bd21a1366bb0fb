"""Every use case, built by the container from the ports the other providers choose.

Per request (`Scope.REQUEST`), as each works in the request's unit of work; the read models and the
health check need none and are built once. A use case whose constructor takes only provided types is
one line here; the few that take something else have a factory."""

from dishka import Provider, Scope, provide

from bitloot.adapters.health import CallableProbe
from bitloot.application.ports.clock import Clock
from bitloot.application.ports.kinguin import KinguinEvents
from bitloot.application.ports.payments import PaymentWebhook
from bitloot.application.ports.queue import FulfillmentQueue
from bitloot.application.ports.storage import SealedBlobStore
from bitloot.application.use_cases.apply_kinguin_event import ApplyKinguinEvent
from bitloot.application.use_cases.apply_payment_notification import ApplyPaymentNotification
from bitloot.application.use_cases.check_health import CheckHealth
from bitloot.application.use_cases.create_product import CreateProduct
from bitloot.application.use_cases.dismiss_key_report import DismissKeyReport
from bitloot.application.use_cases.fingerprint_existing_keys import FingerprintExistingKeys
from bitloot.application.use_cases.finish_key_replacements import FinishKeyReplacements
from bitloot.application.use_cases.follow_order import FollowOrder, FollowSettings
from bitloot.application.use_cases.fulfill_batch import FulfillBatch
from bitloot.application.use_cases.fulfill_order import FulfillOrder
from bitloot.application.use_cases.get_delivery_summary import GetDeliverySummary
from bitloot.application.use_cases.get_fulfillment_status import GetFulfillmentStatus
from bitloot.application.use_cases.get_order_details import GetOrderDetails
from bitloot.application.use_cases.get_order_page import GetOrderPage
from bitloot.application.use_cases.get_order_timeline import GetOrderTimeline
from bitloot.application.use_cases.get_overview import GetOverview, OverviewExtras, StoredExtras
from bitloot.application.use_cases.get_product_stock import GetProductStock
from bitloot.application.use_cases.get_webhook_delivery import GetWebhookDelivery
from bitloot.application.use_cases.import_stock import ImportStock
from bitloot.application.use_cases.issue_delivery_link import IssueDeliveryLink
from bitloot.application.use_cases.list_key_reports import ListKeyReports
from bitloot.application.use_cases.list_low_stock import ListLowStock
from bitloot.application.use_cases.list_orders import ListOrders
from bitloot.application.use_cases.list_product_stock import ListProductStock
from bitloot.application.use_cases.list_products import ListProducts
from bitloot.application.use_cases.list_stock_units import ListStockUnits
from bitloot.application.use_cases.list_webhook_deliveries import ListWebhookDeliveries
from bitloot.application.use_cases.mark_refunded import MarkRefunded
from bitloot.application.use_cases.place_order import PlaceOrder
from bitloot.application.use_cases.purge_revealed_keys import PurgeRevealedKeys
from bitloot.application.use_cases.receive_kinguin_webhook import ReceiveKinguinWebhook
from bitloot.application.use_cases.receive_payment_webhook import ReceivePaymentWebhook
from bitloot.application.use_cases.reconcile_fulfillments import ReconcileFulfillments
from bitloot.application.use_cases.reconcile_payments import ReconcilePayments
from bitloot.application.use_cases.renew_delivery_link import RenewDeliveryLink
from bitloot.application.use_cases.replace_key import ReplaceKey
from bitloot.application.use_cases.replay_webhook import (
    KinguinWebhookReplayer,
    PaymentWebhookReplayer,
    ReplayWebhook,
    WebhookReplayers,
)
from bitloot.application.use_cases.report_key import ReportKey
from bitloot.application.use_cases.request_delivery_link import RequestDeliveryLink
from bitloot.application.use_cases.resend_delivery_email import ResendDeliveryEmail
from bitloot.application.use_cases.retry_fulfillment import RetryFulfillment
from bitloot.application.use_cases.reveal_keys import RevealKeys
from bitloot.application.use_cases.rotate_data_keys import RotateDataKeys
from bitloot.application.use_cases.search_orders import SearchOrders
from bitloot.application.use_cases.send_delivery_emails import SendDeliveryEmails
from bitloot.application.use_cases.send_order_page_link import SendOrderPageLink
from bitloot.application.use_cases.sweep_orphan_blobs import SweepOrphanBlobs
from bitloot.application.use_cases.update_product import UpdateProduct
from bitloot.application.use_cases.withdraw_stock import WithdrawStock
from bitloot.entrypoints.ioc.persistence import DatabaseHealth


class UseCasesProvider(Provider):
    scope = Scope.REQUEST

    # What a customer does
    place_order = provide(PlaceOrder)
    issue_delivery_link = provide(IssueDeliveryLink)
    request_delivery_link = provide(RequestDeliveryLink)
    renew_delivery_link = provide(RenewDeliveryLink)
    get_delivery_summary = provide(GetDeliverySummary)
    reveal_keys = provide(RevealKeys)
    get_fulfillment_status = provide(GetFulfillmentStatus, scope=Scope.APP)
    # The order page (docs/http-api.md): read models only, so built once; a watch holds no request's session.
    get_order_page = provide(GetOrderPage, scope=Scope.APP)
    follow_order = provide(FollowOrder, scope=Scope.APP)
    send_order_page_link = provide(SendOrderPageLink)

    # What the providers' webhooks, the fulfillment jobs and the reconciler run
    receive_payment_webhook = provide(ReceivePaymentWebhook)
    apply_payment_notification = provide(ApplyPaymentNotification)
    receive_kinguin_webhook = provide(ReceiveKinguinWebhook)
    apply_kinguin_event = provide(ApplyKinguinEvent)
    fulfill_order = provide(FulfillOrder)
    fulfill_batch = provide(FulfillBatch)
    send_delivery_emails = provide(SendDeliveryEmails)
    reconcile_fulfillments = provide(ReconcileFulfillments)
    reconcile_payments = provide(ReconcilePayments)
    sweep_orphan_blobs = provide(SweepOrphanBlobs)

    # What the operator does (admin API and command line)
    create_product = provide(CreateProduct)
    list_products = provide(ListProducts)
    import_stock = provide(ImportStock)
    fingerprint_existing_keys = provide(FingerprintExistingKeys)
    list_orders = provide(ListOrders)
    get_order_details = provide(GetOrderDetails)
    retry_fulfillment = provide(RetryFulfillment)
    list_webhook_deliveries = provide(ListWebhookDeliveries)
    get_webhook_delivery = provide(GetWebhookDelivery)
    replay_webhook = provide(ReplayWebhook)
    rotate_data_keys = provide(RotateDataKeys)
    purge_revealed_keys = provide(PurgeRevealedKeys)
    # Products and stock (docs/stock-integrity.md)
    update_product = provide(UpdateProduct)
    withdraw_stock = provide(WithdrawStock)
    list_stock_units = provide(ListStockUnits)
    list_product_stock = provide(ListProductStock)
    get_product_stock = provide(GetProductStock)
    list_low_stock = provide(ListLowStock)
    search_orders = provide(SearchOrders)
    get_order_timeline = provide(GetOrderTimeline)
    get_overview = provide(GetOverview)
    # The overview's open key reports and low-stock products.
    overview_extras = provide(StoredExtras, provides=OverviewExtras)

    # Key reports and replacement, resends and refunds (docs/stock-integrity.md)
    report_key = provide(ReportKey)
    list_key_reports = provide(ListKeyReports)
    dismiss_key_report = provide(DismissKeyReport)
    replace_key = provide(ReplaceKey)
    resend_delivery_email = provide(ResendDeliveryEmail)
    mark_refunded = provide(MarkRefunded)
    finish_key_replacements = provide(FinishKeyReplacements)

    @provide
    def webhook_replayers(
        self,
        payment_webhook: PaymentWebhook,
        notifications: ApplyPaymentNotification,
        kinguin_events: KinguinEvents,
        kinguin: ApplyKinguinEvent,
    ) -> WebhookReplayers:
        """One replayer per provider whose deliveries the inbox keeps."""
        return {
            "nowpayments": PaymentWebhookReplayer(payment_webhook, notifications),
            "kinguin": KinguinWebhookReplayer(kinguin_events, kinguin),
        }

    @provide(scope=Scope.APP)
    def follow_settings(self) -> FollowSettings:
        return FollowSettings()

    @provide(scope=Scope.APP)
    def check_health(
        self, database: DatabaseHealth, store: SealedBlobStore, queue: FulfillmentQueue, clock: Clock
    ) -> CheckHealth:
        probes = [database.probe, CallableProbe("storage", store.check), CallableProbe("queue", queue.check)]
        return CheckHealth(probes, clock)
