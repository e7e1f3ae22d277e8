"""The import graph of the shipped packages, read from their source with ``ast``.

Every import counts: at module level, inside functions (lazy imports), under ``TYPE_CHECKING``,
absolute or relative. ``from package import name`` is an import of ``package.name`` when that
is one of our modules, else of ``package``. A room is the folder a module sits in.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class ImportGraph:
    internal: dict[str, set[str]] = field(default_factory=dict)  # module -> modules of ours
    external: dict[str, set[str]] = field(default_factory=dict)  # module -> top-level names
    packages: set[str] = field(default_factory=set)  # modules that are packages (__init__)

    def reach(self, module: str) -> set[str]:
        """Every module of ours that importing ``module`` can import (itself excluded)."""
        seen: set[str] = set()
        todo = list(self.internal.get(module, ()))
        while todo:
            current = todo.pop()
            if current not in seen:
                seen.add(current)
                todo.extend(self.internal.get(current, ()))
        seen.discard(module)
        return seen

    def chain(self, start: str, goal: Callable[[str], bool]) -> list[str] | None:
        """A shortest import chain from ``start`` to a module for which ``goal`` holds."""
        previous: dict[str, str] = {}
        frontier = [start]
        while frontier:
            following = []
            for module in frontier:
                for target in sorted(self.internal.get(module, ())):
                    if target in previous or target == start:
                        continue
                    previous[target] = module
                    if goal(target):
                        found = [target]
                        while found[-1] != start:
                            found.append(previous[found[-1]])
                        return found[::-1]
                    following.append(target)
            frontier = following
        return None

    def external_chain(self, start: str, library: str) -> list[str] | None:
        """A chain from ``start`` to the module of ours that imports ``library``."""
        if library in self.external.get(start, ()):
            return [start, library]
        found = self.chain(start, lambda module: library in self.external.get(module, ()))
        return None if found is None else [*found, library]

    def room(self, module: str) -> str:
        return module if module in self.packages else module.rsplit(".", 1)[0]

    def room_cycles(self) -> list[tuple[str, str]]:
        """Pairs of rooms that import each other, directly or through other rooms."""
        edges: dict[str, set[str]] = {}
        for module, targets in self.internal.items():
            for target in targets:
                if self.room(module) != self.room(target):
                    edges.setdefault(self.room(module), set()).add(self.room(target))
        reach = {room: _closure(edges, room) for room in edges}
        return sorted((a, b) for a in reach for b in reach[a] if a < b and a in reach.get(b, set()))


def _closure(edges: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = list(edges.get(start, ()))
    while todo:
        room = todo.pop()
        if room not in seen:
            seen.add(room)
            todo.extend(edges.get(room, ()))
    return seen


def build_graph(root: Path, packages: Iterable[str]) -> ImportGraph:
    files = {
        _module_name(root, path): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    graph = ImportGraph(packages={m for m, p in files.items() if p.name == "__init__.py"})
    for module, path in files.items():
        internal, external = set(), set()
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            for candidates in _imports(node, module, path.name == "__init__.py"):
                ours = next((c for c in candidates if c in files), None)
                if ours is None:
                    ours = _longest_prefix(candidates[-1], files)
                if ours is None:
                    external.add(candidates[-1].split(".")[0])
                elif ours != module:
                    internal.add(ours)
        graph.internal[module], graph.external[module] = internal, external
    return graph


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(node: ast.AST, module: str, is_package: bool) -> list[list[str]]:
    """Per imported name, the module names it may be, most specific first."""
    if isinstance(node, ast.Import):
        return [[alias.name] for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        anchor = module.split(".") if is_package else module.split(".")[:-1]
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([base] if base else [])])
    return [[f"{base}.{alias.name}", base] for alias in node.names]


def _longest_prefix(name: str, files: dict[str, Path]) -> str | None:
    parts = name.split(".")
    while parts:
        if ".".join(parts) in files:
            return ".".join(parts)
        parts.pop()
    return None
