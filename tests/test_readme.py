"""The README can be followed to the letter: its walk-through runs as pasted against a served
app, and its tables say what the code does.

The commands and tables are read from README.md itself, never copied here, so a README edit
that breaks them fails this test. The walk-through is the `sh` blocks of "## Trying the API"
before its first subsection, run in one bash session from a directory where the `mutua`
commands of the Makefile's `run` target have run, as in a fresh checkout (the embedded
SQLite database and the SMS file under `var/`, the demo seeded and its month run, `mutua
serve` running). Only the port is changed, so that the test never meets a server someone
else left on 8000.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api import examples
from core.money import Money
from pools.rules import default_rules
from tests.api.test_openapi import DOCUMENT, json_example

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
README_PORT = "localhost:8000"


def section(title: str) -> str:
    """The text of a `## title` section, up to the next `## ` heading."""
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def code_blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.M | re.S)


def table_rows(text: str, header: str) -> list[list[str]]:
    """The cells of the markdown table whose header line starts with `header`."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def unquote(cell: str) -> str:
    assert cell.startswith("`") and cell.endswith("`"), cell
    return cell[1:-1]


def walk_through() -> str:
    text = section("Trying the API")
    return "\n".join(code_blocks(text.split("\n### ")[0], "sh"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_run() -> list[list[str]]:
    """The `mutua` commands of the Makefile's `run` target, as argument lists."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", makefile, flags=re.M)
    assert recipe, "the Makefile has no run target"
    commands = [line.strip().split() for line in recipe.group(1).splitlines()]
    return [command[1:] for command in commands if command[0] == "$(BIN)/mutua"]


def mutua_environment() -> dict[str, str]:
    """The caller's environment without MUTUA_* settings: the walk-through uses defaults."""
    return {name: value for name, value in os.environ.items() if not name.startswith("MUTUA_")}


@pytest.fixture
def served_checkout(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    """A directory where `make run` has run: migrated, seeded, and serving."""
    (tmp_path / ".venv").symlink_to(ROOT / ".venv")
    mutua = str(tmp_path / ".venv" / "bin" / "mutua")
    env = mutua_environment()
    *setup, serve = make_run()
    assert serve[:1] == ["serve"] and serve[-2:] == ["--port", "8000"], serve
    for command in setup:
        subprocess.run(
            [mutua, *command], cwd=tmp_path, env=env, check=True, capture_output=True, timeout=300
        )
    port = free_port()
    server = subprocess.Popen(
        [mutua, *serve[:-1], str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            pytest.fail("mutua serve did not answer /health within 30 seconds")
        yield tmp_path, port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.mark.skipif(shutil.which("jq") is None, reason="the README's walk-through uses jq")
def test_the_walk_through_runs_as_pasted(served_checkout: tuple[Path, int]) -> None:
    checkout, port = served_checkout
    script = walk_through()
    assert README_PORT in script
    result = subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", script.replace(README_PORT, f"localhost:{port}")],
        cwd=checkout,
        env=mutua_environment(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = result.stdout
    assert result.returncode == 0, f"{result.stderr}\n{output}"
    assert "https://mutua.coop/problems/" not in output, output  # no step was refused
    assert '"status": "sent"' in output  # the code was asked for
    assert '"phone": "+14155550100"' in output and '"language_chosen": true' in output
    assert '"savings_target": {' in output  # the plan the month's run made
    assert '"kind": "member_savings"' in output  # the ledger
    assert '"amount_minor": 84000' in output  # the income entry
    assert output.count('"phone": "+1415555') >= 4  # the members, as the administrator sees them


def test_the_example_bodies_are_the_documented_ones() -> None:
    rows = table_rows(section("Trying the API"), "| Route | Example body |")
    in_readme = {}
    for route, body, _notes in rows:
        method, path = unquote(route).split(" ", 1)
        in_readme[(method, path)] = json.loads(unquote(body))
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{id}", path)): example
        for path, operations in DOCUMENT["paths"].items()
        for method in operations
        if (example := json_example(method.upper(), path)) is not None
    }
    assert in_readme == documented


def test_the_statement_example_is_the_documented_one() -> None:
    [statement] = code_blocks(section("Trying the API"), "csv")
    assert statement == examples.CSV_STATEMENT


def test_the_defaults_table_is_what_a_new_pool_gets() -> None:
    rows = table_rows(section("Trying the API"), "| Currency | Contribution bounds |")
    assert {row[0] for row in rows} >= {"USD", "JPY", "KWD"}  # two, zero and three decimals
    for currency, bounds, cap, stored in rows:
        rules = default_rules(currency)
        amounts = [
            rules.min_contribution_minor,
            rules.max_contribution_minor,
            rules.monthly_payout_cap_minor,
        ]
        assert stored == " / ".join(str(amount) for amount in amounts), currency

        def units(minor: int, code: str = currency) -> Any:
            return f"{Money(minor, code).decimal:,}"

        assert bounds == f"{units(amounts[0])} – {units(amounts[1])}", currency
        assert cap == units(amounts[2]), currency
