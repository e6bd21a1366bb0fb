"""The customer forms' CSRF tokens: bound to the page's signed link, or to a nonce cookie."""

from bitloot.entrypoints.http.customer_csrf import CustomerCsrf

KEY = b"k" * 32


def test_a_link_form_token_fits_its_own_link_only() -> None:
    csrf = CustomerCsrf(KEY)
    token = csrf.for_link("link-a")

    assert csrf.link_ok("link-a", token)
    assert not csrf.link_ok("link-b", token)
    assert not CustomerCsrf(b"j" * 32).link_ok("link-a", token)
    assert not csrf.link_ok("link-a", None)
    assert not csrf.link_ok("link-a", "")
    assert "k" * 8 not in repr(csrf)
