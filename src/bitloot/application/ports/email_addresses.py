"""Reading a customer's email address."""

from typing import Protocol


class EmailAddressRules(Protocol):
    def normalized(self, text: str) -> str:
        """The single address `text` names (surrounding whitespace ignored), in its normal form.

        Raises `InvalidValue` for anything that is not exactly one deliverable-looking address: a list
        (`a,b@example.com`), a display name, CR or LF, a missing or dotless domain, an over-long part."""
        ...
