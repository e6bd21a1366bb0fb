"""NOWPayments, the payment provider (docs/payments.md), one concern per module.

- `settings`: what the adapter is configured with;
- `transport`: the HTTP client, API key and bearer token, time bounds and retries;
- `invoices`: an invoice for each new order;
- `lookups`: what became of an order's payments (reconciliation);
- `gateway`: `NowPaymentsGateway`, the `PaymentGateway` and `PaymentLookup` over the two above;
- `webhook`: `NowPaymentsWebhook`, the IPN's signature;
- `payload`: the one parser of a payment, for the IPN and the lookups alike;
- `canonical_json`: the JSON as NOWPayments' JavaScript reads and signs it.
"""
