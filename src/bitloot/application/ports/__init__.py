"""Ports: the capabilities use cases need, as `typing.Protocol`s."""
