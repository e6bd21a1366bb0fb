"""The API's documentation pages, with nothing from a CDN: Swagger UI's assets come from the
swagger-ui-bundle-v2 package and are served by this service, and the page loads only same-origin
scripts (its own start-up script included), so its Content-Security-Policy allows no inline script."""

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.router import Router
from litestar.static_files import create_static_files_router
from swagger_ui_bundle import swagger_ui_path

SWAGGER_ASSETS = "/assets/swagger-ui"
SITE_ASSETS = "/assets/site"
STATIC_DIR = Path(__file__).parent / "static"
DOC_PAGES = ("/schema", "/schema/swagger")

# Swagger UI styles its widgets inline and draws icons as data: URIs; scripts and data are same-origin.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
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

_PAGE = f"""<!doctype html><html lang=en><head><meta charset=utf-8>
<meta name=viewport content="width=device-width,initial-scale=1">
<title>BitLoot fulfillment API</title>
<link rel=icon href="{SWAGGER_ASSETS}/favicon-32x32.png">
<link rel=stylesheet href="{SWAGGER_ASSETS}/swagger-ui.css"></head>
<body><div id=swagger-ui></div>
<script src="{SWAGGER_ASSETS}/swagger-ui-bundle.js"></script>
<script src="{SITE_ASSETS}/swagger-init.js"></script></body></html>
""".encode()


class OfflineSwaggerUI(OpenAPIRenderPlugin):
    """Swagger UI at `/schema` and `/schema/swagger`, reading `/schema/openapi.json`."""

    def __init__(self) -> None:
        super().__init__(path="/swagger")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _PAGE


def asset_routers() -> list[Router]:
    """Swagger UI's files as the package ships them, and this service's own few files."""
    return [
        create_static_files_router(path=SWAGGER_ASSETS, directories=[Path(str(swagger_ui_path))]),
        create_static_files_router(path=SITE_ASSETS, directories=[STATIC_DIR]),
    ]
