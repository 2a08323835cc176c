"""A notebook's own results, taken from a real run of its solution.

The notebook is the only place that computes its results: this command runs
solutions/<assignment>/*.ipynb in a fresh kernel (its default settings, or smoke
mode with --smoke), then asks that kernel for its results and its figure, and
writes results/<assignment>-<config>-<device>.json and .png, with the machine and
the whole notebook's wall time. co2-forecast, sentiment-rnn and script-generation
keep their results in a dict of the lesson (`RESULTS`: the results table, the
run in one dictionary); for char-rnn, rnn-from-scratch and word2vec the dict is built here,
after the run, from the notebook's own variables (`RECORDS`).

    python benchmarks/notebook_results.py char-rnn --save-notebook solutions/char-rnn/Character_Level_RNN_Exercise.ipynb
    python benchmarks/notebook_results.py co2-forecast
    python benchmarks/notebook_results.py co2-forecast --set INPUT_LEN=24 --name input24
    python benchmarks/notebook_results.py rnn-from-scratch
    python benchmarks/notebook_results.py word2vec
    python benchmarks/notebook_results.py sentiment-rnn --save-notebook solutions/sentiment-rnn/Sentiment_RNN_Exercise.ipynb
    python benchmarks/notebook_results.py script-generation
    python benchmarks/notebook_results.py script-generation --save-notebook solutions/script-generation/Script_Generation.ipynb
    RNN_DEVICE=cuda python benchmarks/notebook_results.py co2-forecast

`--set NAME=VALUE` runs a candidate: a cell placed after the Settings cell overrides
that setting. co2-forecast's candidates are compared on `validation_mae` only.
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

# The notebooks this command runs, and the name of the figure each one's results are drawn in.
FIGURES = {"char-rnn": "loss_figure", "co2-forecast": "RESULTS_FIGURE", "rnn-from-scratch": "loss_figure", "word2vec": "comparison_figure",
           "sentiment-rnn": "RESULTS_FIGURE", "script-generation": "RESULTS_FIGURE"}
ASSIGNMENTS = tuple(FIGURES)

# Run after the notebook where the notebook itself keeps no dict of its results: the record, made
# from the notebook's own variables. rnn-from-scratch prints the largest gradient entries of its
# clipping study without keeping them, so they are worked out again here with its own functions.
RECORDS = {
    "char-rnn": """
loss_figure = helpers.plot_history(history, title="Cross-entropy per character").figure
RESULTS = {
    "settings": {"N_HIDDEN": N_HIDDEN, "N_LAYERS": N_LAYERS, "DROP_PROB": DROP_PROB, "BATCH_SIZE": BATCH_SIZE,
                 "SEQ_LENGTH": SEQ_LENGTH, "LR": LR, "LR_END": LR_END, "CLIP": CLIP, "EPOCHS": EPOCHS},
    "train_chars": len(train_ids), "validation_chars": len(val_ids),
    "train_seconds": round(train_seconds, 1),
    "epochs": [{"epoch": i + 1, "minutes": round(s / 60, 2), "train_loss": round(t, 4), "val_loss": round(v, 4)}
               for i, (s, t, v) in enumerate(zip(history.seconds, history.train_loss, history.val_loss))],
    "best_epoch": best_epoch, "best_val_loss": round(best_val, 4), "reloaded_val_loss": round(reloaded_val, 4),
}
""",
    "rnn-from-scratch": """
RESULTS = {
    "hidden_size": HIDDEN_SIZE, "seq_length": SEQ_LENGTH, "train_seconds": TRAIN_SECONDS,
    "held_out_chars": HELD_OUT_CHARS,
    "numpy": {"optimizer": f"Adagrad lr {LR}", "dtype": "float64", "chars_per_second": np_speed,
              "chunks": np_chunks, "final_loss_per_char": np_curve["loss_per_char"][-1],
              "held_out_loss_per_char": np_held_out, "curve": np_curve},
    "torch_control": {"optimizer": f"Adagrad lr {LR}", "dtype": "float64", "chars_per_second": control_speed,
                      "chunks": control_chunks, "final_loss_per_char": control_curve["loss_per_char"][-1],
                      "held_out_loss_per_char": control_held_out, "curve": control_curve},
    "torch": {"optimizer": f"Adam lr {TORCH_LR}", "dtype": "float32", "chars_per_second": torch_speed,
              "chunks": torch_chunks, "final_loss_per_char": torch_curve["loss_per_char"][-1],
              "held_out_loss_per_char": torch_held_out, "curve": torch_curve},
    "threads": torch.get_num_threads(),
    "hidden_gradient_norms": {name: values.tolist() for name, values in norms.items()},
    "clipping": {},
}
for _name, _p in networks.items():
    _, _cache = rnn_forward(study_ids[:-1], study_ids[1:], np.zeros(HIDDEN_SIZE), _p)
    _grads, _ = rnn_backward(study_ids[1:], _cache, _p)
    _whole = np.concatenate([g.ravel() for g in _grads.values()])
    clip_gradients(_grads, CLIP)
    _clipped = np.concatenate([g.ravel() for g in _grads.values()])
    RESULTS["clipping"][_name] = {
        "largest_entry_before": float(np.abs(_whole).max()), "largest_entry_after": float(np.abs(_clipped).max()),
        "share_clipped": float(np.mean(_whole != _clipped)),
        "cosine": float(_whole @ _clipped / (np.linalg.norm(_whole) * np.linalg.norm(_clipped)))}
""",
    "word2vec": """
RESULTS = {
    "settings": {"EMBED_DIM": EMBED_DIM, "WINDOW": WINDOW, "N_NOISE": N_NOISE, "THRESHOLD": THRESHOLD,
                 "MIN_COUNT": MIN_COUNT, "EPOCHS": EPOCHS, "LR": LR, "BATCH_WORDS": BATCH_WORDS,
                 "N_LABELLED": N_LABELLED, "CLF_EPOCHS": CLF_EPOCHS, "CLF_SEQ_LEN": CLF_SEQ_LEN},
    "text_words": len(word_ids), "vocabulary": n_vocab,
    "speed_pairs_per_second": speed,
    "train_seconds": round(train_seconds, 1), "pairs_trained": pairs_seen,
    "epoch_losses": [round(v, 4) for v in epoch_losses],
    "loss_curve": [round(float(v), 4) for v in smoothed[:: max(1, len(smoothed) // 100)]],
    "neighbours": neighbours, "analogies": analogies,
    "classifier_validation_accuracy": curves,
    "classifier_seconds": {name: round(s, 1) for name, s in clf_seconds.items()},
}
""",
}

# Appended to the notebook: what the kernel hands back once every cell has run.
REPORT_CELL = """import json as _json
{record}
{figure}.savefig({png!r}, dpi=100)
print("RESULTS-JSON", _json.dumps({{"results": RESULTS, "device": str(globals().get("DEVICE", "cpu")),
                                   "threads": torch.get_num_threads()}}))
"""


def _settings_index(nb) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "smoke_mode()" in c.source)


def notebook_of(assignment: str) -> Path:
    (path,) = sorted((ROOT / "solutions" / assignment).glob("*.ipynb"))
    return path


def run_notebook(assignment: str, png: Path, smoke: bool, overrides: list[str],
                 save_to: Path | None = None) -> tuple[dict, float]:
    """Execute the notebook; return what its report cell printed and the wall time in seconds.

    ``save_to``: also write the executed notebook there, without the report cell, so that one
    run both records the results and refreshes the solution's stored outputs.
    """
    notebook = notebook_of(assignment)
    nb = nbformat.read(notebook, as_version=4)
    if overrides:
        nb.cells.insert(_settings_index(nb) + 1, nbformat.v4.new_code_cell("\n".join(overrides)))
    report = REPORT_CELL.format(record=RECORDS.get(assignment, ""), figure=FIGURES[assignment], png=str(png))
    nb.cells.append(nbformat.v4.new_code_cell(report))
    os.environ["RNN_SMOKE"] = "1" if smoke else "0"
    client = NotebookClient(nb, timeout=1800, kernel_name="python3", store_widget_state=False,
                            resources={"metadata": {"path": str(notebook.parent)}})
    start = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - start
    printed = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    line = next(line for line in printed.splitlines() if line.startswith("RESULTS-JSON "))
    if save_to is not None:
        nb.cells.pop()
        nbformat.write(nb, save_to)
    return json.loads(line.split(" ", 1)[1]), seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", choices=ASSIGNMENTS, help="whose solution notebook to run")
    parser.add_argument("--smoke", action="store_true", help="run the notebook in smoke mode (seconds)")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="overrides",
                        help="override one setting of the Settings cell (a Python assignment), repeatable")
    parser.add_argument("--name", help="the configuration's name in the file names (default: default or smoke)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="folder for the JSON and plot")
    parser.add_argument("--save-notebook", type=Path, metavar="PATH",
                        help="also write the executed notebook to PATH (the solution itself, to refresh its stored "
                             "outputs: only without --set and --smoke)")
    args = parser.parse_args(argv)
    if args.save_notebook and (args.overrides or args.smoke):
        parser.error("--save-notebook: the stored outputs must come from the default settings; drop --set and --smoke")
    for text in args.overrides:
        name, sep, value = text.partition("=")
        if not (sep and name.strip().isidentifier() and name.strip().isupper() and value.strip()):
            parser.error(f"--set: expected NAME=VALUE with a Settings name such as INPUT_LEN=24, got {text!r}")
    config = args.name or ("smoke" if args.smoke else "default")
    device = get_device()
    args.out.mkdir(parents=True, exist_ok=True)
    notebook = notebook_of(args.assignment)
    stem = args.out / f"{args.assignment}-{config}-{device.type}"
    report, seconds = run_notebook(args.assignment, stem.with_suffix(".png"), args.smoke, args.overrides,
                                   args.save_notebook)
    machine = describe(device)
    machine["torch_threads"] = report["threads"]   # the kernel's, which trained the models
    record = {"notebook": str(notebook.relative_to(ROOT)), "config": config, "overrides": args.overrides,
              "smoke": args.smoke, "machine": machine,
              "wall_seconds": round(seconds, 1), **report["results"]}
    stem.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"{config}: whole notebook in {seconds:.0f} s on {machine['cpu']} ({report['device']}); "
          f"wrote {stem}.json and .png")
    for line in SUMMARIES[args.assignment](record):
        print("  " + line)
    return 0


def _co2_summary(record: dict) -> list[str]:
    lines = ["validation MAE: " + ", ".join(f"{name} {v:.2f}" for name, v in record["validation_mae"].items())]
    return lines + [f"{horizon:>2} month(s) ahead: " + ", ".join(f"{name} {row['mae']:.2f}" for name, row in rows.items())
                    for horizon, rows in record["horizons"].items()]


def _from_scratch_summary(record: dict) -> list[str]:
    runs = (("NumPy", record["numpy"]), ("PyTorch control", record["torch_control"]), ("PyTorch", record["torch"]))
    return [f"{name} ({run['optimizer']}, {run['dtype']}): {run['chars_per_second']:,.0f} characters/s, smoothed "
            f"loss {run['final_loss_per_char']:.3f}, held out {run['held_out_loss_per_char']:.3f} per character "
            f"after {record['train_seconds']} s" for name, run in runs]


def _word2vec_summary(record: dict) -> list[str]:
    speed = "; ".join(f"{words} centre words per batch: dense {row['dense (Adam)']:,}, sparse "
                      f"{row['sparse (SparseAdam)']:,} pairs/s" for words, row in record["speed_pairs_per_second"].items())
    lines = [f"skip-gram: {record['train_seconds']} s, epoch losses {record['epoch_losses']}; {speed}"]
    lines += [f"{name}: validation accuracy by epoch {[round(a, 3) for a in accuracies]}"
              for name, accuracies in record["classifier_validation_accuracy"].items()]
    return lines + [f"{a['question']} {a['expected']}: rank {a['rank'] or '> 10'}" for a in record["analogies"]]


def _char_rnn_summary(record: dict) -> list[str]:
    return [f"validation loss by epoch: {[e['val_loss'] for e in record['epochs']]}",
            f"best {record['best_val_loss']} after epoch {record['best_epoch']}; "
            f"{record['train_seconds'] / 60:.1f} min of training"]


def _sentiment_summary(record: dict) -> list[str]:
    kept = record["epochs"][record["kept_epoch"] - 1]
    return [f"validation accuracy by epoch: {[e['validation_accuracy'] for e in record['epochs']]}",
            f"kept epoch {record['kept_epoch']} (validation accuracy {kept['validation_accuracy']}) after "
            f"{record['train_seconds'] / 60:.1f} min of training; test accuracy {record['test_accuracy']} "
            f"on {record['reviews']['test']:,} reviews, confusion {record['confusion']}"]


def _script_summary(record: dict) -> list[str]:
    test = record["test_perplexity"]
    return [f"test perplexity: ScriptRNN {test['ScriptRNN']:.1f}, Kneser-Ney trigram (d={record['trigram_d']}) "
            f"{test['trigram']:.1f}, bigram (k={record['bigram_k']}) {test['bigram']:.1f}, unigram {test['unigram']:.1f}; "
            f"{record['below_trigram']:.1%} below the trigram ({record['below_bigram']:.1%} below the bigram) after "
            f"{record['train_seconds'] / 60:.1f} min of training: bar {'met' if record['quality_bar_met'] else 'MISSED'}",
            f"validation perplexity: {record['validation_perplexity']}",
            f"scene: {record['scene_speeches']} speeches by {record['scene_speakers']} speakers, "
            f"{record['scene_changes']} changes of speaker"]


SUMMARIES = {"char-rnn": _char_rnn_summary, "co2-forecast": _co2_summary, "rnn-from-scratch": _from_scratch_summary, "word2vec": _word2vec_summary,
             "sentiment-rnn": _sentiment_summary, "script-generation": _script_summary}


if __name__ == "__main__":
    sys.exit(main())
