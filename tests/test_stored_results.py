"""The numbers a notebook states are the numbers its stored run printed, and its benchmark JSON holds.

`benchmarks/notebook_results.py ASSIGNMENT --save-notebook ...` runs a solution once and
writes both its stored outputs and `benchmarks/results/ASSIGNMENT-default-cpu.json`; the
prose (the settings' text, the conclusions, the project's report) is written by hand from
them. These tests compute each number the prose states from the JSON (and, for char-rnn and
script-generation, from the printed outputs too) and fail when one of them was refreshed
without the others: every notebook whose lesson is a comparison (issue "fair comparisons").
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
    settings = " ".join(_cell(nb, containing="The default run takes").source.split())
    low, high = map(float, re.search(r"(\d+\.\d) to (\d+\.\d) of them training", settings).groups())
    assert low <= round(record["train_seconds"] / 60, 1) <= high, "the Settings text's training time"
    scene = _printed(_cell(nb, grade_id="scene"))
    assert f"{record['scene_speeches']} speeches by {record['scene_speakers']} speakers" in scene


@pytest.mark.parametrize("assignment", ["char-rnn", "co2-forecast", "rnn-from-scratch", "script-generation", "word2vec"])
def test_the_benchmark_json_is_from_a_default_run(assignment):
    record = _record(assignment)
    assert record["config"] == "default" and record["overrides"] == [] and record["smoke"] is False
    assert record["notebook"] == str(solution_notebooks(assignment)[0].relative_to(ROOT))


def _prose(assignment: str) -> str:
    """Every markdown cell of the solution, with its line breaks as plain spaces."""
    nb = _notebook(assignment)
    return " ".join(" ".join(c.source.split()) for c in nb.cells if c.cell_type == "markdown")


def _missing_from(text: str, expected: list[str]) -> list[str]:
    return [claim for claim in expected if claim not in text]


def test_co2_forecast_states_the_table_of_its_stored_run():
    record, prose = _record("co2-forecast"), _prose("co2-forecast")
    h = {horizon: {name: row["mae"] for name, row in rows.items()} for horizon, rows in record["horizons"].items()}

    def lstm(values):
        return [v for name, v in values.items() if name.startswith("LSTM on changes")]

    decade = record["decade_mae"]
    expected = [
        f"{min(lstm(h['1'])):.2f} to {max(lstm(h['1'])):.2f} ppm, against {h['1']['trend + seasons']:.2f} for the "
        f"regression and {h['1']['seasonal naive']:.2f} for the seasonal naive",
        f"the regression misses by {h['12']['trend + seasons']:.2f} ppm and the LSTM by {min(lstm(h['12'])):.2f} to "
        f"{max(lstm(h['12'])):.2f}, level with the seasonal naive forecast ({h['12']['seasonal naive']:.2f})",
        f"the LSTM by {min(lstm(h['60'])):.1f} to {max(lstm(h['60'])):.1f}",
        f"the regression misses by {decade['trend + seasons']:.2f} ppm, the LSTMs by {min(lstm(decade)):.1f} to "
        f"{max(lstm(decade)):.1f} and the naive forecast by {decade['seasonal naive']:.2f}",
    ]
    assert round(h["60"]["seasonal naive"], 1) == round(h["60"]["trend + seasons"], 1) == 0.6   # "about 0.6 ppm"
    assert not _missing_from(prose, expected), _missing_from(prose, expected)


def test_rnn_from_scratch_states_its_stored_run():
    record, prose = _record("rnn-from-scratch"), _prose("rnn-from-scratch")
    numpy, control, adam = record["numpy"], record["torch_control"], record["torch"]
    trained, exploding = record["clipping"]["trained"], record["clipping"]["trained, Whh x 4"]
    expected = [
        f"NumPy got through {round(numpy['chars_per_second'], -2):,.0f} characters per second",
        f"control {round(control['chars_per_second'], -2):,.0f} and the Adam twin {round(adam['chars_per_second'], -2):,.0f}",
        f"({control['held_out_loss_per_char']:.3f} against {numpy['held_out_loss_per_char']:.3f})",
        f"held-out text, {adam['held_out_loss_per_char']:.3f} "
        f"({numpy['held_out_loss_per_char'] - adam['held_out_loss_per_char']:.2f} below NumPy",
        f"clipped {100 * trained['share_clipped']:.1f} % of the entries",
        f"(cosine {trained['cosine']:.4f})",
        f"clipped {100 * exploding['share_clipped']:.0f} % of them",
        f"the cosine fell to {exploding['cosine']:.2f}",
    ]
    assert not _missing_from(prose, expected), _missing_from(prose, expected)


def test_word2vec_states_its_stored_comparison():
    record, prose = _record("word2vec"), _prose("word2vec")
    curves = record["classifier_validation_accuracy"]
    skip, draw, shuffled = curves["skip-gram embedding"], curves["random embedding"], curves["skip-gram vectors, shuffled"]
    expected = [f"({skip[-1]:.2f} against {draw[-1]:.2f} validation accuracy", f"ended at {shuffled[-1]:.2f}",
                f"({skip[-1]:.2f} against {shuffled[-1]:.2f})", f"({skip[1]:.2f} against {shuffled[1]:.2f})"]
    assert not _missing_from(prose, expected), _missing_from(prose, expected)


def test_sentiment_rnn_states_its_stored_run():
    record = json.loads((RESULTS / "sentiment-rnn-notebook-default-cpu.json").read_text())
    prose = _prose("sentiment-rnn")
    kept = record["epochs"][record["kept_epoch"] - 1]["validation_accuracy"]
    assert f"about {kept:.2f} validation accuracy" in prose
    low, high = map(float, re.search(r"\((\d\.\d\d) to (\d\.\d\d) on the test reviews\)", prose).groups())
    assert low <= round(record["test_accuracy"], 2) <= high, (low, record["test_accuracy"], high)
