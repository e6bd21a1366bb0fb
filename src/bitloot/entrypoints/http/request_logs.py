"""The request id and the access log, around the whole app (404s and errors included)."""

from litestar import Litestar

from bitloot.entrypoints.http.access_log import AccessLog
from bitloot.entrypoints.http.client_address import ClientAddresses
from bitloot.entrypoints.http.request_id import RequestIds


def log_requests(app: Litestar, addresses: ClientAddresses) -> None:
    """Wrap what `app` runs for each request (its router inside its exception handling): the request
    id outermost, so that the access line carries it too."""
    app.asgi_handler = RequestIds(AccessLog(app.asgi_handler, addresses), addresses)
