"""Time and memory of ``convcalc check`` on every file of the bad-spec corpus, and of every
case of the hostile corpus.

Each file of ``tests/bad_specs`` and of ``benchmarks/hostile_specs`` (costly
files, too slow for the test suite) runs in a fresh process,
``python -m convcalc check FILE``, at the default row cap (a corpus file's
``.args`` are not used). The numbers include starting Python and importing
convcalc; the first row, ``(baseline)``, checks a tiny valid spec for
comparison. Wall time is the best of ``--runs`` runs; memory is the peak
resident set size of that one child process (``ru_maxrss`` from ``os.wait4``).

    python benchmarks/hostile.py                 # every file
    python benchmarks/hostile.py --runs 5 -k laughs -k repeat

Then every case of the hostile corpus (``tests/hostile_cases.py``: files
and command lines, with closed or full streams, FIFOs and devices) runs
once, one process at a time, under the limits the tests use; each row gives
its exit status, wall and CPU seconds and peak RSS, and ``!`` marks a case
whose outcome breaks its promise (``tests/test_hostile.py`` asserts them).
The closing summary (worst wall, worst CPU, worst RSS) is what the README quotes.

    python benchmarks/hostile.py --corpus-only  # just the hostile corpus

Not a test: nothing is asserted. Rows over ``--slow`` seconds or ``--big`` MB
above the baseline, and crashes, are flagged with ``!``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "bad_specs"
EXTRA = Path(__file__).resolve().parent / "hostile_specs"
"""Costly files that are too slow for the test corpus."""
TIMEOUT = 120.0
BASELINE_SPEC = "input: {channels: 3, size: 32}\nlayers:\n  - conv: {filters: 8, kernel: 3}\n  - relu\n"


def run_once(path: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB, exit status and the first output line of one fresh check."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "convcalc", "check", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    deadline = started + TIMEOUT
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.002)
    wall = time.perf_counter() - started
    output = process.stdout.read().decode("utf-8", "replace") if process.stdout else ""
    if process.stdout:
        process.stdout.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    rss_mb = usage.ru_maxrss / 1024 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    first = output.splitlines()[0] if output else ""
    if "Traceback" in output:
        last = [line for line in output.splitlines() if line.strip()][-1].strip()
        first = f"CRASH {last.split(':')[0]}"
    return wall, rss_mb, process.returncode, first


def measure(path: Path, runs: int) -> tuple[float, float, int, str]:
    results = [run_once(path) for _ in range(runs)]
    wall = min(r[0] for r in results)
    rss = max(r[1] for r in results)
    return wall, rss, results[-1][2], results[-1][3]


def outcome(first_line: str) -> str:
    if first_line.startswith("CRASH"):
        return first_line[:18]
    match = re.search(r": error\[([a-z-]+)\]", first_line)
    if match:
        return match.group(1)
    return "clean" if "all clean" in first_line else first_line[:40]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs per file; best wall time, worst memory (default 3)")
    parser.add_argument("-k", action="append", default=[], help="only files whose name contains this (repeatable)")
    parser.add_argument("--slow", type=float, default=1.0, help="flag files slower than this many seconds")
    parser.add_argument("--big", type=float, default=100.0, help="flag files using this many MB over the baseline")
    parser.add_argument("--corpus-only", action="store_true", help="only the hostile corpus of tests/hostile_cases.py")
    options = parser.parse_args()
    if not options.corpus_only:
        bad_specs(options)
    return hostile_corpus(options.k)


def hostile_corpus(keys: list[str]) -> int:
    """Every case of tests/hostile_cases.py, one at a time; the worst figures at the end."""
    sys.path.insert(0, str(ROOT / "tests"))
    from hostile_cases import CPU_SECONDS, MAX_RSS_MB, corpus, problems, run_cases

    cases = [case for case in corpus() if not keys or any(k in case.name for k in keys)]
    with tempfile.TemporaryDirectory() as tmp:
        outcomes = run_cases(cases, Path(tmp), parallel=1)
    header = f"{'case':<52} {'exit':>4} {'wall s':>7} {'CPU s':>6} {'RSS MB':>7}"
    print(f"\nhostile corpus: {len(cases)} cases, fresh process each (limits {CPU_SECONDS:g} s CPU, {MAX_RSS_MB:g} MB)")
    print(header)
    print("-" * len(header))
    broken = 0
    for case in cases:
        o = outcomes[case.name]
        flag = "!" if problems(o) else " "
        broken += flag == "!"
        print(f"{case.name[:52]:<52} {o.status:>4} {o.wall:>7.3f} {o.cpu:>6.3f} {o.rss_mb:>7.1f} {flag}")
    worst_wall = max(outcomes.values(), key=lambda o: o.wall)
    worst_cpu = max(outcomes.values(), key=lambda o: o.cpu)
    worst_rss = max(outcomes.values(), key=lambda o: o.rss_mb)
    walls = sorted(o.wall for o in outcomes.values())
    print(
        f"\n{len(cases)} cases; {broken} broken (!); median wall {walls[len(walls) // 2]:.3f} s; "
        f"worst wall {worst_wall.wall:.3f} s ({worst_wall.case.name}); "
        f"worst CPU {worst_cpu.cpu:.3f} s ({worst_cpu.case.name}); "
        f"worst RSS {worst_rss.rss_mb:.1f} MB ({worst_rss.case.name})"
    )
    return 1 if broken else 0


def bad_specs(options: argparse.Namespace) -> None:

    files = sorted(CORPUS.glob("*.yaml")) + sorted(EXTRA.glob("*.yaml"))
    if options.k:
        files = [f for f in files if any(k in f.name for k in options.k)]

    with tempfile.TemporaryDirectory() as tmp:
        baseline_path = Path(tmp) / "baseline.yaml"
        baseline_path.write_text(BASELINE_SPEC, encoding="utf-8")
        base_wall, base_rss, _, _ = measure(baseline_path, options.runs)

    print(f"python {sys.version.split()[0]}, {options.runs} run(s) per file, fresh process each")
    header = f"{'file':<42} {'size':>8} {'exit':>4} {'outcome':<18} {'wall s':>7} {'RSS MB':>7} {'ΔRSS':>6}"
    print(header)
    print("-" * len(header))
    print(
        f"{'(baseline: valid 2-layer spec)':<42} {'':>8} {0:>4} {'clean':<18} {base_wall:>7.3f} {base_rss:>7.1f} {0:>6.1f}"
    )
    flagged = 0
    for path in files:
        wall, rss, status, first = measure(path, options.runs)
        extra = rss - base_rss
        flag = "!" if wall > options.slow or extra > options.big or first.startswith("CRASH") else " "
        flagged += flag == "!"
        size = path.stat().st_size
        print(
            f"{path.name:<42} {size:>8,} {status:>4} {outcome(first):<18} {wall:>7.3f} {rss:>7.1f} {extra:>6.1f} {flag}"
        )
    print(
        f"\n{len(files)} files; {flagged} flagged (! = over {options.slow:g} s, over {options.big:g} MB above baseline, or a crash)"
    )


if __name__ == "__main__":
    raise SystemExit(main())
