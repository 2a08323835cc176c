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


@pytest.mark.skipif(not _have("anna"), reason="Anna Karenina is not in the data folder (set RNN_DATA_DIR)")
def test_char_rnn_benchmark_writes_json_and_plot(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "char_rnn.py"), "--config", "smoke", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads((tmp_path / "char-rnn-smoke-cpu.json").read_text())
    assert (tmp_path / "char-rnn-smoke-cpu.png").stat().st_size > 0
    assert result["machine"]["torch"] and result["machine"]["device"] == "cpu"
    epochs = result["epochs"]
    assert len(epochs) == result["config"]["epochs"]
    assert result["best_val_loss"] == min(e["val_loss"] for e in epochs)
    assert result["wall_seconds"] >= epochs[-1]["seconds"] > 0
