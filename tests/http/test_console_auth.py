"""Signing in to the console, sessions, CSRF and roles, through the HTTP app (docs/console.md)."""

import re
from datetime import timedelta

import httpx
import pytest

from bitloot.application.use_cases.list_operator_actions import ListOperatorActions
from bitloot.domain.operator_audit import ActionKind
from bitloot.domain.operators import Role
from bitloot.entrypoints.http.console.headers import CONSOLE_CSP
from tests.fakes.clock import FrozenClock
from tests.http.console_harness import ConsoleShop, ConsoleUser, csrf_token_in

SESSION = "bitloot_console"
# Where the console shop's clock starts, so when its operators signed in.
SIGNED_IN_AT = FrozenClock().now()


def redirected_to_sign_in(answer: httpx.Response, next_path: str | None = None) -> bool:
    expected = "/console/login" + (f"?next={next_path}" if next_path else "")
    return answer.status_code == 303 and answer.headers.get("location", "") == expected


async def audit_kinds(console_shop: ConsoleShop) -> list[ActionKind]:
    async with console_shop.request() as request:
        actions = await (await request.get(ListOperatorActions)).execute(100)
    return [a.kind for a in actions]


async def test_an_operator_signs_in_sees_the_console_and_the_sign_in_is_audited(
    console_shop: ConsoleShop,
) -> None:
    email, password = await console_shop.add_operator(Role.SUPPORT, "Help@Shop.example")
    browser = console_shop.browser()

    answer = await browser.sign_in("  HELP@shop.example ", password, next_path="/console/audit")

    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/console/audit"
    page = await browser.get("/console")
    assert page.status_code == 200
    assert "help@shop.example" in page.text
    assert 'href="/console/audit"' in page.text
    assert "/console/operators" not in page.text, "support has no Operators menu entry"
    assert ActionKind.SIGNED_IN in await audit_kinds(console_shop)
    assert email == "Help@Shop.example"


async def test_signed_out_pages_redirect_to_the_sign_in_form_and_back(console_shop: ConsoleShop) -> None:
    browser = console_shop.browser()
    assert redirected_to_sign_in(await browser.get("/console"))
    assert redirected_to_sign_in(
        await browser.get("/console/audit?operator=x"), "/console/audit%3Foperator%3Dx"
    )
    form = await browser.get("/console/login?next=/console/audit%3Foperator%3Dx")
    assert 'name="next" value="/console/audit?operator=x"' in form.text


async def test_a_wrong_password_an_unknown_email_and_a_disabled_operator_get_one_answer(
    console_shop: ConsoleShop,
) -> None:
    known, _ = await console_shop.add_operator(Role.SUPPORT, "known@shop.example")
    disabled, disabled_password = await console_shop.add_operator(Role.SUPPORT, "gone@shop.example")
    owner = await console_shop.sign_in(Role.OWNER)
    assert (await owner.post("/console/operators/disable", {"email": disabled})).status_code == 303

    answers = [
        await console_shop.browser().sign_in(known, "not-the-password-at-all"),
        await console_shop.browser().sign_in("nobody@shop.example", "not-the-password-at-all"),
        await console_shop.browser().sign_in(disabled, disabled_password),
    ]

    bodies = set()
    for answer, email in zip(answers, [known, "nobody@shop.example", disabled], strict=True):
        assert answer.status_code == 401
        assert "The email or password is not right." in answer.text
        assert f"{SESSION}=" not in answer.headers.get("set-cookie", "")
        text = answer.text.replace(email, "EMAIL")
        bodies.add(re.sub(r'name="csrf_token" value="[^"]*"', "", text))
    assert len(bodies) == 1, "the three refusals differ"


async def test_an_idle_session_ends_and_one_in_use_lasts_until_the_absolute_limit(
    console_shop: ConsoleShop,
) -> None:
    idle = await console_shop.sign_in(Role.SUPPORT)
    busy = await console_shop.sign_in(Role.SUPPORT)

    console_shop.clock.advance(timedelta(minutes=20))
    assert (await busy.get("/console")).status_code == 200
    console_shop.clock.advance(timedelta(minutes=11))
    assert (await busy.get("/console")).status_code == 200, "used 11 minutes ago: still signed in"
    assert redirected_to_sign_in(await idle.get("/console")), "31 minutes idle: signed out"
    assert SESSION not in idle.cookies, "the stale cookie is cleared"

    for _ in range(12 * 3):
        console_shop.clock.advance(timedelta(minutes=20))
        if (await busy.get("/console")).status_code != 200:
            break
    elapsed = console_shop.clock.now() - SIGNED_IN_AT
    assert timedelta(hours=12) < elapsed <= timedelta(hours=12, minutes=31)
    assert redirected_to_sign_in(await busy.get("/console"))


async def test_signing_out_ends_the_session_in_the_database(console_shop: ConsoleShop) -> None:
    user = await console_shop.sign_in(Role.OWNER)
    stolen = dict(user.cookies)

    answer = await user.post("/console/logout")

    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login?done=signed-out"
    assert SESSION not in user.cookies
    replay = ConsoleUser(console_shop.shop, cookies=stolen)
    assert redirected_to_sign_in(await replay.get("/console")), "the old cookie no longer signs in"
    assert ActionKind.SIGNED_OUT in await audit_kinds(console_shop)
    assert "You are signed out." in (await user.get("/console/login?done=signed-out")).text


@pytest.mark.parametrize("token", [None, "", "0" * 64, "forged"])
async def test_a_post_without_its_csrf_token_is_refused_and_changes_nothing(
    console_shop: ConsoleShop, token: str | None
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    form = {"email": "new@shop.example", "role": "support"}

    answer = await owner.post(
        "/console/operators", form if token is None else {**form, "csrf_token": token}, csrf=False
    )

    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/html")
    assert "Nothing was changed." in answer.text
    listing = await owner.get("/console/operators")
    assert "new@shop.example" not in listing.text
    assert (await audit_kinds(console_shop)).count(ActionKind.OPERATOR_ADDED) == 1, "the owner's own"


async def test_another_sessions_csrf_token_is_refused(console_shop: ConsoleShop) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    other = await console_shop.sign_in(Role.OWNER)

    answer = await owner.post("/console/logout", {"csrf_token": other.csrf_token})

    assert answer.status_code == 403
    assert (await owner.get("/console")).status_code == 200, "still signed in"


async def test_the_sign_in_form_needs_its_pre_session_token(console_shop: ConsoleShop) -> None:
    email, password = await console_shop.add_operator(Role.OWNER)
    browser = console_shop.browser()
    await browser.get("/console/login")

    without = await browser.post("/console/login", {"email": email, "password": password}, csrf=False)
    no_cookie = ConsoleUser(console_shop.shop)
    page = await console_shop.browser().get("/console/login")
    lone_token = await no_cookie.post(
        "/console/login", {"email": email, "password": password, "csrf_token": csrf_token_in(page.text)}
    )

    assert without.status_code == 403
    assert lone_token.status_code == 403, "a token without the cookie it was signed over"
    assert SESSION not in browser.cookies
    assert SESSION not in no_cookie.cookies


async def test_support_is_refused_the_operators_page_and_its_actions_with_a_403_page(
    console_shop: ConsoleShop,
) -> None:
    support = await console_shop.sign_in(Role.SUPPORT)
    owner_email, _ = await console_shop.add_operator(Role.OWNER)

    page = await support.get("/console/operators")
    add = await support.post("/console/operators", {"email": "sneaky@shop.example", "role": "owner"})
    disable = await support.post("/console/operators/disable", {"email": owner_email})

    for answer in (page, add, disable):
        assert answer.status_code == 403
        assert "This page or action is for owners." in answer.text
        assert support.email in answer.text, "the page keeps the menu and who is signed in"
    owner = await console_shop.sign_in(Role.OWNER)
    listing = (await owner.get("/console/operators")).text
    assert "sneaky@shop.example" not in listing
    assert listing.count("Disable</button>") == 3, "every operator is still active"


async def test_an_owner_adds_resets_and_disables_operators(console_shop: ConsoleShop) -> None:
    owner = await console_shop.sign_in(Role.OWNER)

    added = await owner.post("/console/operators", {"email": "New@Shop.example", "role": "support"})
    assert added.status_code == 200
    one_time = re.search(r'<code class="secret">([^<]+)</code>', added.text)
    assert one_time, added.text
    again = await owner.post("/console/operators", {"email": "new@shop.example", "role": "owner"})
    assert again.status_code == 409
    assert "An operator with this email exists already." in again.text

    newcomer = console_shop.browser()
    assert (await newcomer.sign_in("new@shop.example", one_time.group(1))).status_code == 303
    reset = await owner.post("/console/operators/reset-password", {"email": "new@shop.example"})
    fresh = re.search(r'<code class="secret">([^<]+)</code>', reset.text)
    assert fresh
    assert fresh.group(1) != one_time.group(1)
    assert redirected_to_sign_in(await newcomer.get("/console")), "a reset ends their sessions"
    assert (await console_shop.browser().sign_in("new@shop.example", one_time.group(1))).status_code == 401
    assert (await newcomer.sign_in("new@shop.example", fresh.group(1))).status_code == 303

    disabled = await owner.post("/console/operators/disable", {"email": "new@shop.example"})
    assert disabled.status_code == 303
    assert "their sessions have ended" in (await owner.get(disabled.headers["location"])).text
    assert redirected_to_sign_in(await newcomer.get("/console"))
    last = await owner.post("/console/operators/disable", {"email": owner.email})
    assert last.status_code == 409
    assert "last active owner" in last.text
    kinds = await audit_kinds(console_shop)
    assert {ActionKind.OPERATOR_ADDED, ActionKind.PASSWORD_RESET, ActionKind.OPERATOR_DISABLED} <= set(kinds)


async def test_sign_in_is_rate_limited_per_address_and_per_email(console_shop: ConsoleShop) -> None:
    email, password = await console_shop.add_operator(Role.OWNER)
    browser = console_shop.browser()
    for attempt in range(10):
        assert (await browser.sign_in(email, f"wrong-password-{attempt}")).status_code == 401

    refused = await browser.sign_in(email, password)

    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) > 0
    assert "Too many sign-in attempts" in refused.text
    assert SESSION not in browser.cookies
    other, other_password = await console_shop.add_operator(Role.OWNER)
    assert (await browser.sign_in(other, other_password)).status_code == 429, "the same address"


@pytest.mark.parametrize(
    "next_path",
    [
        "https://evil.example/",
        "//evil.example/console",
        "/\\evil.example",
        "/console@evil",
        "/elsewhere",
        "javascript:x",
    ],
)
async def test_sign_in_never_sends_anyone_to_another_site(console_shop: ConsoleShop, next_path: str) -> None:
    email, password = await console_shop.add_operator(Role.OWNER)

    answer = await console_shop.browser().sign_in(email, password, next_path=next_path)

    assert answer.status_code == 303
    assert answer.headers["location"] == "/console"


async def test_the_session_cookie_is_httponly_strict_secure_and_only_for_the_console(
    console_shop: ConsoleShop,
) -> None:
    email, password = await console_shop.add_operator(Role.OWNER)

    answer = await console_shop.browser().sign_in(email, password)

    cookie = next(c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{SESSION}="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "path=/console", "samesite=strict"} <= flags
    session_id, _, secret = cookie.split(";")[0].partition("=")[2].partition(".")
    assert session_id
    assert len(secret) >= 40


async def test_every_console_page_has_the_console_policy_and_is_never_stored(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    support = await console_shop.sign_in(Role.SUPPORT)
    answers = [
        await console_shop.browser().get("/console/login"),
        await owner.get("/console"),
        await owner.get("/console/operators"),
        await owner.get("/console/audit"),
        await owner.get("/console/orders"),
        await support.get("/console/orders/no-such-order"),
        await support.get("/console/operators"),
        await owner.post("/console/operators", {}, csrf=False),
        await console_shop.browser().get("/console"),
        await owner.get("/console/no-such-page"),
        await support.get("/console/webhooks"),
        await support.get("/console/key-reports"),
        await owner.get("/console/products"),
        await owner.get("/console/products/no-such-product"),
    ]
    for answer in answers:
        assert answer.headers["content-security-policy"] == CONSOLE_CSP, answer.url
        assert answer.headers["cache-control"] == "no-store", answer.url
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert [a.status_code for a in answers] == [
        200,
        200,
        200,
        200,
        200,
        404,
        403,
        403,
        303,
        404,
        200,
        200,
        200,
        404,
    ]
    assert (await owner.get("/assets/site/console.css")).status_code == 200


async def test_the_audit_page_pages_older_records_filters_by_operator_and_masks_addresses_for_support(
    console_shop: ConsoleShop,
) -> None:
    owner = await console_shop.sign_in(Role.OWNER)
    for n in range(55):
        await console_shop.add_operator(Role.SUPPORT, f"op{n:02d}@shop.example")

    first = await owner.get("/console/audit")
    older = re.search(r'<a href="([^"]+)" rel="next">Older records</a>', first.text)
    assert older, "55 additions and a sign-in make two pages"
    second = await owner.get(older.group(1).replace("&amp;", "&"))
    assert first.text.count("<tr>") + second.text.count("<tr>") == 57 + 2  # 57 records, 2 header rows
    assert "op54@shop.example" in first.text
    assert "op00@shop.example as support" in second.text
    assert "Older records" not in second.text

    owner_id = re.search(rf'<option value="([^"]+)">{re.escape(owner.email)}</option>', first.text)
    assert owner_id
    mine = await owner.get(f"/console/audit?operator={owner_id.group(1)}")
    assert mine.text.count("<tr>") == 2, "the owner's sign-in alone"
    assert "signed in" in mine.text
    assert "testclient" in mine.text, "an owner sees the client address in full"
    support = await console_shop.sign_in(Role.SUPPORT)
    masked = await support.get("/console/audit")
    assert "testclient" not in masked.text
    assert "hidden" in masked.text
