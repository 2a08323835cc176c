"""Training speed when the laptop is not idle: torch thread settings, with and without a busy core.

    python benchmarks/under_load.py                          # char-rnn and sentiment defaults
    python benchmarks/under_load.py --case char-rnn/default --setting "1 thread"
    python benchmarks/under_load.py --scale 3 --tag spin3    # three times the steps, steadier

A student's laptop always runs something else (the browser tab of JupyterLab, a
video call). On a 2-core machine torch's default of two threads can slow down
many times over as soon as another process holds a core, because each thread
waits for the other at every parallel region. For each thread setting below and
each case, this runs the notebook's own training loop (``benchmarks.loops``, as
``throughput.py`` times it) in a fresh process twice: on the idle machine, and
with one core kept busy by a spinning process that this command starts and
stops. Writes results/under-load-<device>[-<tag>].json and .md (steps per
second and the slowdown under load).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import describe, save_result  # noqa: E402

# Environment each setting runs the training under (torch reads these at import).
SETTINGS = {
    "2 threads": {"OMP_NUM_THREADS": "2"},
    "1 thread": {"OMP_NUM_THREADS": "1"},
    "2 threads, OMP_WAIT_POLICY=PASSIVE": {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE"},
    # libgomp (torch's OpenMP on Linux) spins this many times before a waiting thread sleeps;
    # unset, it is 300,000 (PASSIVE is 0).
    **{f"2 threads, GOMP_SPINCOUNT={n}": {"OMP_NUM_THREADS": "2", "GOMP_SPINCOUNT": str(n)}
       for n in (100, 300, 1000, 3000, 10000, 30000)},
}
STEPS = {"char-rnn/default": 20, "sentiment/default": 6, "char-rnn/smoke": 2, "sentiment/smoke": 2}
SPIN = "import time\nend = time.time() + {seconds}\nwhile time.time() < end:\n    pass\n"


def measure_one(case_name: str, steps: int) -> dict:
    """In the child: the notebook loop's steps per second for one case (one warm-up step first)."""
    import helpers
    import torch
    from throughput import CASES, char_setup, run_loop, sentiment_setup

    kind, config = CASES[case_name]
    device = helpers.get_device()
    helpers.seed_everything(0)
    case = (char_setup if kind == "char" else sentiment_setup)(config, steps + 2, device)
    seconds = run_loop(case, device, steps, 1)
    return {"steps": steps, "seconds": seconds, "steps_per_second": steps / seconds,
            "tokens_per_second": steps * case["tokens_per_batch"] / seconds, "threads": torch.get_num_threads()}


def run_child(case_name: str, steps: int, env: dict[str, str], busy: bool, timeout: float) -> dict:
    spinner = None
    if busy:   # bounded: it ends by itself even if this process dies
        spinner = subprocess.Popen([sys.executable, "-c", SPIN.format(seconds=timeout + 30)])
        time.sleep(0.5)
    try:
        proc = subprocess.run([sys.executable, __file__, "--one", case_name, "--steps", str(steps)],
                              capture_output=True, text=True, env={**os.environ, **env}, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timed_out_after_seconds": timeout}
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    if proc.returncode != 0:
        raise RuntimeError(f"{case_name} under {env} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def table(result: dict) -> str:
    lines = [f"Machine: {result['machine']['cpu']} ({result['machine']['cpu_count']} cores), torch "
             f"{result['machine']['torch']}. Steps per second of the notebook's loop; busy = one core spinning.",
             "", "| case | setting | idle steps/s | busy steps/s | slowdown under load |", "| --- | --- | ---: | ---: | ---: |"]
    for row in result["rows"]:
        idle, busy = row["idle"], row["busy"]
        rate = lambda r: f"{r['steps_per_second']:.2f}" if "steps_per_second" in r else f"> {r['timed_out_after_seconds']:.0f} s"
        slow = (f"{idle['steps_per_second'] / busy['steps_per_second']:.1f}x"
                if "steps_per_second" in idle and "steps_per_second" in busy else "timed out")
        lines.append(f"| {row['case']} | {row['setting']} | {rate(idle)} | {rate(busy)} | {slow} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(STEPS), help="default: char-rnn and sentiment defaults")
    parser.add_argument("--setting", action="append", choices=sorted(SETTINGS), help="default: every setting above")
    parser.add_argument("--scale", type=int, default=1, help="time this many times the default number of steps (longer, steadier)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before one measurement gives up")
    parser.add_argument("--one", help=argparse.SUPPRESS)      # child process
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--tag", default="", help="added to the file names")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_one(args.one, args.steps)))
        return 0
    import helpers

    rows = []
    for case_name in args.case or ["char-rnn/default", "sentiment/default"]:
        for setting in args.setting or list(SETTINGS):
            row = {"case": case_name, "setting": setting, "env": SETTINGS[setting]}
            for load in ("idle", "busy"):
                row[load] = run_child(case_name, STEPS[case_name] * args.scale, SETTINGS[setting], load == "busy", args.timeout)
            rows.append(row)
            print(f"{case_name}, {setting}: idle {row['idle']}, busy {row['busy']}", flush=True)
    result = {"benchmark": "under-load", "machine": describe(helpers.get_device()), "rows": rows}
    stem = f"under-load-{helpers.get_device().type}{'-' + args.tag if args.tag else ''}"
    save_result(args.out, stem, result, table(result))
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
