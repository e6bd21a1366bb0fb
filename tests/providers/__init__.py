"""Fake provider servers (real servers on loopback) shared by the tests."""
