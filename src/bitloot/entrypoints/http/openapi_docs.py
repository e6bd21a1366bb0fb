"""Corrections to the generated OpenAPI document so that it describes what the app really answers
(found by the schemathesis suite, tests/http/test_schemathesis.py):

- every error is RFC 9457 problem details as `application/problem+json` (problems.py), not Litestar's
  default `{"status_code", "detail", "extra"}` as `application/json`; a 429 says when to retry
  (`Retry-After`, which `ResponseSpec` cannot declare);
- a request body with a field it does not know is refused (`forbid_unknown_fields`), so its schema says
  `additionalProperties: false`; a `Decimal` field takes a decimal string, which its schema now spells;
- the delivery-link pages (`/d/...`) answer HTML, errors included; only their POST answers JSON to a
  client that asks for it;
- the main bodies carry an example (openapi_examples.py), which Litestar has no place for on a struct.
"""

import msgspec
from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    Schema,
)

from bitloot.entrypoints.http.openapi_examples import EXAMPLES
from bitloot.entrypoints.http.problems import PROBLEM_JSON
from bitloot.entrypoints.http.schemas import RequestSchema

JSON = "application/json"
HTML = "text/html"
PAGE_PREFIX = "/d/"
# What msgspec decodes into a `Decimal` from a JSON string (fixed notation; an exponent is refused too).
DECIMAL_PATTERN = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$"

PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    title="Problem",
    description="RFC 9457 problem details.",
    required=["type", "title", "status"],
    properties={
        "type": Schema(type=OpenAPIType.STRING),
        "title": Schema(type=OpenAPIType.STRING),
        "status": Schema(type=OpenAPIType.INTEGER),
        "detail": Schema(type=OpenAPIType.STRING),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="For a request that failed validation: what was wrong, and where.",
            items=Schema(
                type=OpenAPIType.OBJECT,
                properties={
                    "message": Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL]),
                    "key": Schema(type=[OpenAPIType.STRING, OpenAPIType.NULL]),
                },
            ),
        ),
    },
)


RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=1),
    description="Seconds until the limit lets this client (or this order) in again.",
)


def document_responses(app: Litestar) -> None:
    """Correct `app`'s OpenAPI document in place; call once all routes are registered."""
    openapi = app.openapi_schema
    components = openapi.components.schemas if openapi.components is not None else None
    for struct in _request_structs():
        component = (components or {}).get(struct.__name__)
        if isinstance(component, Schema):
            component.additional_properties = False
            _decimal_patterns(struct, component)
    for body, example in EXAMPLES.items():
        component = (components or {}).get(body.__name__)
        if isinstance(component, Schema):
            component.examples = [example]
    for path, item in (openapi.paths or {}).items():
        page = path.startswith(PAGE_PREFIX)
        if item.get is not None:
            _correct(item.get, page, html_only=page)
        for operation in (item.put, item.post, item.delete, item.patch):
            if operation is not None:
                _correct(operation, page, html_only=False)


def _correct(operation: Operation, page: bool, html_only: bool) -> None:
    for code, response in (operation.responses or {}).items():
        if isinstance(response, Reference):
            continue
        if int(code) >= 400:
            _as_problem(response)
        if int(code) == 429:
            response.headers = {**(response.headers or {}), "Retry-After": RETRY_AFTER}
        if page:
            content = response.content if response.content is not None else {}
            content.setdefault(HTML, OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING)))
            if html_only:
                content.pop(JSON, None)
                content.pop(PROBLEM_JSON, None)
            response.content = content


def _as_problem(response: OpenAPIResponse) -> None:
    content = response.content if response.content is not None else {}
    content.pop(JSON, None)
    content.setdefault(PROBLEM_JSON, OpenAPIMediaType(schema=PROBLEM_SCHEMA))
    response.content = content


def _request_structs() -> list[type[RequestSchema]]:
    """The request body structs, all of which forbid unknown fields."""
    found: list[type[RequestSchema]] = []
    pending: list[type[RequestSchema]] = [RequestSchema]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return found


def _decimal_patterns(struct: type[RequestSchema], component: Schema) -> None:
    info = msgspec.inspect.type_info(struct)
    if not isinstance(info, msgspec.inspect.StructType):
        return
    for field in info.fields:
        prop = (component.properties or {}).get(field.encode_name)
        if isinstance(field.type, msgspec.inspect.DecimalType) and isinstance(prop, Schema):
            prop.pattern = DECIMAL_PATTERN
