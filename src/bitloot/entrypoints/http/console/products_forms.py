"""The products pages' forms read into use-case requests, and what those pages show of a product, a
unit, an import and a withdrawal (docs/console.md). Nothing here ever holds or shows a key's text
beyond reading the lines of an import."""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from litestar.datastructures import UploadFile

from bitloot.application.use_cases.create_product import CreateProductRequest
from bitloot.application.use_cases.import_stock import ImportResult, RefusalReason
from bitloot.application.use_cases.update_product import UpdateProductRequest
from bitloot.application.use_cases.withdraw_stock import WithdrawResult
from bitloot.domain.errors import InvalidValue
from bitloot.domain.product import SupplierKind
from bitloot.domain.redemption import Redemption
from bitloot.domain.stock import ProductStock, StockState, StockUnitView
from bitloot.entrypoints.http.console.presenting import when
from bitloot.entrypoints.http.presenters import amount

# A file of keys: 1000 keys (an import's most) of a few dozen characters each fit many times over;
# the whole request stays under the app's 1 MiB body limit.
MAX_UPLOAD_BYTES: Final = 512 * 1024
# Longer than any field of these forms may be (redemption steps are the longest, 2000).
MAX_FIELD: Final = 4000

REASONS: Final = {
    RefusalReason.BLANK: "blank line",
    RefusalReason.TOO_LONG: "longer than any key (over 512 characters)",
    RefusalReason.REPEATED: "repeats an earlier line of this import",
    RefusalReason.IN_STOCK: "already in stock",
    RefusalReason.DELIVERED: "already delivered to a customer",
}


def field(form: Any, name: str) -> str:
    """A text field of a posted form, cut to `MAX_FIELD`; "" when absent (or no form at all)."""
    value = None if form is None else form.get(name)
    return value[:MAX_FIELD] if isinstance(value, str) else ""


def _price(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        raise InvalidValue("A price is a decimal number such as 19.99.") from None


def _threshold(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidValue("A low-stock threshold is a whole number (0 or more).") from None


def create_request(form: Any) -> CreateProductRequest:
    try:
        supplier = SupplierKind(field(form, "supplier"))
    except ValueError:
        raise InvalidValue("Choose a supplier: stock or kinguin.") from None
    return CreateProductRequest(
        sku=field(form, "sku"),
        name=field(form, "name"),
        price=_price(field(form, "price")),
        currency=field(form, "currency").strip(),
        supplier=supplier,
        supplier_product_id=field(form, "supplier_product_id").strip() or None,
    )


def update_request(product_id: str, form: Any) -> UpdateProductRequest:
    """Every field of the edit form; the use case records only those that changed. Blank redemption
    fields remove the instructions."""
    platform, steps = field(form, "platform").strip(), field(form, "steps").strip()
    url = field(form, "activation_url").strip() or None
    redemption = None if not (platform or steps or url) else Redemption(platform, steps, url)
    return UpdateProductRequest(
        product_id,
        name=field(form, "name"),
        price=_price(field(form, "price")),
        currency=field(form, "currency").strip(),
        listed=form.get("listed") is not None,
        low_stock_threshold=_threshold(field(form, "low_stock_threshold")),
        redemption=redemption,
    )


async def import_lines(form: Any) -> list[str]:
    """The keys of the import form, one a line: pasted into `keys`, or a UTF-8 text file in `file`
    (not both). Trailing blank lines are dropped; the others stay, so line numbers are the file's."""
    pasted = form.get("keys")
    text = pasted if isinstance(pasted, str) else ""
    upload = form.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        data = await upload.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise InvalidValue(f"A file of keys is at most {MAX_UPLOAD_BYTES // 1024} KiB.")
        if data and text.strip():
            raise InvalidValue("Paste keys or choose a file, not both.")
        try:
            text = data.decode("utf-8-sig") if data else text
        except UnicodeDecodeError:
            raise InvalidValue("The file is not UTF-8 text with one key a line.") from None
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise InvalidValue("There is no key to import: paste keys or choose a file.")
    return lines


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: str
    sku: str
    name: str
    price: str
    currency: str
    supplier: str
    supplier_product_id: str
    listed: bool
    available: int
    reserved: int
    sold: int
    withdrawn: int
    threshold: int
    low: bool
    own_stock: bool
    platform: str
    steps: str
    activation_url: str


def product_row(stock: ProductStock) -> ProductRow:
    product, counts = stock.product, stock.counts
    redemption = product.redemption
    return ProductRow(
        id=product.id,
        sku=product.sku,
        name=product.name,
        price=amount(product.price.amount),
        currency=product.price.currency,
        supplier=product.supplier.value,
        supplier_product_id=product.supplier_product_id or "",
        listed=product.listed,
        available=counts.available,
        reserved=counts.reserved,
        sold=counts.sold,
        withdrawn=counts.withdrawn,
        threshold=product.low_stock_threshold,
        low=stock.low,
        own_stock=product.supplier is SupplierKind.STOCK,
        platform=redemption.platform if redemption else "",
        steps=redemption.steps if redemption else "",
        activation_url=(redemption.activation_url or "") if redemption else "",
    )


@dataclass(frozen=True, slots=True)
class UnitRow:
    id: str
    state: str
    imported: str
    order_id: str
    withdrawn: str
    available: bool


def unit_row(unit: StockUnitView) -> UnitRow:
    withdrawn = ""
    if unit.state is StockState.WITHDRAWN:
        withdrawn = f"{when(unit.withdrawn_at)} by {unit.withdrawn_by}: {unit.withdrawn_reason}"
    return UnitRow(
        id=unit.id,
        state=unit.state.value,
        imported=when(unit.imported_at),
        order_id=unit.order_id or "",
        withdrawn=withdrawn,
        available=unit.state is StockState.AVAILABLE,
    )


def import_report(result: ImportResult) -> dict[str, Any]:
    return {
        "imported": result.imported,
        "available": result.available,
        "refused": [{"line": r.line, "reason": REASONS[r.reason]} for r in result.refused],
    }


def withdrawal_report(result: WithdrawResult) -> dict[str, Any]:
    return {
        "withdrawn": result.withdrawn,
        "refused": sum(1 for u in result.units if not u.withdrawn),
        "available": result.available,
        "units": [
            {"id": u.unit_id, "withdrawn": u.withdrawn, "refusal": u.refusal or ""} for u in result.units
        ],
    }
