"""`--preload N`: N fulfilled orders and N more stock units written straight into PostgreSQL with
set-based SQL (INSERT ... SELECT FROM generate_series, a chunk per transaction), before measuring.

Each order gets the rows a fulfilled order of one key has after the bench's own IPNs: the order
(fulfilled), its item, the applied payment, two webhook deliveries (applied, duplicate), the finished
fulfillment request, the two emails sent, the stock unit allocated to it with its fingerprint, and the
sealed key delivered. The N free units sit on a product of their own, with their fingerprints, so
no worker ever allocates one (their blobs are not in the bucket). Every unique column gets a unique
value, ids are time-ordered like the shop's UUIDv7s, and emails differ, so every index is as large
and as selective as a real shop's; the tables are analyzed afterwards. Calls add up: preloading
again continues the numbering (`start`)."""

import asyncpg  # type: ignore[import-untyped]

CHUNK = 50_000

ORDER, ITEM, SOLD_UNIT, SEALED, PAYMENT, IPN, IPN_AGAIN, RECEIVED, FULFILLED, FREE_UNIT, PRODUCT = range(
    1, 12
)
TABLES = (
    "products",
    "orders",
    "order_items",
    "payments",
    "webhook_deliveries",
    "fulfillment_requests",
    "notification_outbox",
    "stock_keys",
    "key_fingerprints",
    "sealed_keys",
)


def ident(kind: int, n: str = "n") -> str:
    """SQL for a 36-character id of `kind` and number `n`: one id space per kind, none like a UUIDv7
    the shop makes now (those start with the current time)."""
    return f"(lpad(to_hex({kind}), 8, '0') || '-0000-7000-8000-' || lpad(to_hex({n}), 12, '0'))"


def hex64(salt: str, n: str = "n") -> str:
    return f"(md5('{salt}a' || {n}) || md5('{salt}b' || {n}))"


# Time-ordered like the shop's rows: one order a second from 60 days before the run (5 million
# orders stay in the past).
AT = "(now() - interval '60 days' + make_interval(secs => n))"
PRODUCT_ID = ident(PRODUCT, "0")
FREE_PRODUCT_ID = ident(PRODUCT, "1")


def statements(start: int, stop: int) -> list[str]:
    """The INSERTs of orders number `start` .. `stop - 1` (and as many free units)."""
    at = AT
    series = f"FROM generate_series({start}, {stop - 1}) AS n"
    order, item, unit, sealed = ident(ORDER), ident(ITEM), ident(SOLD_UNIT), ident(SEALED)
    body = (
        'convert_to(format(\'{"payment_id": %s, "payment_status": "finished", "pay_address": '
        '"bc1qexample", "price_amount": 9.99, "price_currency": "eur", "pay_amount": 0.001, '
        '"actually_paid": 0.001, "pay_currency": "btc", "order_id": "%s", "order_description": '
        '"BitLoot order"}\', 1000000000000 + n, ' + order + "), 'UTF8')"
    )
    envelope = f"decode({hex64('k')} || md5('kc' || n::text), 'hex'), 1, {hex64('s')}, 'text/plain'"
    return [
        f"INSERT INTO orders (id, email, currency, status, access_token_hash, payment_url,"
        f" payment_reference, created_at, updated_at, fulfilled_at, failure_reason, lease_owner,"
        f" lease_expires_at, reveal_count, version)"
        f" SELECT {order}, 'buyer' || n || '@example.com', 'EUR', 'fulfilled', {hex64('t')},"
        f" 'https://nowpayments.io/payment/?iid=' || (5000000000 + n), (5000000000 + n)::text,"
        f" {at}, {at} + interval '2 seconds', {at} + interval '2 seconds', NULL, NULL, NULL, 0, 5 {series}",
        f"INSERT INTO order_items (id, order_id, position, product_id, quantity, unit_price, currency,"
        f" fulfilled_at) SELECT {item}, {order}, 0, {PRODUCT_ID}, 1, 9.99, 'EUR',"
        f" {at} + interval '2 seconds' {series}",
        f"INSERT INTO payments (id, provider, dedupe_key, order_id, payment_id, status, outcome,"
        f" actually_paid, pay_currency, received_at, pay_amount) SELECT {ident(PAYMENT)}, 'nowpayments',"
        f" {hex64('p')}, {order}, (1000000000000 + n)::text, 'finished', 'applied', 0.001, 'btc',"
        f" {at} + interval '1 second', 0.001 {series}",
        f"INSERT INTO webhook_deliveries (id, provider, event, raw_body, signature, signature_valid,"
        f" dedupe_key, outcome, order_id, received_at, replayed_from)"
        f" SELECT {ident(IPN)}, 'nowpayments', 'finished', {body}, {hex64('g')} || {hex64('h')}, true,"
        f" {hex64('p')}, 'applied', {order}, {at} + interval '1 second', NULL {series}"
        f" UNION ALL SELECT {ident(IPN_AGAIN)}, 'nowpayments', 'finished', {body},"
        f" {hex64('g')} || {hex64('h')}, true, {hex64('p')}, 'duplicate', {order},"
        f" {at} + interval '1.5 seconds', NULL {series}",
        f"INSERT INTO fulfillment_requests (order_id, state, updated_at, request_id, traceparent)"
        f" SELECT {order}, 'done', {at} + interval '2 seconds', md5('r' || n), NULL {series}",
        f"INSERT INTO notification_outbox (id, order_id, dedupe_key, kind, email, status, attempts,"
        f" next_attempt_at, last_error, created_at, updated_at)"
        f" SELECT {ident(RECEIVED)}, {order}, 'received:' || {order}, 'order_received',"
        f" 'buyer' || n || '@example.com', 'sent', 1, {at}, NULL, {at}, {at} + interval '1 second' {series}"
        f" UNION ALL SELECT {ident(FULFILLED)}, {order}, 'fulfilled:' || {order}, 'order_fulfilled',"
        f" 'buyer' || n || '@example.com', 'sent', 1, {at} + interval '2 seconds', NULL,"
        f" {at} + interval '2 seconds', {at} + interval '3 seconds' {series}",
        f"INSERT INTO stock_keys (id, product_id, blob_path, wrapped_key, key_version, blob_sha256,"
        f" content_type, created_at, order_id, item_id, withdrawn_at, withdrawn_by, withdrawn_reason)"
        f" SELECT {unit}, {PRODUCT_ID}, 'stock/' || {PRODUCT_ID} || '/' || {unit}, {envelope},"
        f" {at} - interval '1 day', {order}, {item}, NULL::timestamptz, NULL, NULL {series}"
        f" UNION ALL SELECT {ident(FREE_UNIT)}, {FREE_PRODUCT_ID},"
        f" 'stock/' || {FREE_PRODUCT_ID} || '/' || {ident(FREE_UNIT)}, {envelope}, {at} - interval '1 day',"
        f" NULL, NULL, NULL, NULL, NULL {series}",
        f"INSERT INTO key_fingerprints (fingerprint, product_id, stock_key_id, sealed_key_id, order_id,"
        f" item_id, source_key_id, created_at) SELECT {hex64('f')}, {PRODUCT_ID}, {unit}, NULL, NULL,"
        f" NULL, NULL, {at} - interval '1 day' {series}"
        f" UNION ALL SELECT {hex64('F')}, {FREE_PRODUCT_ID}, {ident(FREE_UNIT)}, NULL, NULL, NULL, NULL,"
        f" {at} - interval '1 day' {series}",
        f"INSERT INTO sealed_keys (id, order_id, item_id, product_id, source_key_id, blob_path,"
        f" wrapped_key, key_version, blob_sha256, content_type, created_at, purged_at, revoked_at,"
        f" revoke_reason, replaced_by) SELECT {sealed}, {order}, {item}, {PRODUCT_ID}, {unit},"
        f" 'keys/' || {order} || '/' || {sealed}, {envelope}, {at} + interval '2 seconds', NULL, NULL,"
        f" NULL, NULL {series}",
    ]


PRODUCTS = (
    "INSERT INTO products (id, sku, name, price, currency, supplier, supplier_product_id,"  # noqa: S608 - constants
    " supplier_available, supplier_updated_at, listed, low_stock_threshold, redemption_platform,"
    " redemption_steps, redemption_url) VALUES"
    f" ({PRODUCT_ID}, 'PRELOAD-SOLD', 'Preloaded, sold', 9.99, 'EUR', 'stock', NULL, 0, NULL, true, 5,"
    " NULL, NULL, NULL),"
    f" ({FREE_PRODUCT_ID}, 'PRELOAD-FREE', 'Preloaded, in stock', 9.99, 'EUR', 'stock', NULL, 0, NULL,"
    " true, 5, NULL, NULL, NULL) ON CONFLICT DO NOTHING"
)


def chunks(start: int, count: int, size: int = CHUNK) -> list[tuple[int, int]]:
    """[start, stop) ranges of at most `size` covering `count` numbers from `start`."""
    return [(s, min(s + size, start + count)) for s in range(start, start + count, size)]


async def preload(libpq_url: str, count: int, start: int = 0) -> None:
    """Orders (and free units) number `start` .. `start + count - 1`."""
    connection = await asyncpg.connect(libpq_url)
    try:
        await connection.execute("SET synchronous_commit = off")
        await connection.execute(PRODUCTS)
        for low, high in chunks(start, count):
            async with connection.transaction():
                for statement in statements(low, high):
                    await connection.execute(statement)
        await connection.execute("VACUUM ANALYZE " + ", ".join(TABLES))
    finally:
        await connection.close()
