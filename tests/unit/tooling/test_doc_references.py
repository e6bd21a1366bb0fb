"""What the code and the docs cite exists: every docs page a module or test names, and every file
path the docs and the README name (`src/...`, `tests/...`), so a move that strands a citation fails
here rather than in a newcomer's hands."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
CITED_DOC = re.compile(r"\bdocs/[\w.-]+\.md\b")
# A repository path in backticks or a Markdown link: src/... or tests/..., optionally with ::test or *.
NAMED_PATH = re.compile(r"(?<![\w/.])((?:src|tests|bench|deploy)/[\w./-]*\w)")


def tracked(*names: str) -> list[Path]:
    """The files under each named folder (or the named file), without caches."""
    found: list[Path] = []
    for name in names:
        path = ROOT / name
        found.extend([path] if path.is_file() else sorted(path.rglob("*")))
    return [path for path in found if path.is_file() and "__pycache__" not in path.parts]


def test_every_cited_docs_page_exists() -> None:
    missing = {
        f"{path.relative_to(ROOT)} cites {cited}"
        for path in tracked("src", "tests", "bench", "README.md", "docs")
        if path.suffix in {".py", ".md", ".j2", ".toml"}
        for cited in CITED_DOC.findall(path.read_text())
        if not (ROOT / cited).is_file()
    }
    assert not missing, sorted(missing)


def test_no_citation_of_a_spec_outside_the_repository() -> None:
    citing = [
        str(path.relative_to(ROOT))
        for path in tracked("src", "tests", "bench")
        if path.suffix == ".py" and path != Path(__file__) and "SPEC §" in path.read_text()
    ]
    assert not citing


def test_every_path_the_docs_and_readme_name_exists() -> None:
    missing = set()
    for page in [ROOT / "README.md", *tracked("docs")]:
        if page.suffix != ".md":
            continue
        for named in NAMED_PATH.findall(page.read_text()):
            path = named.split("::")[0].rstrip(".")
            if "*" in path or "{" in path:
                continue
            if not (ROOT / path).exists():
                missing.add(f"{page.relative_to(ROOT)} names {path}")
    assert not missing, sorted(missing)
