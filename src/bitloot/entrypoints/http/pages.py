"""Small server-rendered HTML pages: escaped text, no scripts, no third-party anything."""

from html import escape

from litestar import MediaType, Response

# No referrer: a delivery link's token must not leak to another site through a Referer header.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;width:100%}"
    "td,th{padding:.4rem;border-bottom:1px solid #ddd;text-align:left}"
    "button{font-size:1rem;padding:.5rem 1rem;margin:.25rem 0}code{font-size:1.1rem;background:#f4f4f4;"
    "padding:.2rem .4rem;word-break:break-all}.muted{color:#666}"
)


def page(title: str, body_html: str, status_code: int = 200) -> Response[str]:
    document = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body_html}</body></html>"
    )
    return Response(document, media_type=MediaType.HTML, status_code=status_code, headers=PAGE_HEADERS)


def table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{escape(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def button_form(action: str, label: str, fields: dict[str, str] | None = None) -> str:
    hidden = "".join(
        f"<input type=hidden name='{escape(k)}' value='{escape(v)}'>" for k, v in (fields or {}).items()
    )
    return f"<form method=post action='{escape(action)}'>{hidden}<button>{escape(label)}</button></form>"


def report_form(action: str, key_id: str) -> str:
    """The small form under a revealed key: the key's id and the customer's message, never the key."""
    return (
        f"<details><summary class=muted>Report a problem with this key</summary>"
        f"<form method=post action='{escape(action)}'>"
        f"<input type=hidden name='key_id' value='{escape(key_id)}'>"
        "<textarea name='message' maxlength=1000 required rows=3 style='width:100%'"
        " placeholder='What went wrong?'></textarea>"
        "<button>Report a problem with this key</button></form></details>"
    )
