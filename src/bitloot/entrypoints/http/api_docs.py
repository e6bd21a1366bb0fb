"""The API's documentation pages, with nothing from a CDN: Swagger UI (at `/schema`) and Redoc (at
`/schema/redoc`) come from the swagger-ui-bundle-v2 and openapi-ui-bundles packages and are served by
this service, and each page loads only same-origin scripts (its own start-up script included), so
their Content-Security-Policy allows no inline script."""

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.router import Router
from litestar.static_files import create_static_files_router
from openapi_ui_bundles import redoc
from swagger_ui_bundle import swagger_ui_path

SWAGGER_ASSETS = "/assets/swagger-ui"
REDOC_ASSETS = "/assets/redoc"
SITE_ASSETS = "/assets/site"
STATIC_DIR = Path(__file__).parent / "static"
REDOC_PAGE = "/schema/redoc"

# Swagger UI styles its widgets inline and draws icons as data: URIs; scripts and data are same-origin.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Redoc too (styled-components), and it runs its search index in a worker made from a blob: URL.
REDOC_CSP = DOCS_CSP + "; worker-src blob:"
# Each documentation page and its policy (security.py sets it).
DOC_PAGE_POLICIES = {"/schema": DOCS_CSP, "/schema/swagger": DOCS_CSP, REDOC_PAGE: REDOC_CSP}

DESCRIPTION = (
    "Orders, NOWPayments and Kinguin webhooks, fulfilment status, delivery links, audited reveals and "
    "the operator's API. Customer calls take the order's access token, operator calls the admin token: "
    "press Authorize to try them in [Swagger UI](/schema), or read the same document in "
    f"[Redoc]({REDOC_PAGE})."
)

# Names of security schemes in the OpenAPI document, not secrets.
ORDER_TOKEN = "orderToken"  # noqa: S105
ADMIN_TOKEN = "adminToken"  # noqa: S105
SECURITY_SCHEMES = Components(
    security_schemes={
        ORDER_TOKEN: SecurityScheme(
            type="http",
            scheme="bearer",
            description="The order's access token, shown once in the answer of `POST /orders`.",
        ),
        ADMIN_TOKEN: SecurityScheme(
            type="http",
            scheme="bearer",
            description="The operator's token (`BITLOOT_ADMIN_TOKEN`; generated into `var/secrets.json` "
            "in the embedded mode).",
        ),
    }
)

_SWAGGER_PAGE = f"""<!doctype html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width,initial-scale=1">
<title>BitLoot fulfillment API</title>
<link rel=icon href="{SWAGGER_ASSETS}/favicon-32x32.png">
<link rel=stylesheet href="{SWAGGER_ASSETS}/swagger-ui.css"></head>
<body><div id=swagger-ui></div>
<script src="{SWAGGER_ASSETS}/swagger-ui-bundle.js"></script>
<script src="{SITE_ASSETS}/swagger-init.js"></script></body></html>
""".encode()

_REDOC_PAGE = f"""<!doctype html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width,initial-scale=1">
<title>BitLoot fulfillment API (Redoc)</title>
<link rel=icon href="{REDOC_ASSETS}/logo-mini.svg">
<style>body{{margin:0}}</style></head>
<body><div id=redoc></div>
<script src="{REDOC_ASSETS}/redoc.standalone.js"></script>
<script src="{SITE_ASSETS}/redoc-init.js"></script></body></html>
""".encode()


class OfflineSwaggerUI(OpenAPIRenderPlugin):
    """Swagger UI at `/schema` and `/schema/swagger`, reading `/schema/openapi.json`."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _SWAGGER_PAGE


class OfflineRedoc(OpenAPIRenderPlugin):
    """Redoc at `/schema/redoc`, reading `/schema/openapi.json`."""

    def __init__(self) -> None:
        super().__init__(path="/redoc")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _REDOC_PAGE


def doc_pages() -> list[OpenAPIRenderPlugin]:
    """The render plugins; the first is also served at `/schema` itself."""
    return [OfflineSwaggerUI(), OfflineRedoc()]


def asset_routers() -> list[Router]:
    """Swagger UI's and Redoc's files as their packages ship them, and this service's own few files."""
    return [
        create_static_files_router(path=SWAGGER_ASSETS, directories=[Path(str(swagger_ui_path))]),
        create_static_files_router(path=REDOC_ASSETS, directories=[Path(redoc.static_path)]),
        create_static_files_router(path=SITE_ASSETS, directories=[STATIC_DIR]),
    ]
