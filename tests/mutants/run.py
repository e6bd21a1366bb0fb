"""Run the catalogue: the guarding tests once as they are (they must pass), then once per mutant on
a copy of `src/bitloot` with the protection removed (they must fail).

The copy goes first on PYTHONPATH, so the test process and every `bitloot serve` and `bitloot
worker` it starts import the mutant; the working tree is never touched."""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests.mutants.catalogue import MUTANTS, Mutant

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "bitloot"


@dataclass(frozen=True, slots=True)
class Outcome:
    name: str
    verdict: str  # "passes" for the baseline; "killed", "survived" or "broken" for a mutant
    seconds: float


def pytest(tests: tuple[str, ...], pythonpath: Path | None) -> tuple[int, float]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(pythonpath), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    started = time.monotonic()
    finished = subprocess.run(  # noqa: S603 - our own test suite
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        check=False,
    )
    lines = finished.stdout.decode(errors="replace").strip().splitlines()
    # Why each test failed (its first error lines), then pytest's summary.
    shown = [line for line in lines if line.startswith(("E ", "FAILED", "ERROR"))][:12] + lines[-1:]
    print("    " + "\n    ".join(line[:200] for line in shown), flush=True)
    if finished.returncode not in (0, 1):
        print(f"    pytest exited with {finished.returncode}", flush=True)
    return finished.returncode, time.monotonic() - started


def mutated_copy(mutant: Mutant, into: Path) -> Path:
    """A copy of the package with the mutant's edits; refuses an edit whose text is not there once."""
    package = into / "bitloot"
    shutil.copytree(SOURCE, package, ignore=shutil.ignore_patterns("__pycache__"))
    target = package / mutant.path
    text = target.read_text()
    for old, new in mutant.edits:
        if text.count(old) != 1:
            raise SystemExit(
                f"{mutant.name}: the text to change occurs {text.count(old)} times in {mutant.path}"
            )
        text = text.replace(old, new)
    compile(text, str(target), "exec")  # a mutant must fail its tests, not fail to import
    target.write_text(text)
    return into


def run(mutants: list[Mutant]) -> list[Outcome]:
    outcomes: list[Outcome] = []
    guarding = tuple(dict.fromkeys(test for mutant in mutants for test in mutant.tests))
    print(f"baseline: {len(guarding)} guarding test(s), unchanged source", flush=True)
    code, seconds = pytest(guarding, None)
    outcomes.append(Outcome("baseline", "passes" if code == 0 else "FAILS", seconds))
    for mutant in mutants:
        print(f"{mutant.name}: without {mutant.protection}", flush=True)
        with tempfile.TemporaryDirectory(prefix="bitloot-mutant-") as folder:
            code, seconds = pytest(mutant.tests, mutated_copy(mutant, Path(folder)))
        # pytest: 1 = tests failed; 0 = all passed; anything else = it could not run them.
        verdict = {0: "survived", 1: "killed"}.get(code, "broken")
        outcomes.append(Outcome(mutant.name, verdict, seconds))
    return outcomes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="mutants to run (default: all)")
    chosen = parser.parse_args().names
    unknown = set(chosen) - {mutant.name for mutant in MUTANTS}
    if unknown:
        raise SystemExit(f"no such mutant: {', '.join(sorted(unknown))}")
    outcomes = run([mutant for mutant in MUTANTS if not chosen or mutant.name in chosen])
    print()
    for outcome in outcomes:
        print(f"{outcome.name:32} {outcome.verdict:9} {outcome.seconds:6.1f} s")
    expected = {"baseline": "passes"}
    if any(outcome.verdict != expected.get(outcome.name, "killed") for outcome in outcomes):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
