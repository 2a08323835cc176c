"""The numbers a notebook states are the numbers its stored run printed, and its benchmark JSON holds.

`benchmarks/notebook_results.py ASSIGNMENT --save-notebook ...` runs a solution once and
writes both its stored outputs and `benchmarks/results/ASSIGNMENT-default-cpu.json`; the
prose (the settings' text, the project's report) is written by hand from them. These
tests read all three and fail when one of them was refreshed without the others.
"""
from __future__ import annotations

import ast
import json
import re

import pytest

from course import ROOT, nbgrader_meta, read, solution_notebooks

RESULTS = ROOT / "benchmarks" / "results"


def _record(assignment: str) -> dict:
    return json.loads((RESULTS / f"{assignment}-default-cpu.json").read_text())


def _notebook(assignment: str):
    (path,) = solution_notebooks(assignment)
    return read(path)


def _printed(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")


def _cell(nb, *, grade_id: str | None = None, containing: str | None = None):
    for cell in nb.cells:
        if grade_id is not None and nbgrader_meta(cell).get("grade_id") == grade_id:
            return cell
        if containing is not None and containing in cell.source:
            return cell
    raise AssertionError(f"no cell {grade_id or containing!r}")


def _stated(text: str, pattern: str, what: str) -> str:
    found = re.search(pattern, text)
    assert found, f"{what}: expected text matching {pattern!r}"
    return found.group(1)


def test_char_rnn_states_what_its_stored_run_printed():
    record, nb = _record("char-rnn"), _notebook("char-rnn")
    assert record["notebook"] == "solutions/char-rnn/Character_Level_RNN_Exercise.ipynb" and not record["smoke"]
    printed = _printed(_cell(nb, containing="train(model, optimizer, schedule, EPOCHS, history)"))
    best = float(_stated(printed, r"best validation loss (\d\.\d{4}) after epoch", "the training cell"))
    epoch = int(_stated(printed, r"after epoch (\d+)", "the training cell"))
    minutes = float(_stated(printed, r"training took (\d+\.\d) min", "the training cell"))
    assert (best, epoch) == (record["best_val_loss"], record["best_epoch"])
    assert minutes == round(record["train_seconds"] / 60, 1)
    assert len(record["epochs"]) == record["settings"]["EPOCHS"]
    settings_text = " ".join(_cell(nb, containing="The default run trains on the whole novel").source.split())
    assert float(_stated(settings_text, r"validation loss of about (\d\.\d\d)", "the Settings text")) == round(best, 2)
    stated_minutes = float(_stated(settings_text, r"took ([\d.]+) minutes of training", "the Settings text"))
    assert stated_minutes == round(record["train_seconds"] / 60, 1)


def test_script_generation_report_states_what_its_stored_run_printed():
    record, nb = _record("script-generation"), _notebook("script-generation")
    assert record["notebook"] == "solutions/script-generation/Script_Generation.ipynb" and not record["smoke"]
    printed = ast.literal_eval(_printed(_cell(nb, grade_id="results")).strip())
    for key, value in printed.items():
        assert record[key] == value, f"{key}: the stored output says {value}, the JSON {record[key]}"
    report = " ".join(_cell(nb, grade_id="report").source.split())   # its line breaks are the author's
    test = record["test_perplexity"]
    expected = [f"ScriptRNN **{test['ScriptRNN']:.1f}**", f"(d = {record['trigram_d']}) {test['trigram']:.1f}",
                f"(k = {record['bigram_k']}) {test['bigram']:.1f}", f"unigram {test['unigram']:.1f}",
                f"{round(100 * record['below_trigram'])} % below the trigram",
                f"{record['train_seconds'] / 60:.1f} minutes of training",
                f"{record['scene_speeches']} speeches by {record['scene_speakers']} speakers"]
    missing = [text for text in expected if text not in report]
    assert not missing, f"the report should state what the stored run measured: missing {missing}"
    scene = _printed(_cell(nb, grade_id="scene"))
    assert f"{record['scene_speeches']} speeches by {record['scene_speakers']} speakers" in scene


@pytest.mark.parametrize("assignment", ["char-rnn", "script-generation"])
def test_the_benchmark_json_is_from_a_default_run(assignment):
    record = _record(assignment)
    assert record["config"] == "default" and record["overrides"] == [] and record["machine"]["cpu_count"] >= 1
