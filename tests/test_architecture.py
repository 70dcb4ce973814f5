"""The core library never depends on the Discord adapter or the command line."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_digests_never_imports_discord_or_bot() -> None:
    files = sorted((ROOT / "digests").rglob("*.py"))
    assert files
    offenders = {str(f.relative_to(ROOT)): imported_modules(f) & {"discord", "bot"} for f in files}
    assert {name: mods for name, mods in offenders.items() if mods} == {}


def test_nothing_downloads_nltk_data() -> None:
    for path in [*(ROOT / "digests").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]:
        assert "nltk.download" not in path.read_text(encoding="utf-8"), path
