#!/usr/bin/env python
"""convcalc performance benchmarks (issue 6).

Run from anywhere with the interpreter that has convcalc installed:

    python benchmarks/run.py                 # full run, a few minutes
    python benchmarks/run.py --quick         # smoke test, fewer repetitions
    python benchmarks/run.py --json out.json # also write every figure as JSON

What it measures, side by side:

1. Whole processes, wall time (``time.perf_counter`` around ``subprocess.run``),
   median/min/max of N runs, interleaved round-robin so drift hits every
   command alike, after one untimed warm-up run of each:
   ``python -c "import yaml"`` (the floor), ``convcalc --version``,
   ``convcalc analyze specs/resnet152.yaml --format json``, the same with
   ``--format table`` (stdout is a pipe) and ``convcalc check specs/``; each
   CLI command both as ``sys.executable -m convcalc`` and as the console
   script next to ``sys.executable`` (when there is one).
2. The engine alone through the Python API: ``analyze_spec`` on resnet152
   already loaded (``convcalc.load`` once).
3. Generated specs of 1k, 10k and 100k rows in four shapes (deep sequence,
   wide parallel blocks, nested blocks with repeat, a graph with skips
   thousands of rows long), built as dicts and
   passed through ``convcalc.load(dict)`` and ``analyze_spec``. Each
   (shape, size) runs in a child process of its own, which reports the
   times, the ``ru_maxrss`` growth of its first load+analyze (the honest
   resident-memory number) and the ``tracemalloc`` peak of one more run.
4. The peer figure, where torch, torchvision and torchinfo import:
   ``torchinfo.summary(torchvision.models.resnet152(), (1, 3, 224, 224))``
   in a fresh process.

Then the targets of issue 6 are checked against the figures.

Bytecode: by default the child processes run with a bytecode cache of their
own (``PYTHONPYCACHEPREFIX`` in a temporary directory, and without
``PYTHONDONTWRITEBYTECODE``), as an installed convcalc runs: pip writes
``.pyc`` files at install time. An editable install in a shell that sets
``PYTHONDONTWRITEBYTECODE=1`` recompiles every convcalc module on every run;
the ``nopyc:`` rows measure that case. ``--bytecode env`` runs everything
with the environment as it is.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from collections.abc import Callable

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000)
SHAPES = ("deep", "wide", "nested", "graph")
ENGINE_MAX_ROWS = 10**7
TORCH_PYTHON_CANDIDATES = ("/work/torchvenv/bin/python",)
TORCHINFO_CODE = (
    "import torch, torchvision, torchinfo; "
    "torchinfo.summary(torchvision.models.resnet152(), (1, 3, 224, 224), verbose=0)"
)
TORCH_IMPORT_CODE = "import torch, torchvision, torchinfo"


# ----- statistics ---------------------------------------------------------------------


def summarize(samples: list[float]) -> dict[str, Any]:
    return {
        "median": statistics.median(samples),
        "min": min(samples),
        "max": max(samples),
        "runs": len(samples),
        "samples": samples,
    }


# ----- generated specs ----------------------------------------------------------------
#
# Every spec works on a 16×8×8 input and keeps that shape: 3×3 convs with
# padding 1, 16 filters (or 4 per branch, four branches concatenated).
# Fresh dicts per entry, as a YAML file would give.


def _conv(filters: int = 16) -> dict[str, Any]:
    return {"conv": {"filters": filters, "kernel": 3, "padding": 1}}


def deep_spec(rows: int) -> dict[str, Any]:
    """(a) A plain sequence of conv, bn, relu, conv, bn, relu, ...: one row per entry."""
    layers: list[Any] = []
    for i in range(rows):
        kind = i % 3
        layers.append(_conv() if kind == 0 else ("bn" if kind == 1 else "relu"))
    return {"convcalc": 1, "name": f"deep-{rows}", "input": [16, 8, 8], "layers": layers}


WIDE_BRANCHES = 4
WIDE_ROWS_PER_ENTRY = 1 + 4 * WIDE_BRANCHES  # parallel row + per branch (branch row + conv, bn, relu)


def wide_spec(rows: int) -> dict[str, Any]:
    """(b) Many ``parallel`` entries of 4 branches [conv, bn, relu]; merge alternates add / concat."""
    layers: list[Any] = []
    for i in range(max(1, round(rows / WIDE_ROWS_PER_ENTRY))):
        if i % 2 == 0:
            branches = [[_conv(16), "bn", "relu"] for _ in range(WIDE_BRANCHES)]
            layers.append({"parallel": {"branches": branches, "merge": "add"}})
        else:
            branches = [[_conv(16 // WIDE_BRANCHES), "bn", "relu"] for _ in range(WIDE_BRANCHES)]
            layers.append({"parallel": {"branches": branches, "merge": "concat"}})
    return {"convcalc": 1, "name": f"wide-{rows}", "input": [16, 8, 8], "layers": layers}


NESTED_ROWS_PER_GROUP = 1 + 4 * (1 + 8 * 8)  # group use + 4 stages (use + 8 units of 8 rows)


def nested_spec(rows: int) -> dict[str, Any]:
    """(c) Blocks using blocks, with repeat: group = stage ×4, stage = unit ×8, unit = residual + relu."""
    blocks = {
        "unit": {  # 8 rows: use, residual, main, conv, bn, relu, shortcut (identity), relu
            "params": {"c": 16},
            "layers": [
                {"residual": {"main": [{"conv": {"filters": "$c", "kernel": 3, "padding": 1}}, "bn", "relu"]}},
                "relu",
            ],
        },
        "stage": {"layers": [{"unit": {"repeat": 8}}]},
        "group": {"layers": [{"stage": {"repeat": 4}}]},
    }
    groups = max(1, round(rows / NESTED_ROWS_PER_GROUP))
    return {
        "convcalc": 1,
        "name": f"nested-{rows}",
        "input": [16, 8, 8],
        "blocks": blocks,
        "layers": [{"group": {"repeat": groups}}],
    }


GRAPH_SKIP_EVERY = 10
GRAPH_SKIP_SPAN = 2_500


def graph_spec(rows: int) -> dict[str, Any]:
    """(d) A graph with long-range references (issue 10): conv, bn, relu, ... as (a), but every
    tenth entry an ``add`` reading the entry before and the first conv at most 2,500 rows back
    (skips spanning thousands of nodes; about 250 skip tensors alive at once)."""
    layers: list[Any] = []
    conv_rows: list[int] = []
    back = 0  # index into conv_rows of the first conv within the span
    for i in range(rows):
        if i % GRAPH_SKIP_EVERY == GRAPH_SKIP_EVERY - 1 and conv_rows:
            while conv_rows[back] < i - GRAPH_SKIP_SPAN:
                back += 1
            layers.append({"add": {"from": [-1, f"conv{back + 1}"]}})
        elif i % 3 == 0:
            conv_rows.append(i)
            layers.append(_conv())
        else:
            layers.append("bn" if i % 3 == 1 else "relu")
    return {"convcalc": 1, "name": f"graph-{rows}", "input": [16, 8, 8], "layers": layers}


BUILDERS: dict[str, Callable[[int], dict[str, Any]]] = {
    "deep": deep_spec,
    "wide": wide_spec,
    "nested": nested_spec,
    "graph": graph_spec,
}


def _maxrss_bytes() -> int:
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # Linux: KiB


def child_generated(shape: str, rows: int, runs: int) -> dict[str, Any]:
    """In a child process: one (shape, size); prints its figures as JSON."""
    import tracemalloc

    import convcalc
    from convcalc.engine import analyze_spec

    # Warm up: lazy imports of layer rules, renderers' dependencies etc. stay out of the delta.
    analyze_spec(convcalc.load(BUILDERS[shape](30)), ENGINE_MAX_ROWS)
    data = BUILDERS[shape](rows)
    gc.collect()

    gc_stats = {generation: {"collections": 0, "seconds": 0.0} for generation in (0, 1, 2)}
    started = [0.0]

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            entry = gc_stats[info["generation"]]
            entry["collections"] += 1
            entry["seconds"] += time.perf_counter() - started[0]

    rss_before = _maxrss_bytes()
    gc.callbacks.append(on_gc)
    t0 = time.perf_counter()
    spec = convcalc.load(data)
    t1 = time.perf_counter()
    report = analyze_spec(spec, ENGINE_MAX_ROWS)
    t2 = time.perf_counter()
    gc.callbacks.remove(on_gc)
    rss_after = _maxrss_bytes()
    actual_rows = len(report.rows)
    first = {"load": t1 - t0, "analyze": t2 - t1, "total": t2 - t0}
    del spec, report
    gc.collect()

    load_times, analyze_times, total_times = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        spec = convcalc.load(data)
        t1 = time.perf_counter()
        report = analyze_spec(spec, ENGINE_MAX_ROWS)
        t2 = time.perf_counter()
        load_times.append(t1 - t0)
        analyze_times.append(t2 - t1)
        total_times.append(t2 - t0)
        del spec, report
        gc.collect()

    tracemalloc.start()
    tracemalloc.reset_peak()
    spec = convcalc.load(data)
    report = analyze_spec(spec, ENGINE_MAX_ROWS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "shape": shape,
        "requested_rows": rows,
        "rows": actual_rows,
        "first_run": first,
        "first_run_gc": {str(generation): entry for generation, entry in gc_stats.items()},
        "load": summarize(load_times),
        "analyze": summarize(analyze_times),
        "total": summarize(total_times),
        "tracemalloc_peak_bytes": peak,
        "maxrss_before_bytes": rss_before,
        "maxrss_after_bytes": rss_after,
        "maxrss_delta_bytes": rss_after - rss_before,
    }


# ----- whole processes ----------------------------------------------------------------


def time_processes(
    commands: dict[str, list[str]], runs: int, cwd: Path, envs: dict[str, dict[str, str]] | None = None
) -> dict[str, Any]:
    """Wall time of each command, interleaved round-robin, after one untimed warm-up each.

    ``envs`` gives a command's environment (default: this process's).
    """
    envs = envs or {}
    samples: dict[str, list[float]] = {key: [] for key in commands}
    codes: dict[str, set[int]] = {key: set() for key in commands}
    for key, argv in commands.items():  # warm-up: file cache, .pyc
        subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=envs.get(key), check=False)
    for _ in range(runs):
        for key, argv in commands.items():
            env = envs.get(key)
            t0 = time.perf_counter()
            done = subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, check=False)
            samples[key].append(time.perf_counter() - t0)
            codes[key].add(done.returncode)
    return {
        key: {**summarize(samples[key]), "argv": commands[key], "exit_codes": sorted(codes[key])} for key in commands
    }


def find_console_script() -> Path | None:
    here = Path(sys.executable).parent
    for name in ("convcalc", "convcalc.exe"):
        candidate = here / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_torch_python(explicit: str | None) -> str | None:
    candidates = [explicit] if explicit else [sys.executable, *TORCH_PYTHON_CANDIDATES]
    for python in candidates:
        if not python or not Path(python).exists():
            continue
        probe = subprocess.run(
            [python, "-c", "import torch, torchvision, torchinfo"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            check=False,
        )
        if probe.returncode == 0:
            return python
    return None


# ----- the engine in-process ----------------------------------------------------------


def engine_resnet152(runs: int) -> dict[str, Any]:
    import convcalc
    from convcalc.engine import DEFAULT_MAX_ROWS, analyze_spec

    path = ROOT / "specs" / "resnet152.yaml"
    load_times = []
    for _ in range(max(5, runs // 5)):
        t0 = time.perf_counter()
        spec = convcalc.load(path)
        load_times.append(time.perf_counter() - t0)
    for _ in range(3):  # warm-up
        analyze_spec(spec, DEFAULT_MAX_ROWS)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        report = analyze_spec(spec, DEFAULT_MAX_ROWS)
        times.append(time.perf_counter() - t0)
    return {"rows": len(report.rows), "analyze": summarize(times), "load": summarize(load_times)}


def run_generated_children(runs_for: dict[int, int]) -> list[dict[str, Any]]:
    results = []
    for shape in SHAPES:
        for rows in SIZES:
            argv = [sys.executable, str(Path(__file__).resolve()), "--child", shape, str(rows), str(runs_for[rows])]
            done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
            if done.returncode != 0:
                results.append({"shape": shape, "requested_rows": rows, "error": done.stderr.strip()[-2000:]})
                print(f"  {shape:>6} {rows:>7,}: FAILED\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            result = json.loads(done.stdout)
            results.append(result)
            print(
                f"  {shape:>6} {rows:>7,} rows: {result['total']['median'] * 1000:9.1f} ms",
                file=sys.stderr,
                flush=True,
            )
    return results


# ----- output -------------------------------------------------------------------------


def table(headers: list[str], rows: list[list[str]], align: str) -> str:
    """Plain aligned text; ``align`` has one 'l' or 'r' per column."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]

    def line(cells: list[str]) -> str:
        out = []
        for cell, width, how in zip(cells, widths, align):
            out.append(str(cell).ljust(width) if how == "l" else str(cell).rjust(width))
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f}"


def mib(nbytes: float) -> str:
    return f"{nbytes / 2**20:,.1f}"


LAUNCHER_NAMES = {"script": "console script", "module": "-m convcalc", "nopyc": "no .pyc cache"}


def floor_for(processes: dict[str, Any], key: str, stat: str = "median") -> float:
    """The floor a command is compared with: the no-.pyc floor for nopyc: rows."""
    if key.startswith("nopyc") and "nopyc:floor" in processes:
        return processes["nopyc:floor"][stat]
    return processes["floor"][stat]


def check_targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue-6 targets, each with its figure, its limit and whether it is met."""
    targets = []
    processes = results["processes"]
    for launcher in ("script", "module", "nopyc"):
        floor = floor_for(processes, launcher)
        floor_min = floor_for(processes, launcher, "min")

        def fig(cmd: str, stat: str = "median") -> float | None:
            entry = processes.get(f"{launcher}:{cmd}")
            return entry[stat] if entry else None

        for cmd, limit, label in (
            ("analyze-json", 3.0, "analyze resnet152 --format json"),
            ("analyze-table", 5.0, "analyze resnet152 --format table"),
            ("version", 2.0, "--version"),
        ):
            value = fig(cmd)
            if value is None:
                continue
            ratio = value / floor
            ratio_min = fig(cmd, "min") / floor_min
            targets.append(
                {
                    "target": f"{label} ({LAUNCHER_NAMES[launcher]}) ≤ {limit:g}× floor",
                    "figure": f"{ms(value)} ms = {ratio:.2f}× {ms(floor)} ms (mins: {ratio_min:.2f}×)",
                    "ratio_of_mins": ratio_min,
                    "value": ratio,
                    "limit": limit,
                    "met": ratio <= limit,
                }
            )
    engine = results["engine_resnet152"]["analyze"]["median"]
    targets.append(
        {
            "target": "engine alone on resnet152 < 10 ms",
            "figure": f"{ms(engine)} ms",
            "value": engine * 1000,
            "limit": 10.0,
            "met": engine < 0.010,
        }
    )
    for result in results["generated"]:
        if "error" in result:
            targets.append(
                {"target": f"{result['shape']} {result['requested_rows']:,} rows", "figure": "FAILED", "met": False}
            )
            continue
        if result["requested_rows"] == 100_000:
            total = result["total"]["median"]
            targets.append(
                {
                    "target": f"{result['shape']} 100k rows (load+analyze) < 2 s",
                    "figure": f"{total:.2f} s ({result['rows']:,} rows)",
                    "value": total,
                    "limit": 2.0,
                    "met": total < 2.0,
                }
            )
            peak = max(result["tracemalloc_peak_bytes"], result["maxrss_delta_bytes"])
            targets.append(
                {
                    "target": f"{result['shape']} 100k rows peak memory < 300 MB",
                    "figure": f"tracemalloc {mib(result['tracemalloc_peak_bytes'])} MiB, "
                    f"maxrss Δ {mib(result['maxrss_delta_bytes'])} MiB",
                    "value": peak / 1e6,
                    "limit": 300.0,
                    "met": peak < 300e6,
                }
            )
    for shape, ratios in results["scaling"].items():
        for label, ratio in ratios.items():
            if ratio is None:
                continue
            targets.append(
                {
                    "target": f"{shape} {label}: 10× rows ≤ 12× time",
                    "figure": f"{ratio['time_ratio']:.1f}× time for {ratio['rows_ratio']:.2f}× rows "
                    f"= {ratio['per_10x_rows']:.1f}× per 10× rows",
                    "value": ratio["per_10x_rows"],
                    "limit": 12.0,
                    "met": ratio["per_10x_rows"] <= 12.0,
                }
            )
    return targets


def scaling(generated: list[dict[str, Any]]) -> dict[str, Any]:
    by = {(r["shape"], r["requested_rows"]): r for r in generated if "error" not in r}
    out: dict[str, Any] = {}
    for shape in SHAPES:
        out[shape] = {}
        for small, big in ((1_000, 10_000), (10_000, 100_000)):
            a, b = by.get((shape, small)), by.get((shape, big))
            label = f"{big // 1000}k/{small // 1000}k"
            if a is None or b is None:
                out[shape][label] = None
                continue
            out[shape][label] = {
                "time_ratio": b["total"]["median"] / a["total"]["median"],
                "analyze_ratio": b["analyze"]["median"] / a["analyze"]["median"],
                "rows_ratio": b["rows"] / a["rows"],
                # scaled to exactly 10× rows (the generators round to whole entries)
                "per_10x_rows": (b["total"]["median"] / b["rows"]) / (a["total"]["median"] / a["rows"]) * 10,
            }
    return out


def render(results: dict[str, Any]) -> str:
    env = results["environment"]
    parts = [
        "convcalc benchmarks",
        f"  python      {env['python']} ({env['executable']})",
        f"  convcalc    {env['convcalc']}  commit {env['commit']}",
        f"  machine     {env['platform']}, {env['cpus']} CPUs",
        f"  launchers   -m convcalc: {env['executable']} -m convcalc; console script: {env['console_script'] or 'none'}",
        f"  bytecode    {env['bytecode']}"
        + (
            " (children get a .pyc cache of their own; nopyc: rows run without one, as PYTHONDONTWRITEBYTECODE=1 "
            "does to an editable install)"
            if env["bytecode"] == "cached"
            else " (children run with this environment)"
        )
        + f"; PYTHONDONTWRITEBYTECODE here: {env['PYTHONDONTWRITEBYTECODE'] or 'unset'}",
        f"  load avg    start {env['loadavg_start']}, end {env.get('loadavg_end')}"
        + (
            "  (other processes were busy: figures are noisy)"
            if env["loadavg_start"] and max(env["loadavg_start"][0], (env.get("loadavg_end") or [0])[0]) > 0.5
            else ""
        ),
        "",
        f"1. Whole processes (wall time, ms; {results['process_runs']} runs each, interleaved, after 1 warm-up)",
    ]
    processes = results["processes"]
    floor = processes["floor"]["median"]
    rows = []
    for key, entry in processes.items():
        rows.append(
            [
                key,
                ms(entry["median"]),
                ms(entry["min"]),
                ms(entry["max"]),
                f"{entry['median'] / floor_for(processes, key):.2f}×",
                f"{entry['min'] / floor_for(processes, key, 'min'):.2f}×",
                ",".join(map(str, entry["exit_codes"])),
                entry["label"],
            ]
        )
    parts.append(table(["id", "median", "min", "max", "÷floor", "min÷min", "rc", "command"], rows, "lrrrrrll"))

    torch = results.get("torchinfo")
    parts.append("")
    if torch and "summary" in torch:
        parts.append(f"   peer (torchinfo, {torch['python']}; {torch['summary']['runs']} runs, ms):")
        trows = []
        for key in ("import", "summary"):
            entry = torch[key]
            trows.append(
                [
                    key,
                    ms(entry["median"]),
                    ms(entry["min"]),
                    ms(entry["max"]),
                    f"{entry['median'] / floor:.2f}×",
                    entry["label"],
                ]
            )
        parts.append(table(["id", "median", "min", "max", "÷floor", "command"], trows, "lrrrrl"))
        ours = processes.get("script:analyze-table") or processes.get("module:analyze-table")
        if ours:
            parts.append(
                f"   convcalc analyze (table) is {torch['summary']['median'] / ours['median']:.1f}× faster than torchinfo"
            )
    else:
        parts.append(f"   peer (torchinfo): not measured ({(torch or {}).get('reason', 'skipped')})")

    engine = results["engine_resnet152"]
    parts += [
        "",
        f"2. Engine alone, resnet152 ({engine['rows']} rows) already loaded: analyze_spec "
        f"median {ms(engine['analyze']['median'])} ms (min {ms(engine['analyze']['min'])}, "
        f"max {ms(engine['analyze']['max'])}; {engine['analyze']['runs']} runs)",
        f"   convcalc.load(resnet152.yaml): median {ms(engine['load']['median'])} ms ({engine['load']['runs']} runs)",
        "",
        "3. Generated specs: convcalc.load(dict) + analyze_spec(max_rows=10**7), one child process per size",
    ]
    grows = []
    for r in results["generated"]:
        if "error" in r:
            grows.append([r["shape"], f"{r['requested_rows']:,}", "FAILED", "", "", "", "", "", "", "", "", ""])
            continue
        grows.append(
            [
                r["shape"],
                f"{r['rows']:,}",
                ms(r["load"]["median"]),
                ms(r["analyze"]["median"]),
                ms(r["total"]["median"]),
                ms(r["total"]["min"]),
                ms(r["total"]["max"]),
                str(r["total"]["runs"]),
                f"{r['total']['median'] / r['rows'] * 1e6:.1f}",
                mib(r["tracemalloc_peak_bytes"]),
                mib(r["maxrss_delta_bytes"]),
                f"{r['first_run_gc']['2']['collections']}: {ms(r['first_run_gc']['2']['seconds'])}",
            ]
        )
    parts.append(
        table(
            [
                "shape",
                "rows",
                "load ms",
                "analyze ms",
                "total ms",
                "min",
                "max",
                "runs",
                "µs/row",
                "tracemalloc MiB",
                "maxrss Δ MiB",
                "gen2 GC (n: ms)",
            ],
            grows,
            "lrrrrrrrrrrr",
        )
    )
    srows = []
    for shape, ratios in results["scaling"].items():
        cells = [shape]
        for label in ("10k/1k", "100k/10k"):
            ratio = ratios.get(label)
            cells.append(
                "n/a"
                if ratio is None
                else f"{ratio['time_ratio']:.1f}× (analyze {ratio['analyze_ratio']:.1f}×, "
                f"rows {ratio['rows_ratio']:.2f}×; per 10× rows {ratio['per_10x_rows']:.1f}×)"
            )
        srows.append(cells)
    parts += ["", "   time ratios (load+analyze medians)", table(["shape", "10k/1k", "100k/10k"], srows, "lll")]

    parts += ["", "4. Targets (issue 6)"]
    trows = [[("met" if t["met"] else "NOT MET"), t["target"], t["figure"]] for t in results["targets"]]
    parts.append(table(["status", "target", "figure"], trows, "lll"))
    return "\n".join(parts)


# ----- main ---------------------------------------------------------------------------


def environment() -> dict[str, Any]:
    import convcalc

    try:
        commit = (
            subprocess.run(
                ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True, check=False
            ).stdout.strip()
            or "unknown"
        )
    except OSError:
        commit = "unknown"
    script = find_console_script()
    return {
        "python": platform.python_version(),
        "executable": sys.executable,
        "convcalc": convcalc.__version__,
        "convcalc_path": str(Path(convcalc.__file__).parent),
        "commit": commit,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "console_script": str(script) if script else None,
        "loadavg_start": _loadavg(),
    }


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke test, not a measurement)")
    parser.add_argument("--json", metavar="PATH", help="write every figure as JSON to PATH")
    parser.add_argument("--runs", type=int, help="process runs per command (default 15, quick 3)")
    parser.add_argument("--no-torch", action="store_true", help="skip the torchinfo peer figure")
    parser.add_argument("--torch-python", help="interpreter with torch, torchvision and torchinfo")
    parser.add_argument(
        "--bytecode",
        choices=("cached", "env"),
        default="cached",
        help="cached (default): child processes get a .pyc cache of their own, plus nopyc: rows without one; "
        "env: run every child with this environment as it is",
    )
    parser.add_argument("--child", nargs=3, metavar=("SHAPE", "ROWS", "RUNS"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        shape, rows, runs = args.child[0], int(args.child[1]), int(args.child[2])
        print(json.dumps(child_generated(shape, rows, runs)))
        return 0

    with contextlib.ExitStack() as stack:
        if args.bytecode == "cached":
            cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="convcalc-bench-pyc-"))
            cached_env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
            cached_env["PYTHONPYCACHEPREFIX"] = cache
            nopyc_env = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
            nopyc_env["PYTHONDONTWRITEBYTECODE"] = "1"
        else:
            cached_env = nopyc_env = None
        return _run_all(args, cached_env, nopyc_env)


def _run_all(args: argparse.Namespace, cached_env: dict[str, str] | None, nopyc_env: dict[str, str] | None) -> int:
    process_runs = args.runs or (3 if args.quick else 15)
    engine_runs = 10 if args.quick else 100
    runs_for = {1_000: 3, 10_000: 2, 100_000: 1} if args.quick else {1_000: 20, 10_000: 7, 100_000: 3}
    torch_runs = 1 if args.quick else 5

    env = environment()
    env["bytecode"] = args.bytecode
    env["PYTHONDONTWRITEBYTECODE"] = os.environ.get("PYTHONDONTWRITEBYTECODE")
    py = sys.executable
    script = env["console_script"]
    resnet = "specs/resnet152.yaml"
    cli = {
        "version": ["--version"],
        "analyze-json": ["analyze", resnet, "--format", "json"],
        "analyze-table": ["analyze", resnet, "--format", "table"],
        "check": ["check", "specs/"],
    }
    commands: dict[str, list[str]] = {"floor": [py, "-c", "import yaml"]}
    labels: dict[str, str] = {"floor": 'python -c "import yaml"'}
    for key, tail in cli.items():
        commands[f"module:{key}"] = [py, "-m", "convcalc", *tail]
        labels[f"module:{key}"] = "python -m convcalc " + " ".join(tail)
        if script:
            commands[f"script:{key}"] = [script, *tail]
            labels[f"script:{key}"] = "convcalc " + " ".join(tail)
    envs: dict[str, dict[str, str]] = {}
    if cached_env is not None:
        envs = {key: cached_env for key in commands}
        if nopyc_env is not None:
            commands["nopyc:floor"] = commands["floor"]
            labels["nopyc:floor"] = labels["floor"] + "  [no .pyc cache]"
            envs["nopyc:floor"] = nopyc_env
            launcher = "script" if script else "module"
            for key in ("version", "analyze-json", "analyze-table"):
                commands[f"nopyc:{key}"] = commands[f"{launcher}:{key}"]
                labels[f"nopyc:{key}"] = labels[f"{launcher}:{key}"] + "  [no .pyc cache]"
                envs[f"nopyc:{key}"] = nopyc_env

    print(f"processes: {len(commands)} commands × {process_runs} runs ...", file=sys.stderr, flush=True)
    processes = time_processes(commands, process_runs, ROOT, envs)
    for key, entry in processes.items():
        entry["label"] = labels[key]

    torch: dict[str, Any]
    if args.no_torch:
        torch = {"reason": "--no-torch"}
    else:
        torch_python = find_torch_python(args.torch_python)
        if torch_python is None:
            torch = {"reason": "no interpreter imports torch, torchvision and torchinfo"}
        else:
            print(f"torchinfo: {torch_runs} runs with {torch_python} ...", file=sys.stderr, flush=True)
            peer = time_processes(
                {"import": [torch_python, "-c", TORCH_IMPORT_CODE], "summary": [torch_python, "-c", TORCHINFO_CODE]},
                torch_runs,
                ROOT,
                # torch's own .pyc files sit in site-packages: run it as the environment is
            )
            peer["import"]["label"] = f'python -c "{TORCH_IMPORT_CODE}"'
            peer["summary"]["label"] = 'python -c "...; torchinfo.summary(resnet152(), (1,3,224,224), verbose=0)"'
            torch = {"python": torch_python, **peer}

    print(f"engine: resnet152 × {engine_runs} ...", file=sys.stderr, flush=True)
    engine = engine_resnet152(engine_runs)

    print("generated specs:", file=sys.stderr, flush=True)
    generated = run_generated_children(runs_for)

    results: dict[str, Any] = {
        "environment": env,
        "quick": args.quick,
        "process_runs": process_runs,
        "processes": processes,
        "torchinfo": torch,
        "engine_resnet152": engine,
        "generated": generated,
        "scaling": scaling(generated),
    }
    results["environment"]["loadavg_end"] = _loadavg()
    results["targets"] = check_targets(results)
    print(render(results))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
        print(f"\nfigures written to {args.json}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
