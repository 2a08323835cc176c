"""The benchmark commands run end to end (their smoke configuration) and write what they promise."""
import json
import subprocess
import sys

import pytest

from course import ROOT
from helpers.data import DataUnavailableError, fetch


def _have(name: str) -> bool:
    try:
        fetch(name, download=False)
        return True
    except DataUnavailableError:
        return False


def _bench(script: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``benchmarks/<script> ARGS`` as a user would, in a fresh process."""
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                          capture_output=True, text=True, timeout=timeout)


@pytest.mark.skipif(not _have("anna"), reason="Anna Karenina is not in the data folder (set RNN_DATA_DIR)")
def test_char_rnn_benchmark_writes_json_and_plot(tmp_path):
    proc = _bench("char_rnn.py", "--config", "smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "char-rnn-smoke-cpu.json").read_text())
    assert (tmp_path / "char-rnn-smoke-cpu.png").stat().st_size > 0
    assert result["machine"]["torch"] and result["machine"]["device"] == "cpu"
    epochs = result["epochs"]
    assert len(epochs) == result["config"]["epochs"]
    assert result["best_val_loss"] == min(e["val_loss"] for e in epochs)
    assert result["wall_seconds"] >= epochs[-1]["seconds"] > 0


@pytest.mark.skipif(not _have("imdb"), reason="the IMDB reviews are not in the data folder (set RNN_DATA_DIR)")
def test_sentiment_benchmark_chooses_on_validation_and_tests_once(tmp_path):
    proc = _bench("sentiment_rnn.py", "--config", "smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "sentiment-rnn-smoke-cpu.json").read_text())
    assert (tmp_path / "sentiment-rnn-smoke-cpu.png").stat().st_size > 0
    (candidate,) = result["candidates"]
    assert result["chosen"] == candidate["config_name"] == "smoke"
    assert len(candidate["epochs"]) == candidate["config"]["epochs"]
    best = candidate["epochs"][candidate["best_epoch"] - 1]
    assert best["val_loss"] == min(e["val_loss"] for e in candidate["epochs"])
    test = result["test"]
    (tn, fp), (fn, tp) = test["confusion"]
    assert tn + fp + fn + tp == test["n"] == candidate["config"]["max_reviews"]
    assert test["accuracy"] == pytest.approx((tn + tp) / test["n"])


@pytest.mark.skipif(not (_have("imdb") and _have("anna")), reason="needs both data sets (set RNN_DATA_DIR)")
def test_throughput_benchmark_writes_json_and_table(tmp_path):
    proc = _bench("throughput.py", "--case", "char-rnn/smoke", "--case", "sentiment/smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "throughput-cpu.json").read_text())
    assert [c["case"] for c in result["cases"]] == ["char-rnn/smoke", "sentiment/smoke"]
    assert result["matmul"]["flops"] > 0 and result["machine"]["torch_threads"] >= 1
    for case in result["cases"]:
        assert set(case["tokens_per_second"]) == {"loop", "bare", "classic"}
        assert all(len(v) == case["repeats"] for v in case["seconds"].values())
        assert case["flops_per_token"] > 0 and case["peak_memory_bytes"] > 0
    table = (tmp_path / "throughput-cpu.md").read_text()
    assert "| char-rnn/smoke |" in table and "| sentiment/smoke |" in table


@pytest.mark.skipif(not _have("co2"), reason="the Mauna Loa CO2 file is not in the data folder (set RNN_DATA_DIR)")
def test_co2_benchmark_reads_the_table_from_the_notebook(tmp_path):
    proc = _bench("notebook_results.py", "co2-forecast", "--smoke", "--set", "SEEDS = (0, 1)", "--name", "two-seeds",
                  "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "co2-forecast-two-seeds-cpu.json").read_text())
    assert (tmp_path / "co2-forecast-two-seeds-cpu.png").stat().st_size > 0
    assert result["smoke"] is True and result["overrides"] == ["SEEDS = (0, 1)"]
    assert result["forecast_from"] == "2015-12" and result["wall_seconds"] > 0
    methods = {"seasonal naive", "trend + seasons", "LSTM on levels",
               "LSTM on changes, seed 0", "LSTM on changes, seed 1"}   # the override reached the notebook
    assert set(result["decade_mae"]) == methods
    assert set(result["validation_mae"]) == methods   # the baselines' choices are made on validation too
    assert result["settings"]["drift_years"] in (1, 3, 5, 10) and result["settings"]["fit_years"] in (None, 30, 15)
    assert sorted(result["horizons"], key=int) == ["1", "12", "60"]
    origins = [next(iter(rows.values()))["origins"] for rows in result["horizons"].values()]
    assert origins[0] > origins[1] > origins[2] > 0   # fewer origins can be checked further ahead
    for rows in result["horizons"].values():
        assert set(rows) == methods
        assert all(0 < row["mae"] <= row["rmse"] for row in rows.values())


def test_co2_benchmark_refuses_a_malformed_setting(tmp_path):
    proc = _bench("notebook_results.py", "co2-forecast", "--set", "input_len", "--out", str(tmp_path), timeout=60)
    assert proc.returncode == 2 and "--set: expected NAME=VALUE" in proc.stderr and "'input_len'" in proc.stderr
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(not _have("shakespeare"), reason="tiny Shakespeare is not in the data folder (set RNN_DATA_DIR)")
def test_from_scratch_benchmark_reads_the_three_runs_from_the_notebook(tmp_path):
    proc = _bench("notebook_results.py", "rnn-from-scratch", "--smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "rnn-from-scratch-smoke-cpu.json").read_text())
    assert (tmp_path / "rnn-from-scratch-smoke-cpu.png").stat().st_size > 0
    assert result["notebook"] == "solutions/rnn-from-scratch/RNN_From_Scratch.ipynb" and result["smoke"] is True
    for name in ("numpy", "torch_control", "torch"):
        run = result[name]
        assert run["chars_per_second"] > 0 and run["chunks"] > 0
        # the smoothed loss starts at a uniform guess, log(65) = 4.17 nats per character
        assert 0 < run["final_loss_per_char"] < 4.2
        assert 0 < run["held_out_loss_per_char"] < 5.0
    assert result["torch_control"]["dtype"] == "float64" and result["torch"]["dtype"] == "float32"
    assert set(result["hidden_gradient_norms"]) == {"trained", "trained, Whh x 4"}
    for entry in result["clipping"].values():
        assert entry["largest_entry_after"] <= 5.0 and 0 < entry["cosine"] <= 1 + 1e-9


@pytest.mark.skipif(not _have("anna"), reason="Anna Karenina is not in the data folder (set RNN_DATA_DIR)")
def test_under_load_benchmark_measures_idle_and_busy(tmp_path):
    proc = _bench("under_load.py", "--case", "char-rnn/smoke", "--setting", "1 thread", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "under-load-cpu.json").read_text())
    (row,) = result["rows"]
    assert row["case"] == "char-rnn/smoke" and row["env"] == {"OMP_NUM_THREADS": "1"}
    for load in ("idle", "busy"):
        assert row[load]["threads"] == 1 and row[load]["steps_per_second"] > 0   # the setting reached torch
    assert "| char-rnn/smoke | 1 thread |" in (tmp_path / "under-load-cpu.md").read_text()


@pytest.mark.skipif(not _have("imdb"), reason="the IMDB reviews are not in the data folder (set RNN_DATA_DIR)")
def test_word2vec_benchmark_reads_the_comparison_from_the_notebook(tmp_path):
    proc = _bench("notebook_results.py", "word2vec", "--smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "word2vec-smoke-cpu.json").read_text())
    assert (tmp_path / "word2vec-smoke-cpu.png").stat().st_size > 0
    assert result["notebook"] == "solutions/word2vec/Word2Vec_SkipGram.ipynb" and result["smoke"] is True
    speed = result["speed_pairs_per_second"]   # two batch sizes, each timed dense and sparse
    assert sorted(speed, key=int) == [str(result["settings"]["BATCH_WORDS"] // 8), str(result["settings"]["BATCH_WORDS"])]
    assert all(row["dense (Adam)"] > 0 and row["sparse (SparseAdam)"] > 0 and row["pairs_per_batch"] > 0
               for row in speed.values())
    # the three classifiers, one validation accuracy per epoch, each a share of the validation reviews
    curves = result["classifier_validation_accuracy"]
    assert set(curves) == {"random embedding", "skip-gram embedding", "skip-gram vectors, shuffled"}
    assert all(len(c) == result["settings"]["CLF_EPOCHS"] and all(0 <= a <= 1 for a in c) for c in curves.values())
    # the loss starts at (1 + K) ln 2 = 4.16 for K = 5 and an epoch's mean is below it
    assert 0 < result["epoch_losses"][0] < 6 * 0.6932
    assert result["neighbours"] and all(len(n) == 6 for n in result["neighbours"].values())


@pytest.mark.skipif(not _have("anna"), reason="Anna Karenina is not in the data folder (set RNN_DATA_DIR)")
def test_char_rnn_notebook_results_read_the_epochs_from_the_notebook(tmp_path):
    proc = _bench("notebook_results.py", "char-rnn", "--smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "char-rnn-smoke-cpu.json").read_text())
    assert (tmp_path / "char-rnn-smoke-cpu.png").stat().st_size > 0
    assert result["notebook"] == "solutions/char-rnn/Character_Level_RNN_Exercise.ipynb" and result["smoke"] is True
    epochs = result["epochs"]
    assert [e["epoch"] for e in epochs] == list(range(1, result["settings"]["EPOCHS"] + 1))
    best = min(e["val_loss"] for e in epochs)
    assert result["best_val_loss"] == best and epochs[result["best_epoch"] - 1]["val_loss"] == best
    assert result["reloaded_val_loss"] == pytest.approx(best, abs=1e-4)   # the checkpoint is the best epoch
    assert 0 < epochs[-1]["minutes"] * 60 <= result["train_seconds"] + 1


@pytest.mark.skipif(not _have("imdb"), reason="the IMDB reviews are not in the data folder (set RNN_DATA_DIR)")
def test_sentiment_benchmark_reads_the_curves_and_the_test_score_from_the_notebook(tmp_path):
    proc = _bench("notebook_results.py", "sentiment-rnn", "--smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "sentiment-rnn-smoke-cpu.json").read_text())
    assert (tmp_path / "sentiment-rnn-smoke-cpu.png").stat().st_size > 0
    assert result["notebook"] == "solutions/sentiment-rnn/Sentiment_RNN_Exercise.ipynb" and result["smoke"] is True
    epochs = result["epochs"]
    assert [e["epoch"] for e in epochs] == list(range(1, result["settings"]["EPOCHS"] + 1))
    assert all(0 <= e["validation_accuracy"] <= 1 and e["validation_loss"] > 0 for e in epochs)
    # the kept epoch is the one with the lowest validation loss
    assert epochs[result["kept_epoch"] - 1]["validation_loss"] == min(e["validation_loss"] for e in epochs)
    (tn, fp), (fn, tp) = result["confusion"]
    assert tn + fp + fn + tp == result["reviews"]["test"] > 0
    assert result["test_accuracy"] == pytest.approx((tn + tp) / result["reviews"]["test"], abs=1e-4)


@pytest.mark.skipif(not _have("shakespeare"), reason="tiny Shakespeare is not in the data folder (set RNN_DATA_DIR)")
def test_script_generation_benchmark_reads_perplexities_and_a_scene(tmp_path):
    proc = _bench("notebook_results.py", "script-generation", "--smoke", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "script-generation-smoke-cpu.json").read_text())
    assert (tmp_path / "script-generation-smoke-cpu.png").stat().st_size > 0
    assert result["notebook"] == "solutions/script-generation/Script_Generation.ipynb" and result["smoke"] is True
    # one point of the curve per validation, the best kept; every perplexity between 1 and the vocabulary
    curve = result["curve"]
    assert len(curve["minutes"]) == len(curve["validation"]) == len(curve["step"]) >= result["settings"]["EPOCHS"]
    assert result["validation_perplexity"]["ScriptRNN (best)"] == pytest.approx(min(curve["validation"]), abs=0.01)
    for value in [*result["test_perplexity"].values(), *result["validation_perplexity"].values()]:
        assert 1 < value < result["vocabulary"] * 1.5
    test = result["test_perplexity"]
    assert result["below_trigram"] == pytest.approx(1 - test["ScriptRNN"] / test["trigram"], abs=1e-3)
    assert result["below_bigram"] == pytest.approx(1 - test["ScriptRNN"] / test["bigram"], abs=1e-3)
    assert result["trigram_d"] in (0.5, 0.7, 0.8, 0.9, 1.0)
    # the scene starts with the prime word (the smoke run's: a speaker of its 2,000 lines)
    assert result["scene"].startswith("menenius") and len(result["scene"].split()) > 10
    assert 0 <= result["scene_changes"] <= max(result["scene_speeches"] - 1, 0)


def test_saving_the_executed_notebook_needs_the_default_settings(tmp_path):
    """Stored solution outputs must come from a default run: --save-notebook refuses --smoke and --set."""
    for extra in (["--smoke"], ["--set", "EPOCHS=1"]):
        proc = _bench("notebook_results.py", "script-generation", *extra, "--save-notebook", str(tmp_path / "x.ipynb"))
        assert proc.returncode == 2 and "--save-notebook" in proc.stderr
        assert not (tmp_path / "x.ipynb").exists()
