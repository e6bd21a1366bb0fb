"""`BITLOOT_SMTP_URL`: how it is read, what is refused, and that its password shows nowhere."""

from pathlib import Path

import pytest

from bitloot.adapters.email.smtp_sender import SmtpEmailSender, SmtpSettings
from bitloot.entrypoints.config import ConfigurationError, load_settings

PASSWORD = "Sup3r-Secret-Pass"


def test_a_full_smtp_url() -> None:
    settings = SmtpSettings.parse(
        "smtp://mailer%40shop:Sup3r%2FSecret%3APass@mail.example.com:587?starttls=true&from=shop@example.com"
    )
    assert settings == SmtpSettings(
        host="mail.example.com",
        port=587,
        sender="shop@example.com",
        username="mailer@shop",
        password="Sup3r/Secret:Pass",
        implicit_tls=False,
        start_tls=True,
    )
    assert settings.timeout_seconds == 10


@pytest.mark.parametrize(
    ("url", "port", "implicit_tls", "start_tls"),
    [
        ("smtp://mail.example.com?from=shop@example.com", 25, False, None),
        ("smtp://mail.example.com:2525?from=shop@example.com&starttls=false", 2525, False, False),
        ("smtp://mail.example.com?from=shop@example.com&STARTTLS=yes", 25, False, True),
        ("smtps://mail.example.com?from=shop@example.com", 465, True, False),
        ("smtps://u:p@mail.example.com:2465?from=shop@example.com&starttls=false", 2465, True, False),
    ],
)
def test_ports_and_tls(url: str, port: int, implicit_tls: bool, start_tls: bool | None) -> None:
    settings = SmtpSettings.parse(url)
    assert (settings.port, settings.implicit_tls, settings.start_tls) == (port, implicit_tls, start_tls)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example.com?from=shop@example.com", "smtp://"),
        ("smtp://?from=shop@example.com", "no host"),
        ("smtp://mail.example.com:99999?from=shop@example.com", "port"),
        ("smtp://mail.example.com", "from="),
        ("smtp://mail.example.com?from=not-an-address", "from="),
        ("smtp://mail.example.com?from=shop@example.com&starttls=maybe", "starttls"),
        ("smtps://mail.example.com?from=shop@example.com&starttls=true", "already uses TLS"),
        (f"smtp://:{PASSWORD}@mail.example.com?from=shop@example.com", "user name"),
        ("smtp://mailer:pass/word@mail.example.com?from=shop@example.com", "percent-encode"),
    ],
)
def test_bad_urls_are_refused_with_a_reason(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SmtpSettings.parse(url)


def test_the_password_is_in_no_repr() -> None:
    settings = SmtpSettings.parse(f"smtp://mailer:{PASSWORD}@mail.example.com?from=shop@example.com")
    for text in (repr(settings), str(settings), repr(SmtpEmailSender(settings))):
        assert PASSWORD not in text
        assert "mailer" in text


def base_env(tmp_path: Path) -> dict[str, str]:
    return {"BITLOOT_DATA_DIR": str(tmp_path), "BITLOOT_ENV": "test"}


def test_unset_means_no_smtp(tmp_path: Path) -> None:
    assert load_settings(base_env(tmp_path)).smtp is None


def test_the_settings_read_it_and_keep_the_password_out_of_their_repr(tmp_path: Path) -> None:
    settings = load_settings(
        {
            **base_env(tmp_path),
            "BITLOOT_SMTP_URL": f"smtps://mailer:{PASSWORD}@mail.example.com?from=shop@example.com",
        }
    )
    assert settings.smtp is not None
    assert settings.smtp.password == PASSWORD
    assert PASSWORD not in repr(settings)


def test_a_bad_url_is_named_without_repeating_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError) as refused:
        load_settings(
            {**base_env(tmp_path), "BITLOOT_SMTP_URL": f"smtp://mailer:{PASSWORD}@mail.example.com"}
        )
    [problem] = refused.value.problems
    assert problem.startswith("BITLOOT_SMTP_URL is not valid:")
    assert "from=" in problem
    assert PASSWORD not in str(refused.value)
    assert "mailer" not in str(refused.value)
