"""Delivery link adapters: HMAC-signed, expiring links to an order's keys."""
