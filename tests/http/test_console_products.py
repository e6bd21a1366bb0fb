"""The console's products and stock pages through the HTTP app (docs/console.md, "The pages"):
creating and changing a product, importing keys from a pasted list and from a file, the units by
state page by page, withdrawing; support may look but not act; every action audited as the operator;
no page ever carries a key."""

import re
import secrets

import httpx

from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.application.use_cases.list_product_stock import ListProductStock
from bitloot.domain.operator_audit import ActionKind, ActorKind, OperatorAction
from bitloot.domain.operators import Role
from bitloot.domain.stock import ProductStock
from tests.http.console_harness import ConsoleShop, ConsoleUser

PRODUCTS = "/console/products"


def new_keys(count: int) -> list[str]:
    return [f"KEY-{secrets.token_hex(6).upper()}-{n}" for n in range(count)]


def no_key_in(keys: list[str], *answers: httpx.Response) -> None:
    for answer in answers:
        for key in keys:
            assert key not in answer.text, f"a key is on {answer.url}"


async def create(owner: ConsoleUser, sku: str = "GAME-1", **extra: str) -> str:
    form = {"sku": sku, "name": f"Game {sku}", "price": "19.99", "currency": "EUR", "supplier": "stock"}
    answer = await owner.post(PRODUCTS, form | extra)
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    found = re.fullmatch(rf"{PRODUCTS}/([^?]+)\?done=product-created", location)
    assert found, location
    return found.group(1)


async def import_text(owner: ConsoleUser, product_id: str, keys: list[str]) -> httpx.Response:
    return await owner.upload(f"{PRODUCTS}/{product_id}/import", {"keys": "\n".join(keys)}, {})


async def audit(console_shop: ConsoleShop) -> list[OperatorAction]:
    async with console_shop.request() as request:
        return list(await (await request.get(ListOperatorActions)).execute(200))


async def products(console_shop: ConsoleShop) -> list[ProductStock]:
    async with console_shop.request() as request:
        return await (await request.get(ListProductStock)).execute()


def unit_ids(page: httpx.Response) -> list[str]:
    return re.findall(r'name="unit" value="([^"]+)"', page.text)


def link(page: httpx.Response, label: str) -> str:
    found = re.search(rf'<a href="([^"]+)"[^>]*>{label}</a>', page.text)
    assert found, f"no {label!r} link"
    return found.group(1).replace("&amp;", "&")


async def test_an_owner_creates_a_product_seen_in_the_list_with_its_stock_and_audited(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    empty = await owner.get(PRODUCTS)
    assert "New product" in empty.text

    product_id = await create(owner, "GAME-1")

    opened = await owner.get(f"{PRODUCTS}/{product_id}?done=product-created")
    assert opened.status_code == 200
    assert "The product is created." in opened.text
    listing = await owner.get(PRODUCTS)
    assert f'href="{PRODUCTS}/{product_id}">GAME-1</a>' in listing.text
    assert "19.99 EUR" in listing.text
    assert '<span class="badge low">low</span>' in listing.text, "0 available is at most 5"
    created = [a for a in await audit(console_shop) if a.kind is ActionKind.PRODUCT_CREATED]
    assert [(a.actor.kind, a.actor.label, a.target_id) for a in created] == [
        (ActorKind.OPERATOR, owner.email, product_id)
    ]


async def test_a_taken_sku_or_a_bad_value_shows_the_form_again_with_the_reason(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    await create(owner, "GAME-1")
    base = {"sku": "GAME-2", "name": "Two", "price": "5", "currency": "EUR", "supplier": "stock"}

    taken = await owner.post(PRODUCTS, base | {"sku": "GAME-1"})
    bad_price = await owner.post(PRODUCTS, base | {"price": "cheap"})
    kinguin_without_id = await owner.post(PRODUCTS, base | {"supplier": "kinguin"})
    bad_supplier = await owner.post(PRODUCTS, base | {"supplier": "elsewhere"})

    assert taken.status_code == 409
    assert "A product with this SKU exists." in taken.text
    assert bad_price.status_code == 400
    assert "A price is a decimal number such as 19.99." in bad_price.text
    assert 'value="cheap"' in bad_price.text, "the form keeps what was typed"
    assert kinguin_without_id.status_code == 400
    assert "A Kinguin product needs its supplierProductId." in kinguin_without_id.text
    assert bad_supplier.status_code == 400
    assert "Choose a supplier: stock or kinguin." in bad_supplier.text
    assert [p.product.sku for p in await products(console_shop)] == ["GAME-1"]


async def test_an_owner_edits_a_product_and_the_audit_names_the_fields_changed(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    product_id = await create(owner)
    form = {
        "name": "Game One Deluxe",
        "price": "24.50",
        "currency": "usd",
        "low_stock_threshold": "2",
        "platform": "Steam",
        "steps": "Open Steam, then Games, then Activate a product.",
        "activation_url": "https://store.steampowered.com/account/registerkey",
    }  # "listed" left out: the box unticked

    saved = await owner.post(f"{PRODUCTS}/{product_id}", form)
    again = await owner.post(f"{PRODUCTS}/{product_id}", form)
    bad_url = await owner.post(f"{PRODUCTS}/{product_id}", form | {"activation_url": "http://plain.example"})
    bad_threshold = await owner.post(f"{PRODUCTS}/{product_id}", form | {"low_stock_threshold": "-1"})

    assert saved.status_code == 303
    assert saved.headers["location"] == f"{PRODUCTS}/{product_id}?done=product-updated"
    assert again.headers["location"] == f"{PRODUCTS}/{product_id}?done=product-unchanged"
    assert bad_url.status_code == 400
    assert "An activation URL is an https:// address" in bad_url.text
    assert bad_threshold.status_code == 400
    assert "A low-stock threshold is 0 to 100000." in bad_threshold.text
    page = await owner.get(f"{PRODUCTS}/{product_id}?done=product-updated")
    assert "The product is saved." in page.text
    assert "Game One Deluxe" in page.text
    assert "24.50 USD" in page.text
    assert "no, not in the catalog" in page.text
    assert (await products(console_shop))[0].product.low_stock_threshold == 2
    updated = [a for a in await audit(console_shop) if a.kind is ActionKind.PRODUCT_UPDATED]
    assert [(a.actor.label, a.detail) for a in updated] == [
        (owner.email, "changed name, price, listed, lowStockThreshold, redemption")
    ]


async def test_keys_imported_from_text_and_from_a_file_are_reported_line_by_line_never_shown(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    product_id = await create(owner)
    keys = new_keys(4)
    path = f"{PRODUCTS}/{product_id}/import"

    pasted = await owner.upload(path, {"keys": f"{keys[0]}\r\n{keys[1]}\r\n{keys[0]}\r\n"}, {})
    file_body = f"\ufeff{keys[2]}\n\n{keys[1]}\n{keys[3]}\n".encode()
    from_file = await owner.upload(path, {"keys": ""}, {"file": ("keys.txt", file_body, "text/plain")})

    assert pasted.status_code == 200, pasted.text
    assert "Imported 2, refused 1. 2 available now." in pasted.text
    assert re.search(
        r'data-label="Line" class="num">3</td><td data-label="Why">repeats an earlier', pasted.text
    )
    assert from_file.status_code == 200, from_file.text
    assert "Imported 2, refused 2. 4 available now." in from_file.text
    assert '"num">2</td><td data-label="Why">blank line' in from_file.text
    assert '"num">3</td><td data-label="Why">already in stock' in from_file.text
    imports = [a for a in await audit(console_shop) if a.kind is ActionKind.STOCK_IMPORTED]
    assert sorted(a.detail for a in imports) == ["imported 2, refused 1", "imported 2, refused 2"]
    assert {a.actor.label for a in imports} == {owner.email}
    page = await owner.get(f"{PRODUCTS}/{product_id}")
    assert "4 available" in page.text
    no_key_in(keys, pasted, from_file, page, await owner.get(PRODUCTS), await owner.get("/console/audit"))


async def test_an_import_without_keys_too_big_or_for_a_kinguin_product_is_refused(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    product_id = await create(owner)
    kinguin = await create(owner, "KG-1", supplier="kinguin", supplier_product_id="kg-123")
    path = f"{PRODUCTS}/{product_id}/import"
    keys = new_keys(1)

    blank = await owner.upload(path, {"keys": " \n\n"}, {})
    big = await owner.upload(path, {}, {"file": ("big.txt", b"K" * (512 * 1024 + 1), "text/plain")})
    both = await owner.upload(path, {"keys": keys[0]}, {"file": ("k.txt", b"OTHER-KEY", "text/plain")})
    not_text = await owner.upload(path, {}, {"file": ("k.bin", b"\xff\xfe\x00key", "application/x")})
    for_kinguin = await owner.upload(f"{PRODUCTS}/{kinguin}/import", {"keys": keys[0]}, {})
    unknown = await owner.upload(f"{PRODUCTS}/no-such-product/import", {"keys": keys[0]}, {})

    assert (blank.status_code, big.status_code, both.status_code, not_text.status_code) == (400,) * 4
    assert "There is no key to import" in blank.text
    assert "A file of keys is at most 512 KiB." in big.text
    assert "Paste keys or choose a file, not both." in both.text
    assert "The file is not UTF-8 text" in not_text.text
    assert for_kinguin.status_code == 400
    assert "Keys are imported only for own-stock products." in for_kinguin.text
    assert unknown.status_code == 404
    assert "No such product." in unknown.text
    assert "Import keys" not in (await owner.get(f"{PRODUCTS}/{kinguin}")).text
    assert not [a for a in await audit(console_shop) if a.kind is ActionKind.STOCK_IMPORTED]
    no_key_in(keys, both, for_kinguin, unknown)


async def test_units_are_listed_by_state_page_by_page_and_withdrawn_with_each_outcome(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    product_id = await create(owner)
    keys = new_keys(55)
    assert (await import_text(owner, product_id, keys)).status_code == 200
    page_path = f"{PRODUCTS}/{product_id}"

    first = await owner.get(page_path)
    second = await owner.get(link(first, "Next page"))
    assert len(unit_ids(first)) == 50
    assert len(unit_ids(second)) == 5
    assert not set(unit_ids(first)) & set(unit_ids(second))
    assert "Next page" not in second.text
    assert link(second, "First page") == page_path

    chosen = unit_ids(second)[:2]
    done = await owner.post(f"{page_path}/withdraw", {"unit": chosen, "reason": "leaked"})
    twice = await owner.post(f"{page_path}/withdraw", {"unit": chosen[0], "reason": "leaked"})
    no_reason = await owner.post(f"{page_path}/withdraw", {"unit": unit_ids(first)[0], "reason": " "})
    none_ticked = await owner.post(f"{page_path}/withdraw", {"reason": "leaked"})

    assert done.status_code == 200, done.text
    assert "Withdrew 2, refused 0. 53 available now." in done.text
    assert all(unit in done.text for unit in chosen)
    assert twice.status_code == 200
    assert "refused: already withdrawn" in twice.text
    assert no_reason.status_code == 400
    assert "A withdrawal reason is 1 to 200 characters." in no_reason.text
    assert none_ticked.status_code == 400
    assert "Tick the units to withdraw." in none_ticked.text
    withdrawn = await owner.get(f"{page_path}?state=withdrawn")
    assert withdrawn.text.count('data-label="State">withdrawn<') == 2
    assert f"by {owner.email}: leaked" in withdrawn.text
    assert 'name="unit"' not in withdrawn.text, "a withdrawn unit has no box to tick"
    available = await owner.get(f"{page_path}?state=available")
    assert "available (53)" in available.text
    rest = await owner.get(link(available, "Next page"))
    assert len(unit_ids(available)) + len(unit_ids(rest)) == 53
    assert not set(chosen) & (set(unit_ids(available)) | set(unit_ids(rest)))
    records = [a for a in await audit(console_shop) if a.kind is ActionKind.STOCK_WITHDRAWN]
    assert [(a.actor.label, a.detail) for a in records] == [(owner.email, "withdrew 2, refused 0: leaked")]
    no_key_in(keys, first, second, done, twice, withdrawn, available)


async def test_a_bad_state_cursor_or_product_gets_a_page_not_an_error(console_shop: ConsoleShop) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    product_id = await create(owner)

    bad_state = await owner.get(f"{PRODUCTS}/{product_id}?state=lost")
    bad_cursor = await owner.get(f"{PRODUCTS}/{product_id}?after=not-a-cursor")
    unknown = await owner.get(f"{PRODUCTS}/no-such-product")
    edit_unknown = await owner.post(
        f"{PRODUCTS}/no-such-product",
        {"name": "x", "price": "1", "currency": "EUR", "low_stock_threshold": "1"},
    )

    assert bad_state.status_code == 400
    assert "Show units of one state: available, reserved, sold, withdrawn." in bad_state.text
    assert bad_cursor.status_code == 400
    assert "The `after` cursor is not one this API wrote." in bad_cursor.text
    assert (unknown.status_code, edit_unknown.status_code) == (404, 404)
    assert "No such product." in unknown.text


async def test_support_sees_the_pages_but_every_owner_action_is_refused_and_changes_nothing(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    product_id = await create(owner)
    keys = new_keys(3)
    await import_text(owner, product_id, keys)
    unit = unit_ids(await owner.get(f"{PRODUCTS}/{product_id}"))[0]
    support = await console_shop.sign_in(Role.SUPPORT)
    before, records = await products(console_shop), len(await audit(console_shop))

    listing = await support.get(PRODUCTS)
    page = await support.get(f"{PRODUCTS}/{product_id}")
    refused = [
        await support.post(
            PRODUCTS, {"sku": "S-1", "name": "S", "price": "1", "currency": "EUR", "supplier": "stock"}
        ),
        await support.post(
            f"{PRODUCTS}/{product_id}",
            {"name": "Renamed", "price": "1", "currency": "EUR", "low_stock_threshold": "1"},
        ),
        await support.upload(f"{PRODUCTS}/{product_id}/import", {"keys": "\n".join(new_keys(1))}, {}),
        await support.post(f"{PRODUCTS}/{product_id}/withdraw", {"unit": unit, "reason": "mine"}),
    ]

    assert (listing.status_code, page.status_code) == (200, 200)
    assert "GAME-1" in listing.text
    assert "3 available" in page.text
    for form in ("New product", "Save product", "Import keys", "Withdraw ticked units", 'name="unit"'):
        assert form not in listing.text + page.text
    for answer in refused:
        assert answer.status_code == 403, answer.url
        assert "Not for your role" in answer.text
    assert await products(console_shop) == before
    assert len(await audit(console_shop)) == records
    no_key_in(keys, listing, page, *refused)


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    product_id = await create(owner)
    keys = new_keys(1)
    before, records = await products(console_shop), len(await audit(console_shop))

    answers = [
        await owner.post(
            PRODUCTS,
            {"sku": "X", "name": "X", "price": "1", "currency": "EUR", "supplier": "stock"},
            csrf=False,
        ),
        await owner.post(
            f"{PRODUCTS}/{product_id}",
            {"name": "Renamed", "price": "1", "currency": "EUR", "low_stock_threshold": "1"},
            csrf=False,
        ),
        await owner.upload(f"{PRODUCTS}/{product_id}/import", {"keys": keys[0], "csrf_token": "forged"}, {}),
        await owner.post(f"{PRODUCTS}/{product_id}/withdraw", {"unit": "u", "reason": "r"}, csrf=False),
    ]

    for answer in answers:
        assert answer.status_code == 403
        assert "Form refused" in answer.text
    assert await products(console_shop) == before
    assert len(await audit(console_shop)) == records
