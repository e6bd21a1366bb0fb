"""`/`: a small page naming the service, with links to its documentation, health and catalog."""

from litestar import get
from litestar.response import Template

from bitloot.entrypoints.http.api_docs import SITE_ASSETS

SERVICE_NAME = "BitLoot fulfillment"

HOME_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


@get("/", include_in_schema=False)
async def home() -> Template:
    """A small page naming the service, with links to the documentation, health and catalog."""
    return Template(
        template_name="home.html.j2",
        context={"service": SERVICE_NAME, "site_assets": SITE_ASSETS},
        headers={"Content-Security-Policy": HOME_CSP},
    )
