"""Checks made before a spec is expanded: blocks that use themselves, and specs too big to expand.

Both read the node tree once, without walking it, so a hostile file costs
time linear in its size.
"""

from __future__ import annotations

from .errors import Position, SpecError
from .loader import YMap, YNode, YScalar, YSeq
from .spec import BlockDef, Spec


class RowCounter:
    """A lower bound on the rows a layer list expands to, found without expanding it.

    Entries under ``if`` count 0 (unless it is written true: a literal can't be
    false at any use) and every ``repeat`` counts once (repeats
    are checked as they are walked), so the bound never exceeds the truth;
    blocks are counted once each (memoized), so a small file that fans out
    through blocks is measured in time linear in its size. Runs after the
    cycle check.
    """

    def __init__(self, spec: Spec) -> None:
        self.blocks = spec.blocks
        self.memo: dict[str, int] = {}
        self.lists: dict[int, int] = {}

    def least(self, items: YNode) -> int:
        if not isinstance(items, YSeq):
            return 0
        key = id(items)
        if key not in self.lists:
            self.lists[key] = sum(self.entry(item) for item in items.items)
        return self.lists[key]

    def block(self, name: str) -> int:
        if name not in self.memo:
            self.memo[name] = 0  # a cycle was ruled out; this only guards re-entry
            self.memo[name] = 1 + self.least(self.blocks[name].layers)
        return self.memo[name]

    def entry(self, node: YNode) -> int:
        if isinstance(node, YScalar):
            if isinstance(node.value, str) and node.value in self.blocks:
                return self.block(node.value)
            return 0 if isinstance(node.value, str) and node.value.startswith("$") else 1
        if not isinstance(node, YMap) or len(node.entries) != 1:
            return 0
        ((kind, args),) = node.entries.items()
        entries = args.entries if isinstance(args, YMap) else {}
        if "if" in entries and not _surely_true(entries["if"]):
            return 0
        if kind in self.blocks:
            one = self.block(kind)
        elif kind == "sequence":
            one = 1 + self.least(entries.get("layers", YSeq([])))
        elif kind == "parallel":
            branches = entries.get("branches")
            listed = branches.items if isinstance(branches, YSeq) else []
            one = 1 + sum(1 + self.least(branch) for branch in listed)
        elif kind == "residual":
            one = 3 + self.least(entries.get("main", YSeq([]))) + self.least(entries.get("shortcut", YSeq([])))
        else:
            activation = entries.get("activation")
            extra = isinstance(activation, YScalar) and isinstance(activation.value, str)
            extra = extra and activation.value not in ("none",) and not activation.value.startswith("$")
            one = 1 + int(bool(extra))
        return one


def block_references(block: BlockDef, names: dict[str, BlockDef]) -> list[tuple[str, Position]]:
    """Block names used as layer types anywhere in a block's body (found without expanding it)."""
    found: list[tuple[str, Position]] = []
    stack: list[YNode] = [block.layers]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, YSeq):
            for item in node.items:
                if isinstance(item, YScalar) and item.value in names:
                    found.append((item.value, item.pos))
                stack.append(item)
        elif isinstance(node, YMap):
            for key, value in node.entries.items():
                if key in names:
                    found.append((key, node.position_of(key)))
                stack.append(value)
    return found


def check_block_cycles(spec: Spec) -> None:
    """A block that uses itself, directly or through others, is an error (iterative DFS: no recursion limit)."""
    blocks = spec.blocks
    graph = {name: block_references(block, blocks) for name, block in blocks.items()}
    state: dict[str, int] = {}  # 1: on the current chain, 2: done
    for root in blocks:
        if root in state:
            continue
        chain = [root]
        state[root] = 1
        stack = [iter(graph[root])]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                state[chain.pop()] = 2
                stack.pop()
                continue
            used, position = step
            if state.get(used) == 1:
                cycle = chain[chain.index(used) :] + [used]
                raise SpecError.at(
                    "block-cycle",
                    f"block {used!r} uses itself: {_chain_text(cycle)}",
                    file=spec.file,
                    position=position,
                    row=chain[-1],
                )
            if used not in state:
                state[used] = 1
                chain.append(used)
                stack.append(iter(graph[used]))


def _chain_text(cycle: list[str]) -> str:
    if len(cycle) <= 7:
        return " → ".join(cycle)
    shown = " → ".join([*cycle[:3], "…", *cycle[-3:]])
    return f"{shown} (a cycle of {len(cycle) - 1:,} blocks)"


def _surely_true(node: YNode) -> bool:
    """``if: true`` (or a non-zero number) as written, not a ``$param`` that a use may set false."""
    return isinstance(node, YScalar) and not isinstance(node.value, str) and bool(node.value)
