"""The house rules of the code, checked on the source itself: the doors hold no
SQL and roll nothing back by hand, no module imports itself through others, and
the rules engine stays pure."""

from __future__ import annotations

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"
DOORS = ("api", "web")
QUERY = re.compile(r"\bselect\(|\bsession\.(get|exec|execute|scalars|scalar|query)\(")
# What the engine must never import: a database, the web, settings or the clock.
RULES_MUST_NOT_IMPORT = ("sqlmodel", "sqlalchemy", "psycopg", "sqlite3", "fastapi", "starlette",
                         "jinja2", "pydantic_settings", "time", "app.db", "app.models",
                         "app.services", "app.web", "app.api", "app.main", "app.config",
                         "app.auth")


def modules() -> dict[str, Path]:
    found = {}
    for path in APP.rglob("*.py"):
        parts = path.relative_to(APP.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def imports_of(path: Path, known: dict[str, Path]) -> set[str]:
    """Every app module this file imports, at the top or inside a function or
    an `if TYPE_CHECKING:` block: a circle hidden in a function is still a circle."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                if child in known:
                    found.add(child)
                elif node.module in known:
                    found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


class TestDoors:
    def test_no_query_in_a_door(self):
        offenders = []
        for door in DOORS:
            for path in (APP / door).rglob("*.py"):
                for number, line in enumerate(path.read_text().splitlines(), 1):
                    if QUERY.search(line):
                        offenders.append(f"{path.relative_to(APP.parent)}:{number}: {line.strip()}")
        assert not offenders, "doors ask services, which scope every lookup:\n" + "\n".join(
            offenders)

    def test_no_page_rolls_back_by_hand(self):
        offenders = [str(path.relative_to(APP.parent)) for door in DOORS
                     for path in (APP / door).rglob("*.py")
                     if "rollback(" in path.read_text()]
        assert not offenders, f"use app.db.savepoint around the service call: {offenders}"

    def test_doors_never_import_each_other(self):
        known = modules()
        for door, other in (("api", "web"), ("web", "api")):
            for path in (APP / door).rglob("*.py"):
                wrong = {m for m in imports_of(path, known) if m.startswith(f"app.{other}")}
                assert not wrong, f"{path.name} imports {wrong}"

    def test_no_service_imports_a_door(self):
        known = modules()
        for path in (APP / "services").rglob("*.py"):
            wrong = {m for m in imports_of(path, known)
                     if m.startswith(("app.api", "app.web", "app.main"))}
            assert not wrong, f"services/{path.name} imports {wrong}"


class TestImports:
    def test_no_import_circles(self):
        known = modules()
        graph = {name: imports_of(path, known) for name, path in known.items()}
        # A package's __init__ re-exporting its own modules is not a circle.
        for name in graph:
            graph[name] = {m for m in graph[name] if not name.startswith(m + ".")
                           and not (m.startswith(name + ".") and known[name].name ==
                                    "__init__.py")}
        assert cycles(graph) == []

    def test_the_finder_sees_a_circle(self):
        assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]

    def test_the_rules_engine_is_pure(self):
        for path in (APP / "rules").rglob("*.py"):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.ImportFrom) and node.module:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                for name in names:
                    top = [name.startswith(f"{wrong}.") or name == wrong
                           for wrong in RULES_MUST_NOT_IMPORT]
                    assert not any(top), f"rules/{path.name} imports {name}"
            text = path.read_text()
            for clock in ("datetime.now(", "date.today(", "time.time(", "utcnow("):
                assert clock not in text, f"rules/{path.name} reads the clock ({clock})"
