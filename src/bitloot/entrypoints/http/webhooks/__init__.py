"""Provider webhooks, one module per provider: `nowpayments` (the payment IPN at `/payments/ipn`) and
`kinguin` (supplier events at `/webhooks/kinguin`), with what they share in `shared`. Each delivery is
persisted before it is answered (docs/payments.md)."""
