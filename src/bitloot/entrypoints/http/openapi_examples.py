"""An example of each main request and response body, for the OpenAPI document: openapi_docs.py puts
each on its struct's schema, where Swagger UI and Redoc show it (and "Try it out" starts from it).
Each decodes into its struct (tests/http/test_openapi.py), so none can drift from the real shape."""

from typing import Any

import msgspec

from bitloot.entrypoints.http import admin_products_schemas as ap
from bitloot.entrypoints.http import schemas as s
from bitloot.entrypoints.http.admin_orders_schemas import EXAMPLES as ADMIN_ORDERS_EXAMPLES

# Ids as `domain.ids.new_id` makes them.
_ORDER = "01935c4e-8f3a-7c21-9b4d-5e6f7a8b9c0d"
_PRODUCT = "01935c40-1d2e-7f3a-8b4c-5d6e7f8a9b0c"
_ITEM = "01935c4e-8f3b-7d42-a1b2-c3d4e5f6a7b8"
_UNIT = "01935c3f-0000-7abc-8def-0123456789ab"
_PLACED_AT = "2026-01-31T12:00:00Z"
_FULFILLED_AT = "2026-01-31T12:03:10Z"

EXAMPLES: dict[type[msgspec.Struct], dict[str, Any]] = {
    s.PlaceOrderIn: {"email": "player@example.com", "items": [{"productId": _PRODUCT, "quantity": 1}]},
    s.PlacedOrderOut: {
        "id": _ORDER,
        "status": "awaiting_payment",
        "accessToken": "q8Xv2mJ0bH4tNwz7YcR1sLk9eP3aUf6iGd5oVn0ZxQE",
        "email": "player@example.com",
        "currency": "EUR",
        "total": "59.99",
        "paymentUrl": f"http://127.0.0.1:8000/simulator/pay/{_ORDER}",
        "items": [{"itemId": _ITEM, "productId": _PRODUCT, "quantity": 1, "unitPrice": "59.99"}],
        "createdAt": _PLACED_AT,
        "orderPageUrl": (
            "http://127.0.0.1:8000/o/MDE5MzVjNGUtOGYzYS03YzIxLTliNGQtNWU2ZjdhOGI5YzBkfDE3NzI0NTI4MDA"
            ".yn31WhIQloLyJSfokZrXRIaH8fDMe6facbtSJWj3Ouk"
        ),
    },
    s.FulfillmentStatusOut: {
        "orderId": _ORDER,
        "status": "fulfilled",
        "orderStatus": "fulfilled",
        "itemsTotal": 1,
        "itemsFulfilled": 1,
        "items": [
            {
                "itemId": _ITEM,
                "productId": _PRODUCT,
                "quantity": 1,
                "status": "fulfilled",
                "fulfilledAt": _FULFILLED_AT,
            }
        ],
        "fulfilledAt": _FULFILLED_AT,
        "updatedAt": _FULFILLED_AT,
    },
    s.DownloadLinkOut: {
        "orderId": _ORDER,
        "signedUrl": "http://127.0.0.1:8000/d/MDE5MzVjNGUtOGYzYS03YzIxfDE3Njk4NjE1MDA.c2lnbmF0dXJlLW9mLXRoZS1saW5r",
        "expiresAt": "2026-01-31T12:20:00Z",
        "itemCount": 1,
    },
    # Every key of the order; `{"itemId": "<an itemId of the placed order>"}` reveals that item's only.
    s.RevealIn: {},
    s.RevealOut: {
        "orderId": _ORDER,
        "keys": [
            {
                "itemId": _ITEM,
                "productId": _PRODUCT,
                "key": "AAAAA-BBBBB-CCCCC",
                "contentType": "text/plain",
                "revealedAt": "2026-01-31T12:05:00Z",
            }
        ],
        "revealCount": 1,
    },
    s.ProductOut: {
        "id": _PRODUCT,
        "sku": "ELDEN-RING-PC",
        "name": "Elden Ring (PC, Steam)",
        "price": "59.99",
        "currency": "EUR",
        "available": 25,
    },
    s.ProductIn: {
        "sku": "ELDEN-RING-PC",
        "name": "Elden Ring (PC, Steam)",
        "price": "59.99",
        "currency": "EUR",
    },
    s.KeysIn: {"keys": ["AAAAA-BBBBB-CCCCC", "DDDDD-EEEEE-FFFFF", "AAAAA-BBBBB-CCCCC"]},
    s.ImportOut: {"imported": 2, "available": 27, "refused": [{"line": 3, "reason": "repeated_in_batch"}]},
    ap.AdminProductOut: {
        "id": _PRODUCT,
        "sku": "ELDEN-RING-PC",
        "name": "Elden Ring (PC, Steam)",
        "price": "59.99",
        "currency": "EUR",
        "supplier": "stock",
        "supplierProductId": None,
        "listed": True,
        "lowStockThreshold": 5,
        "available": 25,
        "stock": {"available": 25, "reserved": 1, "sold": 73, "withdrawn": 2},
        "redemption": {
            "platform": "Steam",
            "steps": "Open Steam, choose Games > Activate a Product on Steam, and enter the key.",
            "activationUrl": "https://store.steampowered.com/account/registerkey",
        },
    },
    ap.ProductPatchIn: {"price": "54.99", "listed": False, "lowStockThreshold": 10},
    ap.StockPageOut: {
        "units": [
            {
                "id": _UNIT,
                "productId": _PRODUCT,
                "state": "sold",
                "importedAt": "2026-01-30T09:00:00Z",
                "orderId": _ORDER,
                "withdrawnAt": None,
                "withdrawnBy": None,
                "withdrawnReason": None,
            }
        ],
        "next": "MjAyNi0wMS0zMFQwOTowMDowMCswMDowMHwwMTkzNWMzZi0wMDAwLTdhYmMtOGRlZi0wMTIzNDU2Nzg5YWI",
    },
    ap.WithdrawIn: {"unitIds": [_UNIT], "reason": "The batch was leaked on a forum."},
    ap.WithdrawOut: {
        "withdrawn": 0,
        "available": 25,
        "units": [{"unitId": _UNIT, "outcome": "refused", "reason": "already sold"}],
    },
}

# The operator's order search, timeline and overview (admin_orders_schemas.py).
EXAMPLES.update(ADMIN_ORDERS_EXAMPLES)
