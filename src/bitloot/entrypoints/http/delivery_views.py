"""What the delivery pages show, as plain values for their templates: the order's state in words,
each product with its redemption steps, and the revealed keys grouped by product."""

import re
from dataclasses import dataclass, field

from bitloot.application.use_cases.get_delivery_summary import DeliverySummary
from bitloot.application.use_cases.reveal_keys import RevealResult
from bitloot.domain.keys import TEXT_KEY
from bitloot.domain.order_status import OrderStatus
from bitloot.domain.product import Product
from bitloot.entrypoints.http.presenters import key_text

# "1. Open Steam" and "2) Open Steam" are list items already: the page numbers them itself.
_NUMBERED = re.compile(r"^\s*\d{1,2}[.)]\s+")


@dataclass(frozen=True, slots=True)
class StateView:
    label: str
    text: str
    # The notice's colour: ok, warn or bad.
    tone: str


@dataclass(frozen=True, slots=True)
class RedemptionView:
    platform: str
    steps: list[str]
    activation_url: str | None


@dataclass(frozen=True, slots=True)
class ProductView:
    name: str
    quantity: int
    redemption: RedemptionView | None


@dataclass(frozen=True, slots=True)
class KeyView:
    # Unique on the page: the element the copy button copies from.
    dom_id: str
    key_id: str
    # The key itself (an image key as base64): never in a repr.
    text: str = field(repr=False)
    content_type: str = TEXT_KEY

    @property
    def is_text(self) -> bool:
        return self.content_type == TEXT_KEY


@dataclass(frozen=True, slots=True)
class KeyGroupView:
    name: str
    redemption: RedemptionView | None
    keys: list[KeyView]


def state_of(status: OrderStatus) -> StateView:
    if status is OrderStatus.FULFILLED:
        return StateView("Ready", "Your keys are ready to reveal.", "ok")
    if status is OrderStatus.REFUNDED:
        return StateView("Refunded", "This order was refunded, so its keys can no longer be shown.", "bad")
    label = status.value.replace("_", " ").capitalize()
    return StateView(label, "Your keys are not ready yet: this page shows them once they are.", "warn")


def reveals_text(count: int) -> str:
    if count == 0:
        return "Your keys have not been revealed yet."
    if count == 1:
        return "Your keys have been revealed once."
    return f"Your keys have been revealed {count} times."


def redemption_of(product: Product | None) -> RedemptionView | None:
    if product is None or product.redemption is None:
        return None
    r = product.redemption
    steps = [_NUMBERED.sub("", line).strip() for line in r.steps.splitlines()]
    return RedemptionView(r.platform, [s for s in steps if s], r.activation_url)


def products_of(summary: DeliverySummary) -> list[ProductView]:
    """One line per item of the order, in the order's own order."""
    views = []
    for item in summary.order.items:
        product = summary.products.get(item.product_id)
        name = product.name if product is not None else "A product no longer in the catalog"
        views.append(ProductView(name, item.quantity, redemption_of(product)))
    return views


def key_groups(summary: DeliverySummary, result: RevealResult) -> list[KeyGroupView]:
    """The revealed keys under their product's name and redemption steps, in the order's item order."""
    groups: list[KeyGroupView] = []
    for item in summary.order.items:
        keys = [k for k in result.keys if k.item_id == item.id]
        if not keys:
            continue
        product = summary.products.get(item.product_id)
        views = [
            KeyView(f"key-{len(groups) + 1}-{n}", k.key_id, key_text(k.key), k.key.content_type)
            for n, k in enumerate(keys, start=1)
        ]
        name = product.name if product is not None else "A product no longer in the catalog"
        groups.append(KeyGroupView(name, redemption_of(product), views))
    return groups
