"""The Grafana dashboard in deploy/grafana: a dashboard Grafana imports (one datasource variable,
panels that do not overlap, unique ids) whose every query is PromQL Prometheus accepts (each is
checked by `promtool` as a recording rule) over the metrics the alerts use."""

import json
from pathlib import Path
from typing import Any

import yaml

from tests.unit.deploy.conftest import DEPLOY, PromtoolRunner

DASHBOARD = DEPLOY / "grafana" / "bitloot.json"


def _dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def _panels() -> list[dict[str, Any]]:
    return [panel for panel in _dashboard()["panels"] if panel["type"] != "row"]


def test_the_dashboard_is_a_grafana_dashboard_with_a_datasource_choice() -> None:
    dashboard = _dashboard()
    assert dashboard["uid"] == "bitloot-overview"
    assert dashboard["title"] == "BitLoot"
    variables = dashboard["templating"]["list"]
    assert [(v["name"], v["type"], v["query"]) for v in variables] == [
        ("datasource", "datasource", "prometheus")
    ]
    for panel in _panels():
        assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, panel["title"]
        assert panel["targets"], panel["title"]


def test_panel_ids_are_unique_and_panels_do_not_overlap() -> None:
    ids = [panel["id"] for panel in _dashboard()["panels"]]
    assert len(ids) == len(set(ids))
    cells: set[tuple[int, int]] = set()
    for panel in _dashboard()["panels"]:
        box = panel["gridPos"]
        assert box["x"] + box["w"] <= 24, panel["title"]
        mine = {
            (x, y) for x in range(box["x"], box["x"] + box["w"]) for y in range(box["y"], box["y"] + box["h"])
        }
        assert not mine & cells, f"{panel['title']} overlaps another panel"
        cells |= mine


def test_every_query_is_promql_prometheus_accepts(run_promtool: PromtoolRunner, tmp_path: Path) -> None:
    exprs = [target["expr"] for panel in _panels() for target in panel["targets"]]
    rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:query_{n}", "expr": expr} for n, expr in enumerate(exprs)],
            }
        ]
    }
    (tmp_path / "queries.yml").write_text(yaml.safe_dump(rules))
    result = run_promtool("check", "rules", "queries.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(exprs)} rules found" in result.stdout


def test_the_dashboard_shows_what_each_alert_watches() -> None:
    exprs = " ".join(target["expr"] for panel in _panels() for target in panel["targets"])
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    for group in alerts["groups"]:
        for rule in group["rules"]:
            watched = [name for name in _metric_names(rule["expr"]) if name != "up"]
            for name in watched:
                assert name in exprs, f"{rule['alert']} watches {name}, which no panel shows"


def _metric_names(expr: str) -> list[str]:
    import re

    return sorted(set(re.findall(r"\b(bitloot_[a-z_]+|up)\b", expr)))
