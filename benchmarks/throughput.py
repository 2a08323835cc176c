"""Training throughput: the notebooks' loops against the bare step, the classic loop and the machine's limit.

    python benchmarks/throughput.py                    # CPU
    RNN_DEVICE=cuda python benchmarks/throughput.py    # GPU

For the char-rnn and sentiment models in their default and full
configurations, in one run on one machine, it measures tokens per second of

- loop: the notebook's own training loop (``benchmarks.loops.char_epoch`` and
  ``classifier_epoch``, step for step the loops the notebooks show): batches
  made from the real data (one-hot built on the CPU for char-rnn, as the
  notebook's numpy ``one_hot_encode`` does), moved to the device, clipping, Adam;
- bare: forward, backward, clipping and the Adam step on tensors already on
  the device: the ceiling the loop can reach;
- classic: the loop the classic course wrote (one-hot built in NumPy per batch,
  each batch moved to the device, hidden state re-wrapped with ``.data``).

Tokens are characters for char-rnn and word positions (padding included) for
sentiment. Achieved FLOP/s counts the LSTM and linear layers analytically
(training = 3x the forward multiply-adds x 2) and is compared with the
machine's float32 matrix-multiply rate measured here. Each case runs in its
own process so its peak memory is its own. Writes results/throughput-<device>.json
and .md. Timings are medians of repeated runs, after warm-up steps.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import helpers  # noqa: E402
from reference.char_rnn import CharRNN, get_batches, one_hot_encode  # noqa: E402
from benchmarks.loops import char_epoch, char_loss, classifier_epoch, sentiment_loss  # noqa: E402
from reference.sentiment import SentimentRNN, WordVocab, pad_features  # noqa: E402
from char_rnn import CONFIGS as CHAR_CONFIGS  # noqa: E402
from machine import describe, save_result  # noqa: E402
from sentiment_rnn import CONFIGS as SENTIMENT_CONFIGS  # noqa: E402
from sentiment_rnn import FULL as SENTIMENT_FULL  # noqa: E402

CASES = {
    "char-rnn/default": ("char", CHAR_CONFIGS["default"]),
    "char-rnn/full": ("char", CHAR_CONFIGS["full"]),
    "sentiment/default": ("sentiment", SENTIMENT_CONFIGS["default"]),
    "sentiment/full": ("sentiment", SENTIMENT_CONFIGS[SENTIMENT_FULL]),
    "char-rnn/smoke": ("char", CHAR_CONFIGS["smoke"]),
    "sentiment/smoke": ("sentiment", SENTIMENT_CONFIGS["smoke"]),
}
# (timed steps, warm-up steps, repeats) per case and device type. A full
# configuration's step takes many seconds on a CPU, so it is timed less often.
PLAN = {
    "cpu": {"char-rnn/default": (30, 2, 3), "char-rnn/full": (3, 1, 2), "sentiment/default": (15, 2, 3),
            "sentiment/full": (1, 1, 1), "char-rnn/smoke": (5, 1, 2), "sentiment/smoke": (5, 1, 2)},
    "cuda": {"char-rnn/default": (60, 5, 3), "char-rnn/full": (30, 5, 3), "sentiment/default": (30, 5, 3),
             "sentiment/full": (10, 3, 3), "char-rnn/smoke": (5, 1, 2), "sentiment/smoke": (5, 1, 2)},
}


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# --- the two workloads ---------------------------------------------------------------

def char_setup(config: dict, n_batches: int, device: torch.device) -> dict:
    text = helpers.load_anna_karenina()
    vocab = helpers.CharVocab.from_text(text)
    b, s = config["batch_size"], config["seq_length"]
    ids = vocab.encode(text)[: n_batches * b * s + 1]  # numpy int64: the classic loop's input
    n_chars = len(vocab)

    def model():
        return CharRNN(vocab.chars, config["n_hidden"], config["n_layers"],
                               config["drop_prob"]).to(device)

    def flops_per_token():
        h, layers = config["n_hidden"], config["n_layers"]
        lstm = sum(2 * 4 * h * ((n_chars if k == 0 else h) + h) for k in range(layers))
        return 3 * (lstm + 2 * h * n_chars)

    def classic_batches():
        for x, y in get_batches(ids, b, s):  # numpy
            yield one_hot_encode(x, n_chars), y

    return dict(
        model=model, tokens_per_batch=b * s, flops_per_token=flops_per_token(), carry_hidden=True,
        real_fraction=1.0,
        loop_data=lambda: get_batches(torch.from_numpy(ids), b, s),
        prepare=lambda x, y: (one_hot_encode(x, n_chars), y), loss_fn=char_loss,
        # as the notebook: one-hot on the CPU, then the batch moves
        epoch=lambda model, batches, optimizer: char_epoch(
            model, batches, optimizer, device=device,
            prepare=lambda x, y: (one_hot_encode(x, n_chars), y)),
        classic_data=classic_batches, classic_loss=nn.CrossEntropyLoss(),
        classic_target=lambda y: y.reshape(-1), classic_output=lambda out: out,
    )


def sentiment_setup(config: dict, n_batches: int, device: torch.device) -> dict:
    reviews, labels = helpers.load_imdb("train")
    b, s = config["batch_size"], config["seq_length"]
    tokens = [helpers.tokenize(r) for r in reviews]
    vocab = WordVocab.from_reviews(tokens, min_freq=config["min_freq"])
    rng = np.random.default_rng(0)
    pick = rng.permutation(len(tokens))[: n_batches * b]
    features = pad_features([vocab.encode(tokens[i]) for i in pick], s, keep=config["keep"])
    y = np.asarray(labels, dtype=np.float32)[pick]
    # review_loaders(by_length=False)'s training loader: shuffled full rows of a TensorDataset. Every
    # batch has the same width, so the loop and the bare step, which draw their batches in
    # different passes, do the same work per step; what by-length batches save (they cut each
    # batch to its longest review) shows in the training runs' epoch times, not here.
    train_loader = DataLoader(TensorDataset(torch.from_numpy(features), torch.from_numpy(y)),
                              batch_size=b, shuffle=True, generator=torch.Generator().manual_seed(0))

    def model():
        return SentimentRNN(len(vocab), config["embedding_dim"], config["hidden_dim"],
                                    config["n_layers"], config["drop_prob"],
                                    config["bidirectional"], config.get("pool", "last")).to(device)

    def flops_per_token():
        e, h, layers = config["embedding_dim"], config["hidden_dim"], config["n_layers"]
        dirs = 2 if config["bidirectional"] else 1
        lstm = sum(dirs * 2 * 4 * h * ((e if k == 0 else dirs * h) + h) for k in range(layers))
        return 3 * lstm  # the embedding is a lookup; the head runs once per review

    def classic_batches():
        for x, yb in train_loader:
            yield x.numpy(), yb.numpy()

    bce = nn.BCELoss()
    return dict(
        model=model, tokens_per_batch=b * s, flops_per_token=flops_per_token(), carry_hidden=False,
        real_fraction=float((features != 0).mean()),
        loop_data=train_loader, prepare=None, loss_fn=sentiment_loss,
        epoch=lambda model, batches, optimizer: classifier_epoch(model, batches, optimizer, device=device),
        classic_data=classic_batches, classic_loss=lambda out, y: bce(torch.sigmoid(out), y),
        classic_target=lambda y: y, classic_output=lambda out: out,
    )


# --- the three ways to train -----------------------------------------------------------

def _first(data, n: int):
    """The first `n` batches of `data` (a loader, or a function returning batches), made as asked for."""
    for k, batch in enumerate(data() if callable(data) else data):
        if k == n:
            return
        yield batch


def _take(data, n: int) -> list:
    batches = []
    for batch in data() if callable(data) else data:
        batches.append(batch)
        if len(batches) == n:
            return batches
    raise ValueError(f"the data gave {len(batches)} batches, fewer than the {n} needed")


def run_loop(case: dict, device: torch.device, steps: int, warmup: int) -> float:
    """Seconds for `steps` steps of the notebook's loop, batches made from the data as there."""
    model = case["model"]()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)

    def train(n: int) -> float:
        # a generator, so the batches are made inside the timed loop, as in training
        batches = _first(case["loop_data"], n)
        sync(device)
        start = time.perf_counter()
        case["epoch"](model, batches, optimizer)
        sync(device)
        return time.perf_counter() - start

    train(warmup)
    return train(steps)


def run_bare(case: dict, device: torch.device, steps: int, warmup: int) -> float:
    """Seconds for `steps` forward/backward/clip/Adam steps on batches already on the device.

    Timed with no synchronisation inside (as the loop runs); then the same
    steps again with a sync after each phase, for the share of time each takes.
    """
    model = case["model"]().train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    # the very batches the loop trains on, made and moved beforehand
    batches = []
    for x, y in _take(case["loop_data"], warmup + steps):
        x, y = x.to(device), y.to(device)
        batches.append(case["prepare"](x, y) if case["prepare"] is not None else (x, y))
    hidden = None

    def step(x, y, mark=lambda: None):
        nonlocal hidden
        optimizer.zero_grad(set_to_none=True)
        out, hidden = model(x, hidden)
        loss = case["loss_fn"](out, y)
        mark()
        loss.backward()
        mark()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        mark()
        optimizer.step()
        hidden = helpers.detach_hidden(hidden) if case["carry_hidden"] else None
        mark()

    for i, (x, y) in enumerate(batches):
        if i == warmup:
            sync(device)
            start = time.perf_counter()
        step(x, y)
    sync(device)
    total = time.perf_counter() - start

    marks: list[float] = []

    def mark():
        sync(device)
        marks.append(time.perf_counter())

    for x, y in batches[warmup:]:
        mark()
        step(x, y, mark)
    phases = dict.fromkeys(("forward", "backward", "clip", "adam"), 0.0)
    for k in range(0, len(marks), 5):
        for name, (a, b) in zip(phases, zip(marks[k:k + 4], marks[k + 1:k + 5])):
            phases[name] += b - a
    spent = sum(phases.values())
    case.setdefault("phases", []).append({k: v / spent for k, v in phases.items()})
    return total


def run_classic(case: dict, device: torch.device, steps: int, warmup: int) -> float:
    """Seconds for `steps` steps written the classic way: NumPy one-hot, per-batch copies, `.data`."""
    model = case["model"]().train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    batches = case["classic_data"]()
    hidden = None
    for i in range(warmup + steps):
        if i == warmup:
            sync(device)
            start = time.perf_counter()
        x, y = next(batches)
        inputs, targets = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
        if hidden is None:
            hidden = model.init_hidden(inputs.shape[0])
        hidden = tuple(each.data for each in hidden)
        model.zero_grad()
        out, hidden = model(inputs, hidden)
        loss = case["classic_loss"](case["classic_output"](out), case["classic_target"](targets))
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
    sync(device)
    return time.perf_counter() - start


# --- one case, in its own process ------------------------------------------------------

def measure_case(name: str) -> dict:
    kind, config = CASES[name]
    device = helpers.get_device()
    helpers.seed_everything(0)
    steps, warmup, repeats = PLAN[device.type if device.type in PLAN else "cpu"][name]
    setup = char_setup if kind == "char" else sentiment_setup
    # enough batches for a warm-up plus the timed steps of every run
    case = setup(config, warmup + steps + 1, device)
    if device.type == "cuda":
        torch.zeros(1, device=device)  # start the CUDA context before resetting its counters
        torch.cuda.reset_peak_memory_stats(device)
    flushed = device.type == "cpu" and torch.set_flush_denormal(True)  # as the sentiment loop trains; all three ways alike
    runs = {"loop": [], "bare": [], "classic": []}
    for _ in range(repeats):  # interleaved, so a slow spell of the machine hits all three
        runs["loop"].append(run_loop(case, device, steps, warmup))
        runs["bare"].append(run_bare(case, device, steps, warmup))
        runs["classic"].append(run_classic(case, device, steps, warmup))
    tokens = steps * case["tokens_per_batch"]
    rate = {k: tokens / statistics.median(v) for k, v in runs.items()}
    result = {
        "case": name, "config": config, "steps": steps, "warmup": warmup, "repeats": repeats,
        "tokens_per_step": case["tokens_per_batch"], "flops_per_token": case["flops_per_token"],
        "seconds": runs, "tokens_per_second": rate,
        "loop_over_bare": rate["loop"] / rate["bare"], "loop_over_classic": rate["loop"] / rate["classic"],
        "achieved_flops": {k: v * case["flops_per_token"] for k, v in rate.items()},
        "flush_denormal": bool(flushed),
        # share of the bare step's time in each phase (median over repeats)
        "bare_phases": {k: statistics.median(p[k] for p in case["phases"]) for k in case["phases"][0]},
        "real_token_fraction": case["real_fraction"],
    }
    if device.type == "cuda":
        result["peak_memory_bytes"] = torch.cuda.max_memory_allocated(device)
        result["peak_memory_kind"] = "CUDA memory allocated by torch"
    else:
        result["peak_memory_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        result["peak_memory_kind"] = "resident set of the process (data included)"
    return result


def matmul_flops(device: torch.device) -> dict:
    """The float32 matrix-multiply rate of this machine: median of timed large torch.matmul."""
    n = 8192 if device.type == "cuda" else 2048
    a, b = (torch.randn(n, n, device=device) for _ in range(2))
    times = []
    for i in range(3 + 10):
        sync(device)
        start = time.perf_counter()
        torch.matmul(a, b)
        sync(device)
        if i >= 3:
            times.append(time.perf_counter() - start)
    tf32 = device.type == "cuda" and torch.backends.cuda.matmul.allow_tf32
    return {"n": n, "seconds": statistics.median(times), "flops": 2 * n**3 / statistics.median(times),
            "tf32": bool(tf32)}


def table(result: dict) -> str:
    m = result["machine"]
    peak = result["matmul"]["flops"]
    lines = [
        f"Machine: {m.get('gpu', m['cpu'])} ({m['cpu_count']} CPU cores), device `{m['device']}`, "
        f"torch {m['torch']}, {m['torch_threads']} torch threads; float32 matmul "
        f"({result['matmul']['n']}^2) measured at {peak / 1e9:,.1f} GFLOP/s.",
        "",
        "| case | loop tok/s | bare tok/s | classic tok/s | loop / bare | loop / classic "
        "| loop GFLOP/s | % of matmul | peak memory | bare step: forward / backward / clip / Adam | real words |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for r in result["cases"]:
        t = r["tokens_per_second"]
        phases = " / ".join(f"{v:.0%}" for v in r["bare_phases"].values())
        lines.append(
            f"| {r['case']} | {t['loop']:,.0f} | {t['bare']:,.0f} | {t['classic']:,.0f} "
            f"| {r['loop_over_bare']:.1%} | {r['loop_over_classic']:.2f}x "
            f"| {r['achieved_flops']['loop'] / 1e9:,.1f} | {r['achieved_flops']['loop'] / peak:.1%} "
            f"| {r['peak_memory_bytes'] / 2**20:,.0f} MiB | {phases} | {r['real_token_fraction']:.0%} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--case", action="append", choices=sorted(CASES),
                        help="cases to run (default: the four default and full ones)")
    parser.add_argument("--one", choices=sorted(CASES), help=argparse.SUPPRESS)  # child process
    parser.add_argument("--out", type=Path, default=HERE / "results")
    parser.add_argument("--tag", default="", help="added to the file names (e.g. 'before')")
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(measure_case(args.one)))
        return 0
    device = helpers.get_device()
    names = args.case or ["char-rnn/default", "char-rnn/full", "sentiment/default", "sentiment/full"]
    cases = []
    for name in names:
        proc = subprocess.run([sys.executable, __file__, "--one", name], capture_output=True,
                              text=True, env=os.environ.copy())
        if proc.returncode != 0:
            print(proc.stderr[-3000:], file=sys.stderr)
            return 1
        cases.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        print(f"{name}: {cases[-1]['tokens_per_second']}", flush=True)
    result = {"benchmark": "throughput", "machine": describe(device), "matmul": matmul_flops(device),
              "cases": cases}
    save_result(args.out, f"throughput-{device.type}{'-' + args.tag if args.tag else ''}", result, table(result))
    print(table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
