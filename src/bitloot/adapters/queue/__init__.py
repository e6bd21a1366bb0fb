"""Fulfilment job queues."""
