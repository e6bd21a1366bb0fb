"""The customer emails' words: Jinja2 templates in `templates/`, one base layout for the text and one for
the HTML, and a template of each per kind (`{kind}.txt.j2`, `{kind}.html.j2`). The subject is the
`subject` block of the kind's text template.

The HTML is autoescaped (a product named `<script>` shows as text); the text is not (it is no markup).
The environment is built once, at start, and compiles each template once."""

from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from bitloot.adapters.template_filters import add_amount_filter
from bitloot.application.ports.email_renderer import OrderEmail, RenderedEmail

TEMPLATES: Final = Path(__file__).parent / "templates"


class JinjaEmailRenderer:
    def __init__(self, templates: Path = TEMPLATES) -> None:
        self._env = Environment(
            loader=FileSystemLoader(templates),
            autoescape=select_autoescape(
                enabled_extensions=("html.j2",), disabled_extensions=("txt.j2",), default=True
            ),
            # A template naming a value the email does not have is a bug to see, not an empty string.
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
        )
        add_amount_filter(self._env)
        self._env.filters["when"] = _when

    def render(self, email: OrderEmail) -> RenderedEmail:
        context: dict[str, object] = {"email": email, "shop": email.shop}
        text = self._env.get_template(f"{email.kind.value}.txt.j2")
        subject = _one_line("".join(text.blocks["subject"](text.new_context(context))))
        context["subject"] = subject
        return RenderedEmail(
            subject=subject,
            text=text.render(context),
            html=self._env.get_template(f"{email.kind.value}.html.j2").render(context),
        )

    def __repr__(self) -> str:
        return "JinjaEmailRenderer()"


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _one_line(text: str) -> str:
    """A subject is one header line: no line breaks, whatever the shop's name holds."""
    return " ".join(text.split())
