"""The grading round trip, with real nbgrader, real bubblewrap and a real Dask cluster.

One course directory is made from the repository's own nbgrader_config.py and
solutions/ (as in the instructor's real course folder); for every assignment,
the released student version, doctored submissions and the project's own
attacks on the grader are collected there and graded together in one run of
the documented command (`rnn-course grade`, smoke mode, sandboxed, two local
workers). The gradebook, the autograded notebooks and the integrity report are
read back.
"""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook


from grader import sandbox

from course import (ROOT, SOLUTIONS, assignments, is_graded_test, is_solution,
                    read, solution_notebooks, points_by_answer, points_by_test)

pytestmark = pytest.mark.grading

# Short enough to keep the suite quick, long enough for any smoke-mode cell.
CELL_TIMEOUT_S = 20
# Written into one honest notebook and into the gradebook: no other submission may ever show it.
CANARY = "CANARY-7d41c9e2-other-students-work"


def _env() -> dict[str, str]:
    env = {**os.environ, "RNN_SMOKE": "1", "RNN_CELL_TIMEOUT": str(CELL_TIMEOUT_S), "MPLBACKEND": "Agg"}
    env.pop("NBGRADER_EXCHANGE", None)
    return env


def _nbgrader(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=_env(),
                          capture_output=True, text=True, timeout=900)


def _grade(args: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """`rnn-course grade ARGS` in the course folder, as the instructor runs it."""
    return subprocess.run(["rnn-course", "grade", *args], cwd=cwd, env=env or _env(),
                          capture_output=True, text=True, timeout=1500)


def make_course(root: Path, names: list[str]) -> Path:
    """A course folder holding the repository's config and the solutions of ``names``, released."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for assignment in names:
        shutil.copytree(SOLUTIONS / assignment, root / "solutions" / assignment)
        proc = _nbgrader(["generate_assignment", assignment, "--force"], root)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


def submit(root: Path, student: str, assignment: str, name: str, nb) -> None:
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / name)


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(f"{path.relative_to(folder)} {path.stat().st_mode:o}".encode())
        if path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _blank_tests(nb, strip_metadata: bool):
    """Replace every graded test cell with `pass`; optionally drop its nbgrader metadata."""
    for cell in nb.cells:
        if is_graded_test(cell):
            cell.source = "pass"
            if strip_metadata:
                cell.metadata.pop("nbgrader")
    return nb


def _remove_tests(nb):
    """Delete every other graded test cell; strip the metadata of the rest and blank them."""
    kept = []
    for cell in nb.cells:
        if is_graded_test(cell):
            cell.metadata.pop("nbgrader")
            cell.source = "pass"
            if len([c for c in kept if c.source == "pass"]) % 2:
                continue  # deleted
        kept.append(cell)
    nb.cells = kept
    return nb


ENDLESS = "\nwhile True:  # a student's endless loop\n    pass\n"


def _endless_first_solution(nb):
    """End the first solution cell with an endless loop; return the cell's index.

    Its definitions still run before the loop, so once the timeout stops the
    cell, every later cell can run and earn its points.
    """
    first = next(i for i, c in enumerate(nb.cells) if is_solution(c) and c.cell_type == "code")
    nb.cells[first].source += ENDLESS
    return nb, first


# The project's own attacks on the grader: (student, assignment, {answer cell: new source},
# the points each graded test must give, words the integrity report must show).
# "{solution}" stands for the cell's own solution, so an attack can sit beside honest work.
_MONKEYPATCH = """import helpers.checks
for _name in dir(helpers.checks):
    if _name.startswith("check_"):
        setattr(helpers.checks, _name, lambda *a, **k: None)
np.array_equal = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.allclose = lambda *a, **k: True
"""
# Overwrite every gradebook, append to every solution, read every other submission and print
# it all: from the working folder up, and at the course folder's real path, given away.
_SABOTAGE = """import glob, os
_reached = []
_places = ["{course}"] + [str(p) for p in __import__("pathlib").Path.cwd().parents if str(p) != "/"]
for _base in _places + [os.path.expanduser("~"), "/tmp"]:
    for _depth in range(5):
        _here = _base + "/*" * _depth
        for _db in glob.glob(_here + "/gradebook.db"):
            try:
                print(open(_db, "rb").read()[:20000])
                open(_db, "wb").write(b"not a database")
                _reached.append(_db)
            except OSError as _err:
                print("gradebook", _db, _err)
        for _nb in glob.glob(_here + "/solutions/*/*.ipynb"):
            try:
                open(_nb, "a").write("sabotaged")
                _reached.append(_nb)
            except OSError as _err:
                print("solution", _nb, _err)
        for _nb in glob.glob(_here + "/submitted/*/*/*.ipynb") + glob.glob(_here + "/autograded/*/*/*.ipynb"):
            if os.path.dirname(os.path.abspath(_nb)) == os.getcwd():
                continue  # its own notebook
            try:
                print(_nb, open(_nb).read()[:20000])
                _reached.append(_nb)
            except OSError as _err:
                print("submission", _nb, _err)
print(f"SABOTAGE reached {len(_reached)} files")
"""
# Children that sleep, forked until the sandbox's cap on processes refuses one; then reaped,
# so the honest answers below it run with the kernel's threads as usual.
_FORK_BOMB = """import os, signal, time
_children = []
try:
    for _ in range(2000):
        _pid = os.fork()
        if _pid == 0:
            time.sleep(600)
            os._exit(0)
        _children.append(_pid)
except OSError as _err:
    print(f"FORKS refused after {len(_children)}: {_err.strerror}")
for _pid in _children:
    os.kill(_pid, signal.SIGKILL)
    os.waitpid(_pid, 0)
"""
# 12 files of 200 MB written into {folder} until the disk refuses (or the grader stops the kernel).
_FILL_DISK = """import os, sys
_written = 0
try:
    for _i in range(12):
        with open(os.path.join({folder}, f"filler-{{_i}}.bin"), "wb") as _f:
            for _ in range(200):
                _f.write(bytes(2**20))
                _written += 1
except OSError as _err:
    print(f"DISK refused after {{_written}} MB: {{_err.strerror}}")
"""
# Every later cell wrapped in a try/except that swallows its errors, the answers left blank: the
# shell reached plainly, or through a name built at run time. Where the tests run in the grader
# (grader.trusted), nothing the kernel does to its own cells reaches them.
_SWALLOW = """import ast
{shell}


class Forgiving(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])]
        return ast.fix_missing_locations(node)


shell.ast_transformers.append(Forgiving())
raise NotImplementedError()
"""
_BLANK_QUIZ = {f"q{i}_hidden_shape": "raise NotImplementedError()\n" for i in range(2, 5)}
_QUIZ_ZERO = {f"test_q{i}_hidden_shape": 0 for i in range(1, 5)}
# lstm-gates' tests and their points: what each attack on it keeps unless it says otherwise
_GATES_FULL = {"test_forget_gate": 1, "test_learn_gate": 2, "test_remember_gate": 1, "test_use_gate": 2,
               "test_lstm_cell_step": 2, "test_lstm_sequence": 3, "test_lstm_stack": 3,
               "test_gru_cell_step": 3, "test_gru_forward": 3, "test_peephole_cell_step": 2}
ATTACKS = [
    ("swallow_plain", "gru-quiz", {"q1_hidden_shape": _SWALLOW.format(shell="shell = get_ipython()"), **_BLANK_QUIZ},
     _QUIZ_ZERO, ["get_ipython"]),
    ("swallow_built_name", "gru-quiz",
     {"q1_hidden_shape": _SWALLOW.format(shell='import builtins\nshell = getattr(builtins, "get_" + "ipython")()'),
      **_BLANK_QUIZ}, _QUIZ_ZERO, ["hides what it reaches"]),
    # the instructor's reference answers, reached by putting the course folder on sys.path
    ("delegate_reference", "char-rnn",
     {"one_hot_encode": "import sys\nfrom pathlib import Path\n"
                        "sys.path.insert(0, str(Path.cwd().parents[2]))  # the course folder\n"
                        "from reference.char_rnn import one_hot_encode\n"},
     {"test_one_hot_encode": 0, "test_get_batches": 3, "test_char_rnn": 4}, ["reference"]),
    # a shipped helper found by building its name (helpers no longer has one to find)
    ("delegate_wrapped", "char-rnn",
     {"get_batches": 'f = getattr(__import__("help" + "ers"), "get_" + "batches")\n\n\n'
                     "def get_batches(arr, batch_size, seq_length):\n    yield from f(arr, batch_size, seq_length)\n"},
     {"test_one_hot_encode": 2, "test_get_batches": 0, "test_char_rnn": 4}, ["__import__"]),
    # a wrong answer with every check and comparison of its kernel switched off: the tests run in
    # the grader, so the wrong answer earns nothing and the right ones keep their points
    ("monkeypatch", "char-rnn",
     {"one_hot_encode": _MONKEYPATCH + "\n\ndef one_hot_encode(arr, n_labels):\n"
                        "    return np.zeros((*arr.shape, n_labels), dtype=np.float32)\n"},
     {"test_one_hot_encode": 0, "test_get_batches": 3, "test_char_rnn": 4}, ["np.array_equal", "helpers.checks"]),
    # an honest mistake: predict reads the notebook's trained model, not the one it is given;
    # the visible check passes that very model, the hidden test's stand-in model tells
    ("global_model", "sentiment-rnn",
     {"predict": "{solution}\n\n\n_predict = predict\n\n\ndef predict(net, review):\n"
                 "    return _predict(model, review)\n"},
     {"test_build_vocab_to_int": 3, "test_encode_and_remove_empty": 2, "test_pad_features": 2,
      "test_sentiment_rnn": 4, "test_predict": 0}, []),
    ("monkeypatch_pad", "sentiment-rnn",
     {"pad_features": _MONKEYPATCH + "\n\ndef pad_features(reviews_ints, seq_length):\n"
                      "    return np.zeros((len(reviews_ints), seq_length), dtype=np.int64)\n"},
     {"test_build_vocab_to_int": 3, "test_encode_and_remove_empty": 2, "test_pad_features": 0,
      "test_sentiment_rnn": 4, "test_predict": 2}, ["torch.allclose"]),
    # every later cell wrapped by an IPython AST transformer that swallows its errors, the first
    # answer left out: the test cells run in the grader, which the transformer never reaches
    ("swallow_errors", "char-rnn",
     {"one_hot_encode": "import ast\n\n\nclass Forgiving(ast.NodeTransformer):\n"
                        "    def visit_Module(self, node):\n"
                        "        handler = ast.ExceptHandler(type=ast.Name('BaseException', ast.Load()), name=None,\n"
                        "                                    body=[ast.Pass()])\n"
                        "        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[],\n"
                        "                             finalbody=[])]\n"
                        "        return ast.fix_missing_locations(node)\n\n\n"
                        "get_ipython().ast_transformers.append(Forgiving())\n"},
     {"test_one_hot_encode": 0, "test_get_batches": 3, "test_char_rnn": 4}, ["ast_transformers"]),
    # an array subclass that equals anything, and an import hook whose __eq__ undoes a patch
    # whenever a check looks through sys.meta_path: arrays cross as plain data, so the zeros count
    # as zeros; the honest model keeps its points
    ("janitor", "char-rnn",
     {"one_hot_encode": "import sys\n\n\nclass AlwaysEqual(list):\n    __eq__ = lambda self, other: True\n\n\n"
                        "class EqArr(np.ndarray):\n    def tolist(self):\n        return AlwaysEqual()\n\n\n"
                        "_real_asarray = np.asarray\n\n\n"
                        "class Janitor:\n    def find_spec(self, *a, **k):\n        return None\n\n"
                        "    def __eq__(self, other):\n        object.__setattr__(np, 'asarray', _real_asarray)\n"
                        "        return False\n\n    __hash__ = object.__hash__\n\n\n"
                        "sys.meta_path.insert(0, Janitor())\n\n\n"
                        "def one_hot_encode(arr, n_labels):\n"
                        "    return np.zeros(arr.shape + (n_labels,), np.float32).view(EqArr)\n",
      "get_batches": "def get_batches(arr, batch_size, seq_length):\n"
                     "    object.__setattr__(np, 'asarray', lambda a, *args, **kw: _real_asarray(a).view(EqArr))\n"
                     "    for _ in range((len(arr) - 1) // (batch_size * seq_length)):\n"
                     "        yield (np.zeros((batch_size, seq_length), int).view(EqArr),\n"
                     "               np.zeros((batch_size, seq_length), int).view(EqArr))\n"},
     {"test_one_hot_encode": 0, "test_get_batches": 0, "test_char_rnn": 4}, ["sys.meta_path", "object.__setattr__"]),
    # a hand-built LSTM cell that hands the work to torch's own kernel: with gates of the test's
    # own in place of the student's, it still gives torch's answer; the layer and the stack
    # built on it are right and keep their points
    ("delegate_torch", "lstm-gates",
     {"lstm_cell_step": "def lstm_cell_step(x, state, p):\n"
                        "    w_ih = torch.cat([p.i.W_x, p.f.W_x, p.g.W_x, p.o.W_x])\n"
                        "    w_hh = torch.cat([p.i.W_h, p.f.W_h, p.g.W_h, p.o.W_h])\n"
                        "    b_ih = torch.cat([p.i.b_x, p.f.b_x, p.g.b_x, p.o.b_x])\n"
                        "    b_hh = torch.cat([p.i.b_h, p.f.b_h, p.g.b_h, p.o.b_h])\n"
                        "    return torch.lstm_cell(x, state, w_ih, w_hh, b_ih, b_hh)\n"},
     {**_GATES_FULL, "test_lstm_cell_step": 0}, ["torch.lstm_cell"]),
    # a whole layer handed to torch's own kernel: with a cell of the test's own in place of the
    # student's, it still gives torch's answer; the stack built on it is right
    ("delegate_torch_layer", "lstm-gates",
     {"lstm_sequence": "def lstm_sequence(x, state, p):\n"
                       "    weights = [torch.cat([getattr(getattr(p, g), w) for g in 'ifgo'])\n"
                       "               for w in ('W_x', 'W_h', 'b_x', 'b_h')]\n"
                       "    zeros = x.new_zeros(x.shape[0], p.hidden_size)\n"
                       "    h0, c0 = state if state is not None else (zeros, zeros)\n"
                       "    out, h, c = torch.lstm(x, (h0[None], c0[None]), weights, True, 1, 0.0, False, False, True)\n"
                       "    return out, (h[0], c[0])\n"},
     {**_GATES_FULL, "test_lstm_sequence": 0}, ["torch.lstm"]),
    # the GRU cell handed to torch's own kernel: it needs the gates' matrices, and the test also
    # hands the step gates that keep theirs as two factors, reachable only through their methods
    ("delegate_torch_gru", "lstm-gates",
     {"gru_cell_step": "def gru_cell_step(x, h, p):\n"
                       "    weights = [torch.cat([getattr(getattr(p, g), w) for g in 'rzn'])\n"
                       "               for w in ('W_x', 'W_h', 'b_x', 'b_h')]\n"
                       "    return torch.gru_cell(x, h, *weights)\n"},
     {**_GATES_FULL, "test_gru_cell_step": 0}, ["torch.gru_cell"]),
    # a correct GRU step written another way (each gate from its two halves, the size read from
    # p.hidden_size): full marks, factored gates included
    ("gru_by_halves", "lstm-gates",
     {"gru_cell_step": "def gru_cell_step(x, h, p):\n"
                       "    assert h.shape[1] == p.hidden_size\n"
                       "    r = torch.sigmoid(p.r.from_event(x) + p.r.from_memory(h))\n"
                       "    z = torch.sigmoid(p.z.from_event(x) + p.z.from_memory(h))\n"
                       "    n = torch.tanh(p.n.from_event(x) + r * p.n.from_memory(h))\n"
                       "    return z * h + (1 - z) * n\n"},
     {**_GATES_FULL}, []),
    # peepholes ignored: the plain cell passes the zero-peephole check, and nothing else
    ("no_peepholes", "lstm-gates",
     {"peephole_cell_step": "def peephole_cell_step(x, state, p, peep):\n    return lstm_cell_step(x, state, p)\n"},
     {**_GATES_FULL, "test_peephole_cell_step": 0}, []),
    # two honest mistakes on co2-forecast, each caught by its own test and nothing else: the
    # scaler fitted on the whole series (it knows the test years), a window that grows
    ("leaky_scaler", "co2-forecast", {"level_scaler": "level_scaler = fit_scaler(ppm)\nprint(level_scaler)\n"},
     {"test_fit_scaler": 1, "test_scale": 1, "test_unscale": 1, "test_level_scaler": 0, "test_make_windows": 3, "test_errors": 2, "test_forecaster": 2,
      "test_forecast": 3}, []),
    ("growing_window", "co2-forecast",
     {"forecast": "{solution}\n\n\ndef forecast(model, history, steps):\n"
                  "    model.eval()\n    window, out = history, []\n    with torch.no_grad():\n"
                  "        for _ in range(steps):\n            out.append(model(window))\n"
                  "            window = torch.cat([window, out[-1].unsqueeze(-1)], dim=1)\n"
                  "    return torch.cat(out, dim=1)\n"},
     {"test_fit_scaler": 1, "test_scale": 1, "test_unscale": 1, "test_level_scaler": 1, "test_make_windows": 3, "test_errors": 2, "test_forecaster": 2,
      "test_forecast": 0}, []),
    # backpropagation through time handed to autograd: numerically right, so the visible gradient
    # check passes, but the exercise is the NumPy backward pass
    ("autograd_backward", "rnn-from-scratch",
     {"backward": "def rnn_backward(targets, cache, params):\n"
                  "    w = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}\n"
                  "    h0 = torch.tensor(cache['hs'][0], requires_grad=True)\n"
                  "    h, loss = h0, 0.0\n"
                  "    for t, x in enumerate(torch.from_numpy(cache['xs'])):\n"
                  "        h = torch.tanh(w['Wxh'] @ x + w['Whh'] @ h + w['bh'])\n"
                  "        loss = loss - torch.log_softmax(w['Why'] @ h + w['by'], 0)[targets[t]]\n"
                  "    loss.backward()\n"
                  "    return {k: v.grad.numpy() for k, v in w.items()}, h0.grad.numpy()\n"},
     {"test_rnn_step_forward": 2, "test_forward": 3, "test_backward": 0, "test_clip_gradients": 1, "test_update": 2,
      "test_sample": 2}, []),
    # gradients by finite differences of the student's own forward (the visible check's tool):
    # right to about 1e-9, but it runs the network again, so weights backward never reads betray it
    ("finite_differences", "rnn-from-scratch",
     {"backward": "from helpers.checks.rnn_from_scratch import _numerical_grads\n\n\n"
                  "def rnn_backward(targets, cache, params):\n"
                  "    return _numerical_grads(rnn_forward, cache['xs'].argmax(1).tolist(), targets,\n"
                  "                            cache['hs'][0].copy(), params, eps=1e-6)\n"},
     {"test_rnn_step_forward": 2, "test_forward": 3, "test_backward": 0, "test_clip_gradients": 1, "test_update": 2,
      "test_sample": 2}, ["imports helpers internals"]),
    # noise words drawn uniformly instead of from noise_dist: it trains, but it is not negative
    # sampling as asked; only the model's test notices
    ("uniform_noise", "word2vec",
     {"skipgram": "{solution}\n\n\nclass SkipGramNeg(SkipGramNeg):\n"
                  "    def forward_noise(self, batch_size, n_samples):\n"
                  "        words = torch.randint(0, self.out_embed.num_embeddings, (batch_size * n_samples,))\n"
                  "        return self.out_embed(words).view(batch_size, n_samples, -1)\n"},
     {"test_subsample": 2, "test_get_target": 2, "test_skipgram_tables": 1, "test_skipgram_lookup": 1,
      "test_skipgram_noise": 0, "test_loss": 3}, []),
    # the target taken from inside the window (its last word) instead of the word after it: the
    # project still trains, on a task that teaches nothing; only the batching tests notice
    ("target_in_window", "script-generation",
     {"batch_data": "def batch_data(word_ids, sequence_length, batch_size, shuffle=False, generator=None):\n"
                    "    ids = torch.as_tensor(np.asarray(word_ids), dtype=torch.long)\n"
                    "    features = ids.unfold(0, sequence_length, 1)[:-1]\n"
                    "    return DataLoader(TensorDataset(features, features[:, -1]), batch_size=batch_size,\n"
                    "                      shuffle=shuffle, generator=generator)\n"},
     {"test_create_lookup_tables": 1, "test_token_lookup": 1, "test_batch_data": 0, "test_script_rnn": 2,
      "test_forward_back_prop": 2, "test_generate": 2}, []),
    # a correct answer in another dict: an OrderedDict is a dict, as the text asks, and earns the point
    # (the hidden test once asked for type(...) is dict and gave it nothing)
    ("ordered_tokens", "script-generation",
     {"token_lookup": "{solution}\n\n\nfrom collections import OrderedDict\n\n_plain_tokens = token_lookup\n\n\n"
                      "def token_lookup():\n    return OrderedDict(_plain_tokens())\n"},
     {"test_create_lookup_tables": 1, "test_token_lookup": 1, "test_batch_data": 2, "test_script_rnn": 2,
      "test_forward_back_prop": 2, "test_generate": 2}, []),
    # an honest mistake: the step never clears the gradients, so the stale ones the hidden test
    # leaves on its own model (in the kernel) are added to this step's
    ("kept_gradients", "script-generation",
     {"forward_back_prop": "{solution}\n\n\n_step = forward_back_prop\n\n\n"
                           "def forward_back_prop(rnn, optimizer, criterion, inp, target, hidden, clip=5.0):\n"
                           "    optimizer.zero_grad = lambda *a, **k: None\n"
                           "    return _step(rnn, optimizer, criterion, inp, target, hidden, clip)\n"},
     {"test_create_lookup_tables": 1, "test_token_lookup": 1, "test_batch_data": 2, "test_script_rnn": 2,
      "test_forward_back_prop": 0, "test_generate": 2}, []),
    # always the most likely word, whatever top_k and temperature say: the visible check (top_k=1)
    # passes; the hidden test counts the words drawn
    ("greedy_generate", "script-generation",
     {"generate": "{solution}\n\n\n_sampled = generate\n\n\n"
                  "def generate(rnn, prime_word, int_to_vocab, token_dict, pad_value, sequence_length,\n"
                  "             predict_len=100, top_k=5, temperature=1.0, generator=None):\n"
                  "    return _sampled(rnn, prime_word, int_to_vocab, token_dict, pad_value, sequence_length,\n"
                  "                    predict_len, 1, 1.0, generator)\n"},
     {"test_create_lookup_tables": 1, "test_token_lookup": 1, "test_batch_data": 2, "test_script_rnn": 2,
      "test_forward_back_prop": 2, "test_generate": 0}, []),
    # each window read from the state the last one left instead of from init_hidden: with a real
    # LSTM the scene still reads well; the hidden test's stand-in model tells
    ("carried_state", "script-generation",
     {"generate": "{solution}\n\n\n_sampled = generate\n\n\n"
                  "class _Carry(nn.Module):\n"
                  "    def __init__(self, rnn):\n"
                  "        super().__init__()\n"
                  "        self.rnn, self.state = rnn, None\n\n"
                  "    def init_hidden(self, batch_size):\n"
                  "        return self.rnn.init_hidden(batch_size)\n\n"
                  "    def forward(self, x, hidden):\n"
                  "        logits, self.state = self.rnn(x, hidden if self.state is None else self.state)\n"
                  "        return logits, self.state\n\n\n"
                  "def generate(rnn, *args, **kwargs):\n"
                  "    return _sampled(_Carry(rnn), *args, **kwargs)\n"},
     {"test_create_lookup_tables": 1, "test_token_lookup": 1, "test_batch_data": 2, "test_script_rnn": 2,
      "test_forward_back_prop": 2, "test_generate": 0}, []),
    # the step handed to the shipped loop, through a model that swaps the hidden state in and out
    ("delegate_fit", "time-series",
     {"train_step": "def train_step(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):\n"
                    "    box = {}\n\n"
                    "    class Carry(nn.Module):\n"
                    "        def __init__(self):\n"
                    "            super().__init__()\n"
                    "            self.inner = model\n\n"
                    "        def forward(self, x, h=None):\n"
                    "            out, box['h'] = self.inner(x, hidden)\n"
                    "            return out, box['h']\n\n"
                    "    history = helpers.fit(Carry(), [(x, y)], loss_fn=loss_fn, optimizer=optimizer,\n"
                    "                          config=helpers.FitConfig(epochs=1, clip=clip, progress=False))\n"
                    "    return torch.tensor(history.step_loss[0]), box['h'].detach()\n"},
     {"test_simple_rnn_forward": 3, "test_train_step": 0}, []),
    # leaving the kernel: what was earned before stays, the rest earns nothing
    ("exit", "time-series", {"train_step": "import os\nos._exit(0)\n{solution}"},
     {"test_simple_rnn_forward": 3, "test_train_step": 0}, ["os._exit"]),
    # 8 GB asked for under the 4 GB limit: that cell fails, the others are graded
    ("memory_hog", "time-series", {"train_step": "_hog = np.ones(2**30)  # 8 GB of float64\n{solution}"},
     {"test_simple_rnn_forward": 3, "test_train_step": 0}, []),
    # everything the grader's own files offer, tried beside honest answers: nothing is reachable
    ("sabotage", "time-series", {"simple_rnn_forward": _SABOTAGE + "{solution}"},
     {"test_simple_rnn_forward": 3, "test_train_step": 3}, ["file access outside the submission folder"]),
    # its own notebook swapped for a link to the real gradebook, another link to a solution: nbgrader
    # (the instructor) writes the autograded notebook and chmods every file after the kernel ends
    ("symlink", "time-series",
     {"train_step": "import os\nfor _name in os.listdir('.'):\n    if _name.endswith('.ipynb'):\n"
                    "        os.remove(_name)\n        os.symlink('{course}/gradebook.db', _name)\n"
                    "os.symlink('{course}/solutions/time-series/Simple_RNN.ipynb', 'notes.txt')\n{solution}"},
     {"test_simple_rnn_forward": 3, "test_train_step": 3}, ["makes links or special files: os.symlink"]),
    # processes forked until the cap refuses one, then reaped: the honest answers keep their points
    ("fork_bomb", "time-series", {"simple_rnn_forward": _FORK_BOMB + "{solution}"},
     {"test_simple_rnn_forward": 3, "test_train_step": 3}, ["starts or signals a process: os.fork"]),
    # 2.4 GB written into its working folder: refused at the cap, the honest answers keep their points
    ("fill_disk", "time-series", {"simple_rnn_forward": _FILL_DISK.format(folder="'.'") + "{solution}"},
     {"test_simple_rnn_forward": 3, "test_train_step": 3}, ["file access outside the submission folder"]),
    # the same into the kernel's runtime folder (its sockets' home, on the grading machine's disk):
    # the kernel is stopped there; what was earned before stays
    ("fill_runtime", "time-series",
     {"train_step": _FILL_DISK.format(folder="os.path.dirname(sys.argv[-1])") + "{solution}"},
     {"test_simple_rnn_forward": 3, "test_train_step": 0}, ["file access outside the submission folder"]),
    # a forward that looks up the caller's frames for the test's expected values: the test runs
    # in the grader, so the frames it finds hold the link's machinery and nothing to copy
    ("peek_frames", "time-series",
     {"simple_rnn_forward": "{solution}\n\n\nimport sys\n\n\n"
                            "def _peek(self, x, hidden=None):\n"
                            "    frame = sys._getframe(1)\n"
                            "    while frame is not None:\n"
                            "        for value in list(frame.f_locals.values()):\n"
                            "            if (isinstance(value, tuple) and len(value) == 2\n"
                            "                    and all(isinstance(t, torch.Tensor) for t in value)\n"
                            "                    and value[0].shape[:2] == x.shape[:2]):\n"
                            "                return value\n"
                            "        frame = frame.f_back\n"
                            "    return torch.zeros(*x.shape[:2], 1), torch.zeros(1, x.shape[0], self.hidden_dim)\n\n\n"
                            "SimpleRNN.forward = _peek\n"},
     {"test_simple_rnn_forward": 0, "test_train_step": 3}, ["f_locals"]),
    # an answer that forges everything a comparison could ask it (equality, float, array, list) and
    # carries a pickle payload: nothing but plain data crosses, and nothing is unpickled
    ("forged_answer", "time-series",
     {"train_step": "{solution}\n\n\nclass _Forged:\n"
                    "    def __eq__(self, other):\n        return True\n\n"
                    "    def __float__(self):\n        return 0.0\n\n"
                    "    def __array__(self, *args, **kwargs):\n        return np.zeros(())\n\n"
                    "    def tolist(self):\n        return 0.0\n\n"
                    "    def __reduce__(self):\n        return (print, ('REDUCE PAYLOAD RAN',))\n\n\n"
                    "def train_step(model, optimizer, loss_fn, x, y, hidden=None, clip=5.0):\n"
                    "    return _Forged(), _Forged()\n"},
     {"test_simple_rnn_forward": 3, "test_train_step": 0}, []),
    # 50 MB of output beside honest answers: graded like any other honest notebook
    ("big_print", "time-series", {"simple_rnn_forward": '{solution}\nprint("x" * 50_000_000)\n'},
     {"test_simple_rnn_forward": 3, "test_train_step": 3}, []),
]


def _attack(nb, cells: dict[str, str]):
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id in cells:
            cell.source = cells[grade_id].replace("{solution}", cell.source)
    return nb


class Graded:
    """What the one grading run gave one assignment, read back from the course."""

    def __init__(self, assignment: str, root: Path, proc, scores, cell_scores, export_rows, loop_info, report):
        self.assignment, self.root, self.proc = assignment, root, proc
        self.scores, self.cell_scores = scores, cell_scores
        self.export_rows, self.loop_info, self.report = export_rows, loop_info, report


# nbgrader's own defences (test cells restored from the gradebook, the cell timeout) do not
# depend on the notebook: they are tried on the two quick assignments only, to keep the suite short.
TAMPERED_ON = ["gru-quiz", "time-series"]


def _submissions(root: Path, assignment: str, source: Path) -> dict:
    released = root / "notebooks" / assignment / source.name
    submissions = {"solution": read(source), "blank": read(released)}
    if assignment in TAMPERED_ON:
        submissions.update({
            "tampered": _blank_tests(read(released), strip_metadata=False),
            "stripped": _blank_tests(read(released), strip_metadata=True),
            "tampered_solved": _blank_tests(read(source), strip_metadata=False),
            "removed_solved": _remove_tests(read(source)),
        })
        submissions["endless_loop"], _ = _endless_first_solution(read(source))
    for student, target, cells, _, _ in ATTACKS:
        if target == assignment:
            cells = {k: v.replace("{course}", str(root)) for k, v in cells.items()}
            submissions[student] = _attack(read(source), cells)
    submissions["solution"].metadata["canary"] = CANARY  # honest work another student must never see
    return submissions


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Every assignment's submissions collected in one course, graded by one `rnn-course grade` run."""
    root = make_course(tmp_path_factory.mktemp("course") / "course", assignments())
    for assignment in assignments():
        for source in solution_notebooks(assignment):
            for student, nb in _submissions(root, assignment, source).items():
                submit(root, student, assignment, source.name, nb)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.update_or_create_student("solution", first_name=CANARY)
    solutions_before = _tree_digest(root / "solutions")
    proc = _grade([*assignments(), "--workers", "2"], root)
    export = _nbgrader(["export", "--to", str(root / "grades.csv")], root)
    return {"root": root, "proc": proc, "export": export, "solutions_before": solutions_before}


def _read_back(assignment: str, course: dict) -> Graded:
    root = course["root"]
    assert course["export"].returncode == 0, course["export"].stdout + course["export"].stderr
    students = sorted(p.parent.name for p in (root / "submitted").glob(f"*/{assignment}"))
    scores, cell_scores = {}, {}
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        for student in students:
            submission = gb.find_submission(assignment, student)
            scores[student] = (submission.score, submission.max_score)
            for source in solution_notebooks(assignment):
                for grade_id in points_by_test(read(source)):
                    grade = gb.find_grade(grade_id, source.stem, assignment, student)
                    cell_scores[(student, source.name, grade_id)] = grade.score
    with open(root / "grades.csv", newline="") as f:
        export_rows = list(csv.DictReader(f))
    with open(root / "reports" / f"integrity-{assignment}.csv", newline="") as f:
        report = list(csv.DictReader(f))
    loop_info = {source.name: _endless_first_solution(read(source))[1] for source in solution_notebooks(assignment)}
    return Graded(assignment, root, course["proc"], scores, cell_scores, export_rows, loop_info, report)


@pytest.fixture(scope="module", params=assignments())
def graded(request, course) -> Graded:
    return _read_back(request.param, course)


@pytest.fixture(scope="module", params=TAMPERED_ON)
def tampered(request, course) -> Graded:
    """The assignments that were also sent tampered notebooks and an endless loop."""
    return _read_back(request.param, course)


def _max_points(assignment: str) -> float:
    """The points the tests give: what the autograder can award."""
    return sum(sum(points_by_test(read(nb)).values()) for nb in solution_notebooks(assignment))


def _written_points(assignment: str) -> float:
    """The points of manually graded answers, which only the instructor gives."""
    return sum(sum(points_by_answer(read(nb)).values()) for nb in solution_notebooks(assignment))


def test_grading_completes(graded):
    log = graded.proc.stdout + graded.proc.stderr
    assert graded.proc.returncode == 0, log[-3000:]
    assert "0 not graded" in graded.proc.stdout, log[-3000:]
    assert f"integrity report for {len(graded.scores)} submission(s) of {graded.assignment}" in graded.proc.stdout


def test_solution_scores_full_marks(graded):
    score, max_score = graded.scores["solution"]
    assert max_score == _max_points(graded.assignment) + _written_points(graded.assignment)
    assert score == _max_points(graded.assignment) > 0, _failed_cells(graded, "solution")


def _answer_grades(graded, student: str) -> list[tuple[float | None, bool]]:
    """(auto_score, needs_manual_grade) of each manually graded answer of ``student``."""
    with Gradebook(f"sqlite:///{graded.root / 'gradebook.db'}") as gb:
        grades = [gb.find_grade(grade_id, source.stem, graded.assignment, student)
                  for source in solution_notebooks(graded.assignment) for grade_id in points_by_answer(read(source))]
        return [(grade.auto_score, grade.needs_manual_grade) for grade in grades]


def test_written_answers_wait_for_the_instructor(graded):
    """A written report is the instructor's to grade; an untouched one gets 0 at once."""
    if not _written_points(graded.assignment):
        pytest.skip(f"{graded.assignment} has no manually graded answer")
    written = _answer_grades(graded, "solution")
    assert written and all(auto is None and needs for auto, needs in written)
    assert all(auto == 0 and not needs for auto, needs in _answer_grades(graded, "blank"))


def test_unmodified_student_version_scores_zero(graded):
    assert graded.scores["blank"][0] == 0


@pytest.mark.parametrize("student", ["tampered", "stripped"])
def test_replaced_test_cells_earn_nothing(tampered, student):
    assert tampered.scores[student][0] == 0


@pytest.mark.parametrize("student", ["tampered_solved", "removed_solved"])
def test_test_cells_come_from_the_gradebook_not_the_submission(tampered, student):
    graded = tampered
    # Beside correct answers, tests replaced by `pass`, stripped of their metadata or
    # deleted: nbgrader puts the real tests back, and they run and pass.
    score, max_score = graded.scores[student]
    assert score == max_score, _failed_cells(graded, student)


def test_endless_loop_is_stopped_and_the_rest_is_graded(tampered):
    graded = tampered
    score, max_score = graded.scores["endless_loop"]
    assert score == max_score, _failed_cells(graded, "endless_loop")
    for name, loop_cell in graded.loop_info.items():
        autograded = read(graded.root / "autograded" / "endless_loop" / graded.assignment / name)
        looped = [c for c in autograded.cells if ENDLESS.strip() in c.source]
        assert len(looped) == 1
        errors = [o for o in looped[0].outputs if o.get("output_type") == "error"]
        assert errors, "the endless cell should end with the timeout's error"


def test_gradebook_export_lists_every_student(graded):
    rows = {row["student_id"]: row for row in graded.export_rows if row["assignment"] == graded.assignment}
    assert set(graded.scores) <= set(rows)
    for student, (score, _) in graded.scores.items():
        assert float(rows[student]["raw_score"]) == pytest.approx(score)


def _failed_cells(graded, student) -> str:
    lost = {k[2]: v for k, v in graded.cell_scores.items() if k[0] == student}
    log = graded.proc.stdout[-2000:] + graded.proc.stderr[-2000:]
    return f"cell scores {lost}\n{log}"


def _attacks_on(assignment: str) -> list[tuple]:
    return [a for a in ATTACKS if a[1] == assignment]


def _attack_scores(graded, student: str) -> dict[str, float]:
    return {grade_id: score for (who, _, grade_id), score in graded.cell_scores.items() if who == student}


def test_every_attack_earns_exactly_what_it_deserves(graded):
    for student, _, _, expected, _ in _attacks_on(graded.assignment):
        got = _attack_scores(graded, student)
        assert got == expected, f"{student}: {got} instead of {expected}\n" + _failed_cells(graded, student)


def test_honest_submissions_leave_the_integrity_report_empty(graded):
    flagged = {row["student"] for row in graded.report}
    honest = {"solution", "blank", "tampered", "stripped", "tampered_solved", "removed_solved", "endless_loop"}
    honest |= {student for student, _, _, _, words in _attacks_on(graded.assignment) if not words}
    rows = [row for row in graded.report if row["student"] in honest]
    assert not rows, "findings for honest work:\n" + "\n".join(map(str, rows))
    assert flagged <= set(graded.scores)


def test_every_cheat_appears_in_the_integrity_report(graded):
    for student, _, _, _, words in _attacks_on(graded.assignment):
        reasons = " | ".join(row["reason"] for row in graded.report if row["student"] == student)
        for word in words:
            assert word in reasons, f"{student}: the report should mention {word!r}, it says: {reasons}"
    md = (graded.root / "reports" / f"integrity-{graded.assignment}.md").read_text()
    assert graded.assignment in md


def _autograded_notebooks(course, student: str | None = None) -> dict[str, str]:
    root = course["root"] / "autograded"
    paths = sorted(root.glob(f"{student or '*'}/*/*.ipynb"))
    return {str(p.relative_to(root)): p.read_text() for p in paths}


def _printed(text: str) -> str:
    """What a notebook's cells printed, joined: the kernel may send one line in several stream chunks."""
    return "".join(out.get("text", "") for cell in nbformat.reads(text, as_version=4).cells
                   if cell.cell_type == "code" for out in cell.outputs if out.output_type == "stream")


def test_course_files_survive_the_sabotage(course):
    assert _tree_digest(course["root"] / "solutions") == course["solutions_before"]
    with Gradebook(f"sqlite:///{course['root'] / 'gradebook.db'}") as gb:
        assert gb.find_student("solution").first_name == CANARY
    printed = {name: _printed(text) for name, text in _autograded_notebooks(course, "sabotage").items()}
    assert printed and all("SABOTAGE reached 0 files" in text for text in printed.values()), printed
    linked = list((course["root"] / "autograded" / "symlink").rglob("*"))
    assert linked and not any(p.is_symlink() for p in linked)


def test_no_submission_shows_another_students_work(course):
    notebooks = _autograded_notebooks(course)
    assert len(notebooks) == len(list((course["root"] / "submitted").glob("*/*/*.ipynb")))
    leaks = [path for path, text in notebooks.items()
             if (CANARY in text or CANARY in _printed(text)) and not path.startswith("solution/")]
    assert not leaks
    assert all(CANARY in text for path, text in notebooks.items() if path.startswith("solution/"))


def test_a_dead_kernel_stops_only_its_notebook_and_says_so(course):
    (text,) = _autograded_notebooks(course, "exit").values()
    assert "GradingStopped" in text and "the kernel stopped" in text
    assert "time-series/exit:" in course["proc"].stdout  # the instructor's summary names it


def test_a_forged_answers_payload_never_runs(course):
    (text,) = _autograded_notebooks(course, "forged_answer").values()
    assert "REDUCE PAYLOAD RAN" not in _printed(text)


def test_a_fork_loop_is_refused_at_the_cap(course):
    (text,) = _autograded_notebooks(course, "fork_bomb").values()
    made = int(_printed(text).split("FORKS refused after ")[1].split(":")[0])
    assert 200 <= made < sandbox.PROCESSES   # the kernel's own threads count too


def test_a_disk_filler_is_refused_at_the_cap(course):
    (text,) = _autograded_notebooks(course, "fill_disk").values()
    assert "DISK refused after" in _printed(text), _printed(text)[-2000:]
    written_mb = int(_printed(text).split("DISK refused after ")[1].split()[0])
    assert 900 <= written_mb <= sandbox.DISK_BYTES >> 20


def test_a_disk_filler_outside_the_working_folder_is_stopped(course):
    (text,) = _autograded_notebooks(course, "fill_runtime").values()
    assert "GradingStopped" in text and "wrote more than 64 MB outside its working folder" in text
    assert "time-series/fill_runtime:" in course["proc"].stdout


def test_a_flood_of_output_is_capped(course):
    (text,) = _autograded_notebooks(course, "big_print").values()
    assert len(text) < 1_000_000 and "bytes was dropped" in text
