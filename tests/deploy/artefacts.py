"""Parsers for the deployment artefacts (Dockerfile, compose, Procfile, Kubernetes) and the facts they are checked
against: the commands of the `euryale` CLI and the env vars Euryale reads. Shared by the artefact tests."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
import yaml

REPO = Path(__file__).resolve().parents[2]
# variables the platform or Python reads, not Euryale: allowed in artefacts though no Euryale code reads them
PLATFORM_ENV = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PIP_NO_CACHE_DIR",
                "PIP_DISABLE_PIP_VERSION_CHECK", "VIRTUAL_ENV"}
_ENV_READ = re.compile(
    r"""(?:environ\.get|environ\.setdefault|getenv|environ\[|_env|envvar=)\(?\s*["']([A-Z][A-Z0-9_]+)["']"""
    r"""|(?:\bget|\bhget)\(\s*["'][a-z_]+["']\s*,\s*["']([A-Z][A-Z0-9_]+)["']""")
_ENV_ALT = re.compile(r"""_env\(\s*["'][A-Z0-9_]+["']\s*,\s*["']([A-Z][A-Z0-9_]+)["']""")


def euryale_env_vars() -> set[str]:
    """Every env var name Euryale's code reads (config.py fallbacks and direct `os.environ` reads elsewhere)."""
    names: set[str] = set()
    for path in (REPO / "euryale").rglob("*.py"):
        text = path.read_text()
        for m in _ENV_READ.finditer(text):
            names.add(m.group(1) or m.group(2))
        names.update(_ENV_ALT.findall(text))
        if path.name == "config.py" and path.parent.name == "euryale":
            # define_config's get(..., "ENV", default, "ALT_ENV") alternates
            names.update(re.findall(r"""["']([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)["']""", text))
    return names - {"GET", "POST", "DELETE", "PUT", "PATCH"}


def cli_commands() -> dict[str, Any]:
    """The `euryale` CLI's commands by name, as typer builds them (same registration as the console script)."""
    from euryale.cli import main

    main._register_commands()
    group: Any = typer.main.get_command(main.app)  # typer vendors its own click: duck-typed
    return dict(group.commands)


@dataclass
class Invocation:
    """One `euryale ...` command line found in an artefact, with the env assignments written before it."""

    source: str
    argv: list[str]
    env: dict[str, str]


def parse_command(source: str, command: str | list[str]) -> Iterator[Invocation]:
    """`euryale` invocations in a shell line or exec-form list (leading VAR=value assignments collected)."""
    argv = list(command) if isinstance(command, list) else shlex.split(command)
    if argv[:2] in (["sh", "-c"], ["/bin/sh", "-c"], ["bash", "-c"]):
        argv = shlex.split(argv[2])
    env: dict[str, str] = {}
    for chunk in _split_shell(argv):
        while chunk and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", chunk[0]):
            k, _, v = chunk.pop(0).partition("=")
            env[k] = v
        if chunk and Path(chunk[0]).name == "euryale":
            yield Invocation(source, chunk[1:], env)


def _split_shell(argv: list[str]) -> Iterator[list[str]]:
    cur: list[str] = []
    for tok in argv:
        if tok in ("&&", "||", ";", "|"):
            yield cur
            cur = []
        else:
            cur.append(tok)
    yield cur


def check_invocation(inv: Invocation, commands: dict[str, Any]) -> list[str]:
    """Problems with one invocation: unknown command or option of the `euryale` CLI."""
    if not inv.argv:
        return [f"{inv.source}: bare `euryale` without a command"]
    name, rest = inv.argv[0], inv.argv[1:]
    cmd = commands.get(name)
    if cmd is None:
        return [f"{inv.source}: `euryale {name}` is not a CLI command (have: {', '.join(sorted(commands))})"]
    opts = {o for p in cmd.params if p.param_type_name == "option" for o in (*p.opts, *p.secondary_opts)}
    return [f"{inv.source}: `euryale {name}` has no option {tok.split('=')[0]} (have: {', '.join(sorted(opts))})"
            for tok in rest if tok.startswith("-") and tok.split("=")[0] not in opts]


@dataclass
class Dockerfile:
    stages: list[dict[str, Any]]  # each: {"from": str, "name": str|None, "instructions": [(INSTR, args)]}

    @classmethod
    def parse(cls, text: str) -> Dockerfile:
        lines: list[str] = []
        buf = ""
        for raw in text.splitlines():
            if raw.strip().startswith("#") and not buf:
                continue
            if raw.rstrip().endswith("\\"):
                buf += raw.rstrip()[:-1] + " "
                continue
            buf += raw
            if buf.strip():
                lines.append(buf.strip())
            buf = ""
        stages: list[dict[str, Any]] = []
        for line in lines:
            instr, _, args = line.partition(" ")
            instr = instr.upper()
            if instr == "FROM":
                parts = args.split()
                name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
                stages.append({"from": parts[0], "name": name, "instructions": []})
            elif stages:
                stages[-1]["instructions"].append((instr, args.strip()))
        return cls(stages)

    def instructions(self, stage: int, instr: str) -> list[str]:
        return [a for i, a in self.stages[stage]["instructions"] if i == instr]


def exec_form(args: str) -> list[str] | str:
    """A Dockerfile CMD/RUN argument: the JSON exec form as a list, the shell form as a string."""
    import json

    s = args.strip()
    if s.startswith("["):
        return [str(x) for x in json.loads(s)]
    return s


def dockerfile_env(args: str) -> dict[str, str]:
    """`ENV A=1 B=2` (and the legacy `ENV A 1`)."""
    tokens = shlex.split(args)
    if tokens and "=" not in tokens[0]:
        return {tokens[0]: " ".join(tokens[1:])}
    return dict(t.split("=", 1) for t in tokens)


def load_yaml_docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]
