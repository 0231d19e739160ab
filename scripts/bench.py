"""The measuring half of scripts/bench.sh (run that instead).

Each measurement spawns the process RUNS times with os.posix_spawn and
os.wait4, the wall time taken around the child alone, then once more under
GNU time for its peak resident memory. Results go into docs/performance.md
between the bench markers.
"""

import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
if not TARGET.is_absolute():
    TARGET = ROOT / TARGET
BIN = TARGET / "release"
KOKUC = BIN / "kokuc"
GEN = BIN / "examples" / "gen_stack"
FLOOR = BIN / "examples" / "floor"
PEST_TOKENS = BIN / "examples" / "pest_tokens"
RUNS = int(os.environ.get("RUNS", "5"))
TIME = "/usr/bin/time"
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def run(argv, stdout_path=os.devnull):
    """Runs argv once; returns (seconds, wait4's peak RSS in bytes, exit code)."""
    with open(stdout_path, "wb") as out, open(os.devnull, "wb") as err:
        start = time.perf_counter()
        pid = os.posix_spawn(
            argv[0],
            argv,
            dict(os.environ),
            file_actions=[
                (os.POSIX_SPAWN_DUP2, out.fileno(), 1),
                (os.POSIX_SPAWN_DUP2, err.fileno(), 2),
            ],
        )
        _, status, usage = os.wait4(pid, 0)
        elapsed = time.perf_counter() - start
    return elapsed, usage.ru_maxrss * 1024, os.waitstatus_to_exitcode(status)


def peak_memory(argv, stdout_path):
    """Peak resident memory of one run, from /usr/bin/time (GNU time's %M, KiB).

    wait4's figure for a child spawned by this script would include the
    script's own memory, which the child shares until it starts the program.
    """
    with open(stdout_path, "wb") as out:
        r = subprocess.run([TIME, "-f", "%M", *map(str, argv)], stdout=out, stderr=subprocess.PIPE, text=True)
    return int(r.stderr.strip().splitlines()[-1]) * 1024


def measure(name, argv, stdout_path=os.devnull, expect=0, runs=RUNS):
    argv = [str(a) for a in argv]
    times = []
    for _ in range(runs):
        t, _, code = run(argv, stdout_path)
        if code != expect:
            sys.exit(f"{name}: exit code {code}, expected {expect}: {' '.join(argv)}")
        times.append(t)
    peak = peak_memory(argv, stdout_path)
    result = {"name": name, "median": statistics.median(times), "min": min(times), "peak": peak}
    print(f"{name:32} {result['median'] * 1000:9.1f} ms  (min {result['min'] * 1000:.1f})  {result['peak'] / 2**20:7.1f} MiB",
          flush=True)
    return result


def generate(path, *args):
    with open(path, "wb") as out:
        subprocess.run([str(GEN), *map(str, args)], stdout=out, check=True)


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) * 1024
    rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": f"{mem / 2**30:.0f} GiB",
        "kernel": platform.release(),
        "rustc": rustc,
        "commit": commit,
    }


def recheck_ms():
    """Median of the criterion `recheck` bench (compile after a one-character edit)."""
    subprocess.run(
        ["cargo", "bench", "--locked", "--bench", "stages", "--", "^recheck/", "--noplot"],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    estimates = TARGET / "criterion" / "recheck" / "1000" / "new" / "estimates.json"
    return json.loads(estimates.read_text())["median"]["point_estimate"] / 1e6


def exponent(t1, n1, t2, n2):
    return math.log(t2 / t1) / math.log(n2 / n1)


def ms(t):
    return f"{t * 1000:.0f} ms" if t >= 0.1 else f"{t * 1000:.1f} ms"


def mib(b):
    return f"{b / 2**20:.0f} MiB"


def main():
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="kokuc-bench-"))
    try:
        sizes = [1_000, 10_000, 100_000]
        for n in sizes:
            generate(work / f"tree-{n}.koku", n)
        generate(work / "dense-10000.koku", 10_000, "--dense")
        generate(work / "errors-10000.koku", 10_000, "--errors", 1_000)
        seed = ROOT / "stacks" / "koku.koku"

        out = str(work / "out.yaml")
        r = {}
        for n in sizes:
            stack = str(work / f"tree-{n}.koku")
            r[("floor", n)] = measure(f"floor {n}", [str(FLOOR), str(n)], out)
            r[("floor", n)]["bytes"] = os.path.getsize(out)
            r[("build", n)] = measure(f"kokuc build tree-{n}", [str(KOKUC), "build", stack], out)
            r[("build", n)]["bytes"] = os.path.getsize(out)
            r[("check", n)] = measure(f"kokuc check tree-{n}", [str(KOKUC), "check", stack])
            r[("tokens", n)] = measure(f"pest_tokens tree-{n}", [str(PEST_TOKENS), stack])
        r["dense"] = measure("kokuc build dense-10000", [str(KOKUC), "build", str(work / "dense-10000.koku")], out)
        r["errors"] = measure("kokuc check errors-10000 (1000)", [str(KOKUC), "check", str(work / "errors-10000.koku")],
                              expect=1)
        r["seed"] = measure("kokuc build stacks/koku.koku", [str(KOKUC), "build", str(seed)], out, runs=max(RUNS, 11))
        outdir = work / "out"
        r["dir"] = measure("kokuc build tree-10000 -o DIR", [str(KOKUC), "build", str(work / "tree-10000.koku"),
                                                            "-o", str(outdir)])
        recheck = recheck_ms() / 1000
        print(f"{'recheck 1000 (criterion median)':32} {recheck * 1000:9.1f} ms", flush=True)
        load_after = os.getloadavg()
        write_doc(r, recheck, sizes, machine(), load_before, load_after)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_doc(r, recheck, sizes, m, load_before, load_after):
    b10, b100, f10 = r[("build", 10_000)]["median"], r[("build", 100_000)]["median"], r[("floor", 10_000)]["median"]
    # kokuc writes more per component than the floor's Deployment and Service
    # (see "The floor" above): compare the time per byte written.
    more = r[("build", 10_000)]["bytes"] / r[("floor", 10_000)]["bytes"]
    per_byte = (b10 / f10) / more
    c10, c100 = r[("check", 10_000)]["median"], r[("check", 100_000)]["median"]
    targets = [
        ("`kokuc build` 10k within 2x the floor, per byte written",
         f"{per_byte:.2f}x ({ms(b10)} for {more:.2f}x the floor's bytes, floor {ms(f10)})", per_byte <= 2),
        ("`kokuc build` 10k at least 4x faster than 0.85 s", f"{0.85 / b10:.1f}x ({ms(b10)})", b10 <= 0.85 / 4),
        ("`kokuc check` 10k under 60 ms", ms(c10), c10 < 0.060),
        ("`kokuc check` 100k under 600 ms", ms(c100), c100 < 0.600),
        ("`kokuc build` 100k under 2.5 s", ms(b100), b100 < 2.5),
        ("`kokuc build` 100k under 1 GiB peak", mib(r[("build", 100_000)]["peak"]), r[("build", 100_000)]["peak"] < 2**30),
        ("`kokuc build` time 100k/10k at most 12", f"{b100 / b10:.1f}", b100 / b10 <= 12),
        ("re-check of a 1,000-component file under 20 ms", ms(recheck), recheck < 0.020),
        ("seed stack builds under 10 ms", ms(r["seed"]["median"]), r["seed"]["median"] < 0.010),
        ("10k stack with 1,000 errors reported under 200 ms", ms(r["errors"]["median"]), r["errors"]["median"] < 0.200),
    ]
    lines = [
        BEGIN,
        "",
        f"Measured by `scripts/bench.sh` at commit `{m['commit']}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}, Linux {m['kernel']}, {m['rustc']}.",
        f"Load average (1 min) {load_before[0]:.1f} before the run and {load_after[0]:.1f} after it: "
        "the machine is shared, so wall times of a loaded run are inflated; the floor is measured in the same run, "
        "under the same load.",
        "",
        f"Wall time is the median of {RUNS} runs of the whole process (stdout to a file, stderr discarded); "
        "peak memory is the largest resident set of one more run, from GNU time.",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {v} | {'yes' if ok else '**no**'} |" for t, v, ok in targets]
    lines += [
        "",
        "| N components | floor | `kokuc build` | build / floor (time) | build / floor (bytes) | `kokuc check` |",
        "|---|---|---|---|---|---|",
    ]
    for n in sizes:
        f, b, c = r[("floor", n)], r[("build", n)], r[("check", n)]
        lines.append(
            f"| {n:,} | {ms(f['median'])}, {mib(f['peak'])} | {ms(b['median'])}, {mib(b['peak'])} "
            f"| {b['median'] / f['median']:.2f} | {b['bytes'] / f['bytes']:.2f} | {ms(c['median'])}, {mib(c['peak'])} |"
        )
    lines += ["", "Scaling exponent k in time ~ N^k between sizes (1.0 is linear):", "",
              "| sizes | floor | `kokuc build` | `kokuc check` |", "|---|---|---|---|"]
    for n1, n2 in zip(sizes, sizes[1:]):
        e = [exponent(r[(k, n1)]["median"], n1, r[(k, n2)]["median"], n2) for k in ("floor", "build", "check")]
        lines.append(f"| {n1:,} → {n2:,} | {e[0]:.2f} | {e[1]:.2f} | {e[2]:.2f} |")
    lines += [
        "",
        "Other measurements:",
        "",
        f"- `kokuc build` of the dense 10k stack (up to 4 edges each): {ms(r['dense']['median'])}, {mib(r['dense']['peak'])}.",
        f"- `kokuc build -o DIR` of the 10k tree (10,001 files, each synced to disk): {ms(r['dir']['median'])}, "
        f"{mib(r['dir']['peak'])}.",
        f"- `kokuc check` of the 10k stack with 1,000 errors (all reported): {ms(r['errors']['median'])}.",
        "- The pest floor: a pest grammar that only splits the file into tokens (`examples/pest_tokens.rs`), the "
        "least any pest parser of `.koku` does before `kokuc check` can start: "
        + ", ".join(f"{ms(r[('tokens', n)]['median'])} at {n:,}" for n in sizes) + ".",
        f"- seed stack `kokuc build stacks/koku.koku`: {ms(r['seed']['median'])}, {mib(r['seed']['peak'])}.",
        f"- re-check after a one-character edit of a 1,000-component file (`kokuc::compile`, criterion median): "
        f"{ms(recheck)}.",
        "",
        "Commands (in a temporary directory; `gen_stack`, `floor` and `pest_tokens` are the examples of this repository):",
        "",
        "```text",
        "gen_stack N > tree-N.koku              # N = 1000, 10000, 100000",
        "gen_stack 10000 --dense > dense-10000.koku",
        "gen_stack 10000 --errors 1000 > errors-10000.koku",
        "floor N > out.yaml",
        "pest_tokens tree-N.koku",
        "kokuc build tree-N.koku > out.yaml",
        "kokuc check tree-N.koku > /dev/null",
        "kokuc build tree-10000.koku -o out",
        "kokuc check errors-10000.koku          # exits 1",
        "kokuc build stacks/koku.koku > out.yaml",
        "cargo bench --bench stages -- ^recheck/",
        "```",
        "",
        END,
    ]
    text = DOC.read_text() if DOC.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    DOC.write_text(head + "\n".join(lines) + tail)
    print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
