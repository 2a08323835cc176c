"""The co2-forecast results table, taken from a real run of the solution notebook.

The notebook is the only place the forecasts are computed: this command runs
solutions/co2-forecast/CO2_Forecast.ipynb in a fresh kernel (its default settings,
or smoke mode with --smoke), then asks that kernel for the table it built (RESULTS)
and its forecast figure, and writes results/co2-forecast-<config>-<device>.json and .png.

    python benchmarks/co2_forecast.py            # default settings
    python benchmarks/co2_forecast.py --set INPUT_LEN=24 --name input24   # a candidate
    RNN_DEVICE=cuda python benchmarks/co2_forecast.py

`--set NAME=VALUE` runs a candidate: a cell placed after the Settings cell overrides
that setting. Candidates are compared on `validation_mae` (2010-2015) only.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
from helpers.device import get_device  # noqa: E402
from machine import describe  # noqa: E402

NOTEBOOK = ROOT / "solutions" / "co2-forecast" / "CO2_Forecast.ipynb"

# Appended to the notebook: what the kernel hands back once every cell has run.
REPORT_CELL = """import json as _json
fig_forecast.savefig({png!r}, dpi=100)
print("RESULTS-JSON", _json.dumps({{"results": RESULTS, "device": str(DEVICE), "threads": torch.get_num_threads()}}))
"""


def _settings_index(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "smoke_mode()" in c.source)


def run_notebook(png: Path, smoke: bool, overrides: list[str]) -> tuple[dict, float]:
    """Execute the notebook; return what its report cell printed and the wall time in seconds."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    if overrides:
        nb.cells.insert(_settings_index(nb) + 1, nbformat.v4.new_code_cell("\n".join(overrides)))
    nb.cells.append(nbformat.v4.new_code_cell(REPORT_CELL.format(png=str(png))))
    os.environ["RNN_SMOKE"] = "1" if smoke else "0"
    client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    line = next(line for line in printed.splitlines() if line.startswith("RESULTS-JSON "))
    return json.loads(line.split(" ", 1)[1]), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="run the notebook in smoke mode (seconds)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="overrides",
                        help="override one setting of the Settings cell (a Python assignment), repeatable")
    parser.add_argument("--name", help="the configuration's name in the file names (default: default or smoke)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="folder for the JSON and plot")
    args = parser.parse_args(argv)
    for text in args.overrides:
        name, sep, value = text.partition("=")
        if not (sep and name.strip().isidentifier() and name.strip().isupper() and value.strip()):
            parser.error(f"--set: expected NAME=VALUE with a Settings name such as INPUT_LEN=24, got {text!r}")
    config = args.name or ("smoke" if args.smoke else "default")
    device = get_device()
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"co2-forecast-{config}-{device.type}"
    report, seconds = run_notebook(stem.with_suffix(".png"), args.smoke, args.overrides)
    machine = describe(device)
    machine["torch_threads"] = report["threads"]   # the kernel's, which trained the models
    record = {"notebook": str(NOTEBOOK.relative_to(ROOT)), "config": config, "overrides": args.overrides,
              "smoke": args.smoke, "machine": machine,
              "wall_seconds": round(seconds, 1), **report["results"]}
    stem.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"{config}: whole notebook in {seconds:.0f} s on {machine['cpu']} ({report['device']}); "
          f"wrote {stem}.json and .png")
    print("  validation MAE: " + ", ".join(f"{name} {v:.2f}" for name, v in record["validation_mae"].items()))
    for horizon, rows in record["horizons"].items():
        print(f"  {horizon:>2} month(s) ahead: " + ", ".join(f"{name} {row['mae']:.2f}" for name, row in rows.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
