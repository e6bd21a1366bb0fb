"""`promtool`, Prometheus's own checker for configurations and alert rules, for the deploy/ tests.

Found on PATH, or in `.cache/tools/` from an earlier run, or taken from Debian's `prometheus`
package (`apt-get download`, unpacked with `dpkg-deb -x`: nothing is installed on the machine).
`python -m tests.infra.promtool` fetches it ahead of the tests (`.ci/run` does)."""

import shutil
import subprocess
import tempfile
from pathlib import Path

CACHE = Path(__file__).resolve().parents[2] / ".cache" / "tools"
PACKAGE = "prometheus"


class PromtoolMissing(RuntimeError):
    pass


def promtool() -> Path:
    on_path = shutil.which("promtool")
    if on_path:
        return Path(on_path)
    cached = CACHE / "promtool"
    if cached.exists():
        return cached
    return _fetch(cached)


def _fetch(target: Path) -> Path:
    apt, dpkg = shutil.which("apt-get"), shutil.which("dpkg-deb")
    if not (apt and dpkg):
        raise PromtoolMissing("promtool is not on PATH and this machine has no apt-get to fetch it")
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if not _download(apt, work):
            # A fresh machine may not have read its package lists yet.
            subprocess.run([apt, "update", "-qq"], check=False, capture_output=True, timeout=300)  # noqa: S603 - fixed arguments
            if not _download(apt, work):
                raise PromtoolMissing(f"`apt-get download {PACKAGE}` failed: promtool cannot be fetched")
        (package,) = work.glob(f"{PACKAGE}_*.deb")
        unpacked = work / "root"
        subprocess.run([dpkg, "-x", str(package), str(unpacked)], check=True, timeout=120)  # noqa: S603 - our download
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(unpacked / "usr" / "bin" / "promtool", target)
    return target


def _download(apt: str, folder: Path) -> bool:
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [apt, "download", PACKAGE], cwd=folder, check=False, capture_output=True, timeout=300
    )
    return result.returncode == 0 and any(folder.glob(f"{PACKAGE}_*.deb"))


if __name__ == "__main__":
    print(promtool())
