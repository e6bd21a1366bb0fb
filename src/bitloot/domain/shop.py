"""Who the customer is dealing with: the shop's name and where to ask for help.

Set once at start (`BITLOOT_SHOP_NAME`, `BITLOOT_SUPPORT_EMAIL`) and shown on every customer page and
email.
"""

from dataclasses import dataclass
from typing import Final

DEFAULT_SHOP_NAME: Final = "BitLoot"
MAX_SHOP_NAME_LENGTH: Final = 80


@dataclass(frozen=True, slots=True)
class ShopIdentity:
    name: str = DEFAULT_SHOP_NAME
    # None: the pages tell the customer to reply to the shop's email instead.
    support_email: str | None = None

    def __post_init__(self) -> None:
        if not self.name.strip() or len(self.name) > MAX_SHOP_NAME_LENGTH:
            raise ValueError(f"A shop name has 1 to {MAX_SHOP_NAME_LENGTH} characters.")
