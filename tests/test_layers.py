"""The layering rules of docs/design.md, checked by walking every import with ``ast``.

Each rule is a function over a source tree, so the last tests here plant a
violation of each in a temporary tree and show that it is caught. Imports
inside functions count: a lazy import is still a dependency.

Files other branches are still splitting are listed in ``ALLOWED`` with the
rule they may break until then; the list only ever shrinks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SOURCES = ("tracker", "commands", "jobs", "cli.py")
MAX_LINES = 600

# Builders: the rating rules, figures and wording, KPI evaluation, disclosure control, and
# the pack/review and email builders. They take values and return values.
PURE = (
    "tracker.rag",
    "tracker.figures",
    "tracker.wording",
    "tracker.kpi.evaluation",
    "tracker.kpi.results",
    "tracker.disclosure",
    "tracker.reports",
    "tracker.returns.workbook",
    "tracker.returns.manifest",
    "tracker.returns.reader",
    "tracker.mail.build",
    "tracker.mail.messages",
    "tracker.mail.headers",
)
IMPURE_LIBRARIES = ("sqlalchemy", "sqlmodel", "tracker.db", "rich", "typer")
# Only these print or draw: the render layer and the one console.
RENDER = ("tracker.render", "tracker.console")
# Only the edge reads the clock: the command line and the jobs.
EDGE = ("commands", "cli", "jobs")
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("time", "time")}
# The clock itself, and the time a row was written (a record, not the date a report is for).
CLOCK_READERS = ("tracker.clock", "tracker.db.stamps")

# Files allowed to break a named rule while they are being split: none today. Add an
# entry (module -> rules) only with a note of when it goes.
ALLOWED: dict[str, set[str]] = {}
# Import cycles allowed: none. Add one only with a note of when it goes.
ALLOWED_CYCLES: set[str] = set()


# --- reading a tree ------------------------------------------------------------------------


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path) -> Iterator[Path]:
    for top in SOURCES:
        path = root / top
        if path.is_file():
            yield path
        elif path.is_dir():
            for file in sorted(path.rglob("*.py")):
                if "migrations/versions" not in file.as_posix():
                    yield file


def imports_of(path: Path, module: str) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function; relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def prints(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
        for node in ast.walk(tree)
    )


def reads_the_clock(path: Path) -> bool:
    """True when the file calls datetime.now(), date.today(), datetime.utcnow() or time.time()."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
            if (name, node.func.attr) in CLOCK_CALLS:
                return True
    return False


class Tree:
    """The modules of a source tree and what each imports."""

    def __init__(self, root: Path):
        self.root = root
        self.files = {module_name(root, p): p for p in source_files(root)}
        self.imports = {m: imports_of(p, m) for m, p in self.files.items()}

    def internal(self, module: str) -> set[str]:
        """The tree's own modules that ``module`` imports."""
        return {i for i in self.imports[module] if i in self.files and i != module}


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return _match(module, prefixes) is not None


def _match(module: str, prefixes: tuple[str, ...]) -> str | None:
    """The entry of ``prefixes`` that ``module`` is, or is inside; None when none is."""
    return next((p for p in prefixes if module == p or module.startswith(p + ".")), None)


def _allowed(module: str, rule: str) -> bool:
    return rule in ALLOWED.get(module, set())


# --- the rules -----------------------------------------------------------------------------


def pure_modules_stay_pure(tree: Tree) -> list[str]:
    """Builders import none of the database, the terminal or the command line, even indirectly."""
    problems = []
    for module in tree.files:
        if not _within(module, PURE):
            continue
        seen, todo = {module}, [module]
        while todo:
            current = todo.pop()
            for name in tree.imports[current]:
                if (library := _match(name, IMPURE_LIBRARIES)) is not None:
                    via = "" if current == module else f" (through {current})"
                    problems.append(f"{module} imports {library}{via}")
            for nxt in tree.internal(current) - seen:
                seen.add(nxt)
                todo.append(nxt)
    return sorted(set(problems))


def library_never_imports_the_command_line(tree: Tree) -> list[str]:
    problems = set()
    for module in tree.files:
        if not _within(module, ("tracker",)):
            continue
        for name in tree.imports[module]:
            edge = _match(name, ("cli", "commands", "typer"))
            if edge and not (edge == "typer" and _allowed(module, "typer")):
                problems.add(f"{module} imports {edge}")
    return sorted(problems)


def only_the_render_layer_draws(tree: Tree) -> list[str]:
    problems = []
    for module, path in tree.files.items():
        if not _within(module, ("tracker",)) or _within(module, RENDER):
            continue
        if _allowed(module, "rich"):
            continue
        if any(_within(n, ("rich",)) for n in tree.imports[module]):
            problems.append(f"{module} imports rich")
        if prints(path):
            problems.append(f"{module} calls print()")
    return problems


def only_the_edge_reads_the_clock(tree: Tree) -> list[str]:
    """Below the command line and the jobs, dates are arguments: nothing asks the clock."""
    problems = []
    for module, path in tree.files.items():
        if _within(module, EDGE) or _within(module, CLOCK_READERS):
            continue
        if any(_within(n, ("tracker.clock",)) for n in tree.imports[module]):
            problems.append(f"{module} imports tracker.clock")
        if reads_the_clock(path):
            problems.append(f"{module} reads the clock")
    return problems


def one_module_touches_apscheduler(tree: Tree) -> list[str]:
    return [
        f"{module} imports apscheduler"
        for module in tree.files
        if module != "jobs.schedule"
        if any(_within(n, ("apscheduler",)) for n in tree.imports[module])
    ]


def nothing_imports_smtplib(tree: Tree) -> list[str]:
    return [
        f"{module} imports smtplib"
        for module in tree.files
        if any(_within(n, ("smtplib",)) for n in tree.imports[module])
    ]


def no_import_cycles(tree: Tree) -> list[str]:
    """Every cycle in the graph of the tree's own modules, each reported once."""
    graph = {m: sorted(tree.internal(m)) for m in tree.files}
    cycles: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1: on the current path, 2: finished
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in graph[node]:
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :]
                first = cycle.index(min(cycle))
                cycles.add(tuple(cycle[first:] + cycle[:first]))
            elif nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    found = [" -> ".join([*c, c[0]]) for c in sorted(cycles)]
    return [c for c in found if c not in ALLOWED_CYCLES]


def no_long_files(tree: Tree) -> list[str]:
    problems = []
    for module, path in tree.files.items():
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and not _allowed(module, "long"):
            problems.append(f"{path.relative_to(tree.root)} has {n} lines (at most {MAX_LINES})")
    return problems


RULES = [
    pure_modules_stay_pure,
    library_never_imports_the_command_line,
    only_the_render_layer_draws,
    only_the_edge_reads_the_clock,
    one_module_touches_apscheduler,
    nothing_imports_smtplib,
    no_import_cycles,
    no_long_files,
]


# --- the tests -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repo() -> Tree:
    return Tree(REPO)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_layers_hold(repo: Tree, rule) -> None:
    assert rule(repo) == []


def test_the_walk_sees_the_whole_tree(repo: Tree) -> None:
    assert {"cli", "commands.common", "tracker.rag", "tracker.kpi.evaluation"} <= set(repo.files)
    assert "sqlalchemy.engine" in repo.imports["tracker.kpi.service"]
    assert "tracker.kpi.measures" in repo.imports["tracker.kpi.service"]  # a lazy import counts


def _plant(root: Path, files: dict[str, str]) -> Tree:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return Tree(root)


def test_planted_violations_are_caught(tmp_path: Path) -> None:
    tree = _plant(
        tmp_path,
        {
            "cli.py": "import typer\n",
            "tracker/__init__.py": "",
            "tracker/rag/__init__.py": "from tracker.helpers import shade\n",
            "tracker/helpers.py": "def shade():\n    from rich.text import Text\n",
            "tracker/kpi/__init__.py": "",
            "tracker/kpi/evaluation.py": "from sqlalchemy import select\n",
            "tracker/status.py": "import cli\nfrom tracker.clock import today_in\nprint('hi')\n",
            "tracker/clock.py": "",
            "tracker/a.py": "from tracker import b\n",
            "tracker/kpi/late.py": "import datetime\nday = datetime.date.today()\n",
            "tracker/b.py": "def f():\n    from . import a\n",
            "tracker/mail/__init__.py": "",
            "tracker/mail/build.py": "import smtplib\nimport typer\n",
            "tracker/plan.py": "import apscheduler\n" + "x = 1\n" * MAX_LINES,
            "jobs/schedule.py": "import apscheduler\nfrom tracker.clock import today_in\n",
        },
    )
    assert pure_modules_stay_pure(tree) == [
        "tracker.kpi.evaluation imports sqlalchemy",
        "tracker.mail.build imports typer",
        "tracker.rag imports rich (through tracker.helpers)",
    ]
    assert library_never_imports_the_command_line(tree) == [
        "tracker.mail.build imports typer",
        "tracker.status imports cli",
    ]
    assert only_the_render_layer_draws(tree) == [
        "tracker.helpers imports rich",
        "tracker.status calls print()",
    ]
    assert only_the_edge_reads_the_clock(tree) == [
        "tracker.kpi.late reads the clock",
        "tracker.status imports tracker.clock",
    ]
    assert one_module_touches_apscheduler(tree) == ["tracker.plan imports apscheduler"]
    assert nothing_imports_smtplib(tree) == ["tracker.mail.build imports smtplib"]
    assert no_import_cycles(tree) == ["tracker.a -> tracker.b -> tracker.a"]
    assert no_long_files(tree) == [f"tracker/plan.py has {MAX_LINES + 1} lines (at most 600)"]
