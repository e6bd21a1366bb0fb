"""Kinguin, the key supplier (docs/suppliers.md), one concern per module.

- `settings`: what the adapter is configured with;
- `transport`: the HTTP client, API key, time bounds and retries;
- `orders`: `KinguinClient`, Kinguin's orders API (place, find, keys);
- `webhook`: `KinguinWebhook`, the webhook's shared secret and its events;
- `payload`: the one reader of what Kinguin sends, for the API and the webhook alike;
- `supplier`: `KinguinSupplier`, the `Supplier` that buys an item's keys.
"""
