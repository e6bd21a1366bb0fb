import subprocess
from pathlib import Path

import pytest

from tests.infra.promtool import promtool

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"


@pytest.fixture(scope="session")
def run_promtool() -> "PromtoolRunner":
    return PromtoolRunner(promtool())


class PromtoolRunner:
    def __init__(self, binary: Path) -> None:
        self.binary = binary

    def __call__(self, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - promtool on our own files
            [str(self.binary), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
