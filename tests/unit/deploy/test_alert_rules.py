"""The alert rules in deploy/prometheus load in Prometheus, fire on the series that should page
someone and stay quiet on the ones that should not (`promtool test rules`), and each one's runbook
is a section of the README."""

import re
from pathlib import Path
from typing import Any

import yaml

from tests.unit.deploy.conftest import DEPLOY, PromtoolRunner

PROMETHEUS = DEPLOY / "prometheus"
README = Path(__file__).resolve().parents[3] / "README.md"


def _alerts() -> list[dict[str, Any]]:
    document = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def _rule_tests() -> list[dict[str, Any]]:
    document = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())
    return [case for test in document["tests"] for case in test["alert_rule_test"]]


def test_promtool_accepts_the_rules(run_promtool: PromtoolRunner) -> None:
    result = run_promtool("check", "rules", "alerts.yml", cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(_alerts())} rules found" in result.stdout


def test_promtool_accepts_the_example_configuration(run_promtool: PromtoolRunner) -> None:
    result = run_promtool("check", "config", "prometheus.yml", cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_alert_fires_and_stays_quiet_as_its_unit_tests_say(run_promtool: PromtoolRunner) -> None:
    result = run_promtool("test", "rules", "alerts.test.yml", cwd=PROMETHEUS)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def test_every_alert_has_a_firing_and_a_quiet_case() -> None:
    firing = {case["alertname"] for case in _rule_tests() if case["exp_alerts"]}
    quiet = {case["alertname"] for case in _rule_tests() if not case["exp_alerts"]}
    names = {rule["alert"] for rule in _alerts()}
    assert names - firing == set(), "alerts no test sees firing"
    assert names - quiet == set(), "alerts no test sees staying quiet"


def test_the_alerts_the_issue_asks_for_are_there() -> None:
    exprs = {rule["alert"]: rule["expr"] for rule in _alerts()}
    assert "bitloot_paid_unfulfilled_oldest_seconds) > 300" in exprs["BitLootPaidOrdersNotFulfilled"]
    assert "bitloot_outbox_oldest_seconds) > 60" in exprs["BitLootFulfillmentOutboxLagging"]
    assert 'bitloot_email_outbox{state="failed"}' in exprs["BitLootEmailsFailing"]
    assert "bitloot_stock_low_threshold" in exprs["BitLootStockLow"]
    assert 'outcome="bad_signature"' in exprs["BitLootWebhookSignaturesRefused"]
    assert "bitloot_vault_refusals_total" in exprs["BitLootVaultRefusals"]
    assert "bitloot_dependency_up" in exprs["BitLootDependencyUnhealthy"]


def test_every_alert_says_what_is_wrong_and_links_its_runbook() -> None:
    anchors = {_anchor(heading) for heading in re.findall(r"^#{2,4} (.+)$", README.read_text(), re.M)}
    for rule in _alerts():
        annotations = rule["annotations"]
        assert annotations["summary"], rule["alert"]
        assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
        assert annotations["runbook"] == f"README.md#{rule['alert'].lower()}"
        assert rule["alert"].lower() in anchors, f"README has no section {rule['alert']}"


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")
