"""What each process of a production shop leaves unimported, measured in a fresh interpreter: every
module a process imports stays in its memory (docs/runtime-modes.md, "Memory")."""

import json
import subprocess
import sys

SCRIPT = """
import json, sys
{imports}
print(json.dumps(sorted({{name.split(".")[0] for name, m in sys.modules.items() if m is not None}})))
"""

# httpx imports its command line (click, rich, pygments: about 4 MB) unless it is kept out.
HTTPX_CLI = {"click", "rich", "pygments"}


def top_level_modules(*modules: str) -> set[str]:
    script = SCRIPT.format(imports="\n".join(f"import {m}" for m in modules))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)  # noqa: S603
    return set(json.loads(done.stdout))


def test_the_serve_main_process_imports_no_container_database_or_web_framework() -> None:
    """granian's main process only supervises its workers (which fork from it): the CLI and `serve`
    import neither dishka (and pydantic with it) nor SQLAlchemy nor Litestar."""
    loaded = top_level_modules(
        "bitloot.entrypoints.cli", "bitloot.entrypoints.serve", "bitloot.entrypoints.serve_workers"
    )
    assert loaded & {"dishka", "pydantic", "sqlalchemy", "litestar", "jinja2", "httpx", *HTTPX_CLI} == set()


def test_an_api_worker_imports_neither_advanced_alchemy_nor_httpx_s_command_line() -> None:
    loaded = top_level_modules("bitloot.entrypoints.cli", "bitloot.entrypoints.http.app")
    assert "httpx" in loaded  # the provider clients: what the test is about is really imported
    assert loaded & {"advanced_alchemy", *HTTPX_CLI} == set()


def test_a_job_worker_imports_no_httpx_command_line() -> None:
    loaded = top_level_modules("bitloot.entrypoints.cli", "bitloot.entrypoints.worker")
    assert "httpx" in loaded
    assert loaded & HTTPX_CLI == set()
