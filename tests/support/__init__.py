"""Helpers shared by several test suites: racing units and requests, signed NOWPayments IPNs, the
JSON lines processes log."""
