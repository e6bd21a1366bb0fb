"""Metrics: the Prometheus recorder of `ShopMetrics`, and the wrappers that count and time what the
rate limiter, the blob store, the vault and the suppliers do."""
