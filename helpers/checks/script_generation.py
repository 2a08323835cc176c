"""Self-checks of the script-generation project: lookup tables, tokens, batches, ``ScriptRNN``, a step, ``generate``."""
from __future__ import annotations

import re
from typing import Any, Callable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from ..grading import define_in_kernel, fetch, in_kernel, keep
from ._common import _any_dict, _cuda_devices, _fail

# The symbols token_lookup must cover: the punctuation of a script and the line break.
_SYMBOLS = [".", ",", '"', "!", "?", ";", ":", "-", "(", ")", "\n"]


def check_create_lookup_tables(create_lookup_tables: Callable[..., Any]) -> None:
    """Check the tables of "the cat sat on the mat the cat sat": the 3, cat 2, sat 2, on 1, mat 1."""
    to_int, to_word = create_lookup_tables("the cat sat on the mat the cat sat".split())
    to_int, to_word = _any_dict(to_int, "vocab_to_int"), _any_dict(to_word, "int_to_vocab")
    print("vocab_to_int:", to_int)
    print("int_to_vocab:", to_word)
    want = {"the": 0, "cat": 1, "sat": 2, "on": 3, "mat": 4}
    if to_int != want:
        _fail(f"vocab_to_int should be {want}: by count, ties in order of first appearance; got {to_int}")
    if to_word != {i: w for w, i in want.items()}:
        _fail(f"int_to_vocab should be the inverse of vocab_to_int, {{0: 'the', 1: 'cat', ...}}; got {to_word}")
    print("check_create_lookup_tables passed: ids by count from 0, ties in order of first appearance")


def check_token_lookup(token_lookup: Callable[[], Any]) -> None:
    """Check that ``token_lookup()`` gives each symbol its own token, one no text could contain."""
    tokens_of = _any_dict(token_lookup(), "token_lookup()'s result {symbol: token}")
    for symbol, token in tokens_of.items():
        print(f"{symbol!r:6} -> {token}")
    missing = [s for s in _SYMBOLS if s not in tokens_of]
    if missing:
        _fail(f"no token for {missing}")
    if set(tokens_of) != set(_SYMBOLS):
        _fail(f"tokens for the symbols of the list only, not for {sorted(map(repr, set(tokens_of) - set(_SYMBOLS)))}")
    tokens = [tokens_of[s] for s in _SYMBOLS]
    if not all(isinstance(t, str) and t for t in tokens):
        _fail(f"every token should be a non-empty str, got {tokens}")
    if len(set(tokens)) != len(tokens):
        _fail("two symbols share a token: the text could not be turned back")
    if any(any(c.isspace() for c in t) for t in tokens):
        _fail("a token may not contain spaces: the text is split into words at spaces")
    word_like = [t for t in tokens if re.fullmatch(r"[A-Za-z0-9']+", t)]
    if word_like:
        _fail(f"{word_like}: a token of letters, digits and apostrophes only could be a word of the text")
    if any(s in t for s in _SYMBOLS for t in tokens):
        _fail("a token may not contain any of the symbols: they are replaced one after another")
    print("check_token_lookup passed: one distinct token per symbol, none that a text could contain")


def check_batch_data(batch_data: Callable[..., Any]) -> None:
    """Check the windows of the ids 10..19 cut into sequences of 3, in batches of 4."""
    loader = batch_data(np.arange(10, 20), sequence_length=3, batch_size=4)
    if not isinstance(loader, DataLoader):
        _fail(f"return a DataLoader, got {type(loader).__name__}")
    batches = list(loader)
    for features, target in batches:
        print("features", tuple(features.shape), features.tolist(), " target", target.tolist())
    shapes = [tuple(f.shape) for f, _ in batches]
    if shapes != [(4, 3), (3, 3)]:
        _fail(f"10 ids give 7 windows of 3, in batches of 4: features of shapes [(4, 3), (3, 3)], got {shapes}")
    if batches[0][0].dtype != torch.long or batches[0][1].dtype != torch.long:
        _fail(f"ids should be torch.long, got {batches[0][0].dtype} and {batches[0][1].dtype}")
    if batches[0][0][0].tolist() != [10, 11, 12] or batches[0][1][0].item() != 13:
        _fail(f"the first window is [10, 11, 12] and its target 13, got {batches[0][0][0].tolist()} "
              f"and {batches[0][1][0].item()}")
    targets = torch.cat([t for _, t in batches]).tolist()
    if targets != list(range(13, 20)):
        _fail(f"targets should be 13 to 19, in text order, got {targets}")
    # the generator is made where batch_data runs (when graded, that is not where this check runs)
    shuffled = list(batch_data(np.arange(10, 20), 3, 4, shuffle=True,
                               generator=in_kernel("torch").Generator().manual_seed(0)))
    shuffled_targets = torch.cat([t for _, t in shuffled]).tolist()
    print("shuffled targets:", shuffled_targets)
    if sorted(shuffled_targets) != list(range(13, 20)):
        _fail(f"shuffle=True should give the same windows in another order, got the targets {shuffled_targets}")
    print("check_batch_data passed: every window once, (batch, sequence_length) ids and the word after each")


# Built where ScriptRNN runs, with the warnings it gives there recorded.
_WARNINGS_OF = """
import warnings


def warnings_of(build, *args, **kwargs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        built = build(*args, **kwargs)
    return built, [str(w.message) for w in caught]
"""


def check_script_rnn(script_rnn_class: Callable[..., Any]) -> None:
    """Check ``ScriptRNN``: shapes, the last step's logits, ``init_hidden`` and dropout, on a small model."""
    with torch.random.fork_rng(devices=_cuda_devices()):   # leave the notebook's random numbers alone
        torch.manual_seed(0)
        _check_script_rnn(script_rnn_class)
    print("check_script_rnn passed: logits of the last step, a zero (h, c), dropout in training mode")


def _check_script_rnn(script_rnn_class: Callable[..., Any]) -> None:
    toy = script_rnn_class(vocab_size=12, output_size=9, embedding_dim=4, hidden_dim=6, n_layers=2, dropout=0.5)
    x = torch.randint(0, 12, (3, 5))
    print(toy)
    # the graded tests find the layers by their type: say it here, before they do
    counts = [sum(isinstance(m, kind) for m in toy.modules()) for kind in (nn.Embedding, nn.LSTM, nn.Linear)]
    if counts != [1, 1, 1]:
        _fail(f"keep exactly one nn.Embedding, one nn.LSTM and one nn.Linear (the tests find the layers by type), "
              f"got {counts[0]}, {counts[1]} and {counts[2]}")
    h, c = toy.init_hidden(3)
    print("init_hidden(3):", tuple(h.shape), tuple(c.shape), h.dtype)
    if not tuple(h.shape) == tuple(c.shape) == (2, 3, 6):
        _fail(f"init_hidden(3): h and c of shape (n_layers, 3, hidden_dim) = (2, 3, 6) each, got "
              f"{tuple(h.shape)} and {tuple(c.shape)}")
    if h.any() or c.any():
        _fail("init_hidden should return zeros")
    doubled = keep(script_rnn_class(12, 9, 4, 6, 2, dropout=0.5)).double()
    if any(fetch(t.dtype) != torch.float64 for t in keep(doubled).init_hidden(2)):
        _fail("init_hidden of a model in float64 (model.double()) should make float64 zeros: make them like "
              "the parameters, next(self.parameters()).new_zeros(shape)")
    on_meta = keep(script_rnn_class(12, 9, 4, 6, 2, dropout=0.5)).to("meta")
    state = keep(on_meta).init_hidden(2)
    if any(fetch(keep(state)[k].device).type != "meta" for k in (0, 1)):
        _fail("init_hidden of a model moved to the 'meta' device should make its zeros there: make them where "
              "the parameters are, next(self.parameters()).new_zeros(shape)")
    toy.eval()
    logits, (h1, c1) = toy(x, (h, c))
    print("logits:", tuple(logits.shape), " new h, c:", tuple(h1.shape), tuple(c1.shape))
    if tuple(logits.shape) != (3, 9):
        _fail(f"logits should be (batch, output_size) = (3, 9), got {tuple(logits.shape)}")
    if not tuple(h1.shape) == tuple(c1.shape) == (2, 3, 6):
        _fail(f"the new state should be (n_layers, batch, hidden_dim) = (2, 3, 6) each, got "
              f"{tuple(h1.shape)} and {tuple(c1.shape)}")
    _, state4 = toy(x[:, :4], (h, c))
    last, _ = toy(x[:, 4:], state4)
    if not torch.allclose(logits, last, atol=1e-6):
        _fail("5 words at once should give the logits of 4 words and then the fifth: "
              "use the LSTM output at the LAST step")
    warnings_of = define_in_kernel(_WARNINGS_OF)["warnings_of"]
    one_layer, warned = warnings_of(script_rnn_class, 12, 9, 4, 6, n_layers=1, dropout=0.5)
    if warned:
        _fail(f"a one-layer ScriptRNN warned: {warned} (give nn.LSTM dropout=0 when n_layers is 1)")
    one_layer.train()
    h1, c1 = one_layer.init_hidden(3)
    if torch.equal(one_layer(x, (h1, c1))[0], one_layer(x, (h1, c1))[0]):
        _fail("in training mode, nn.Dropout before the linear layer should change the logits "
              "(one layer: no dropout inside the LSTM)")


# The check's own model (embedding -> LSTM -> linear at the last step, no dropout), defined where
# forward_back_prop runs (when graded, that is not where this check runs).
_TINY_MODEL = '''
import torch
from torch import nn


class TinyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding, self.lstm, self.fc = nn.Embedding(12, 4), nn.LSTM(4, 6, batch_first=True), nn.Linear(6, 12)

    def init_hidden(self, batch_size):
        return torch.zeros(1, batch_size, 6), torch.zeros(1, batch_size, 6)

    def forward(self, nn_input, hidden):
        output, hidden = self.lstm(self.embedding(nn_input), hidden)
        return self.fc(output[:, -1]), hidden
'''


# Gradients of 50 on every weight, as if an earlier batch had left them there.
_LEFT_OVER = '''
import torch


def leave_gradients(model):
    for p in model.parameters():
        p.grad = torch.full_like(p, 50.0)
'''


def _one_clean_step(toy: Any, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The weights after one plain step on a copy of ``toy`` here (SGD 0.1, clip 5): what the step must give."""
    space: dict[str, Any] = {}
    exec(_TINY_MODEL, space)
    model = space["TinyModel"]()
    model.load_state_dict(fetch(in_kernel("builtins").dict(toy.state_dict())))
    loss = nn.functional.cross_entropy(model(x, model.init_hidden(8))[0], y)
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), 5.0)
    with torch.no_grad():
        return torch.cat([(p - 0.1 * p.grad).flatten() for p in model.parameters()])


def check_forward_back_prop(forward_back_prop: Callable[..., Any]) -> None:
    """Check one step of ``forward_back_prop`` on a tiny model: the loss returned, the step, the clip."""
    tiny_model = define_in_kernel(_TINY_MODEL)["TinyModel"]
    with torch.random.fork_rng(devices=_cuda_devices()):   # leave the notebook's random numbers alone
        torch.manual_seed(1)
        toy = tiny_model()
        x, y = torch.randint(0, 12, (8, 5)), torch.randint(0, 12, (8,))
    optimizer = in_kernel("torch.optim").SGD(toy.parameters(), lr=0.1)   # made beside the model, too
    criterion = in_kernel("torch.nn").CrossEntropyLoss()
    before = fetch(criterion(toy(x, toy.init_hidden(8))[0], y)).item()   # the value, wherever it was computed
    want = _one_clean_step(toy, x, y)
    # gradients left over from an earlier batch, and a state still attached to an earlier graph
    define_in_kernel(_LEFT_OVER)["leave_gradients"](toy)
    torch_there = in_kernel("torch")
    h_in, c_in = (torch_there.zeros(1, 8, 6, requires_grad=True) for _ in range(2))
    step_loss, step_hidden = forward_back_prop(toy, optimizer, criterion, x, y, (h_in, c_in), clip=5.0)
    if fetch(keep(h_in).grad) is not None or fetch(keep(c_in).grad) is not None:
        _fail("the step's gradient reached the hidden state it was given: detach the incoming state first "
              "(h.detach() for each of h and c), so a step never reaches back into an earlier batch")
    print(f"loss returned {step_loss:.6f}, loss before the step {before:.6f}")
    if type(step_loss) is not float:
        _fail(f"return the loss as a Python float (loss.item()), got {type(step_loss).__name__}")
    if abs(step_loss - before) >= 1e-5:
        _fail(f"the loss returned should be the batch's loss before the step, {before:.6f}, got {step_loss:.6f}")
    if any(h.requires_grad for h in step_hidden):
        _fail("return the new hidden state detached (h.detach() for each of h and c)")
    got = torch.cat([p.detach().flatten() for p in toy.parameters()])
    if (got - want).abs().max().item() > 1e-5:
        _fail("after one step the weights differ from one clean step (clear the gradients, forward, backward, "
              "clip to 5, step), worked out here: were the gradients an earlier batch left on the weights added "
              "to this batch's? Call optimizer.zero_grad() before backward")
    after = fetch(criterion(toy(x, toy.init_hidden(8))[0], y)).item()
    print(f"loss after one step {after:.6f}")
    if not after < before:
        _fail(f"one step of gradient descent should lower the loss on its own batch: {before:.6f} before, "
              f"{after:.6f} after (zero_grad, backward, then optimizer.step())")
    weights = torch.cat([p.detach().flatten() for p in toy.parameters()])
    forward_back_prop(toy, optimizer, criterion, x, y, step_hidden, clip=1e-3)
    moved = (torch.cat([p.detach().flatten() for p in toy.parameters()]) - weights).norm().item()
    print(f"with clip=1e-3 the parameters moved {moved:.2e} (at most 0.1 * 1e-3 = 1e-4)")
    if not 0 < moved <= 1e-4 * 1.001:
        _fail(f"with clip=1e-3 and lr 0.1 the parameters should move by at most 1e-4, they moved {moved:.2e}: "
              "clip the gradients' total norm to `clip` (nn.utils.clip_grad_norm_) before the step")
    print("check_forward_back_prop passed: the loss before the step, a step downhill, gradients clipped")


# A stand-in model: logits from a table, by the window's last id; it records every window it reads.
_STAND_IN = '''
import torch
from torch import nn


class StandIn(nn.Module):
    def __init__(self, table):
        super().__init__()
        self.table = nn.Parameter(table, requires_grad=False)
        self.windows = []

    def init_hidden(self, batch_size):
        return torch.zeros(1, batch_size, 1), torch.zeros(1, batch_size, 1)

    def forward(self, nn_input, hidden):
        self.windows.append(nn_input.tolist())
        return self.table[nn_input[:, -1]], hidden
'''

_TOY_WORDS = {0: "<pad>", 1: "romeo", 2: "||colon||", 3: "||return||", 4: "o", 5: "||comma||", 6: "love",
              7: "||period||"}
_TOY_TOKENS = {":": "||colon||", "\n": "||return||", ",": "||comma||", ".": "||period||"}
_FOLLOWS = {0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 3}   # the word the stand-in always picks next


def check_generate(generate: Callable[..., Any]) -> None:
    """Check ``generate`` with a stand-in whose next word is fixed: the scene and the windows it read."""
    table = torch.zeros(8, 8)
    for word, nxt in _FOLLOWS.items():
        table[word, nxt] = 5.0
    stand_in = define_in_kernel(_STAND_IN)["StandIn"](table)
    scene = generate(stand_in, "romeo", dict(_TOY_WORDS), dict(_TOY_TOKENS), pad_value=0, sequence_length=3,
                     predict_len=10, top_k=1)
    print(repr(scene))
    print(scene)
    windows = fetch(stand_in.windows)
    print("windows read:", windows[:3], "...")
    want = "romeo:\no, love.\no, love"
    if scene != want:
        _fail(f"expected {want!r}, got {scene!r}: the words joined by single spaces, each token put back "
              "as its symbol together with the space before it, and the space after each newline removed")
    if windows[:3] != [[[0, 0, 1]], [[0, 1, 2]], [[1, 2, 3]]]:
        _fail(f"the windows read should be [pad, pad, romeo], then slide one id at a time; got {windows[:3]}")
    if len(windows) != 10:
        _fail(f"predict_len=10: the model should run 10 times, it ran {len(windows)} times")
    even = torch.zeros(8, 8)
    even[:, 4] = even[:, 6] = 5.0   # after any word, "o" and "love" are equally likely
    drawn = generate(define_in_kernel(_STAND_IN)["StandIn"](even), "romeo", dict(_TOY_WORDS), dict(_TOY_TOKENS),
                     pad_value=0, sequence_length=3, predict_len=30, top_k=2,
                     generator=in_kernel("torch").Generator().manual_seed(0))
    words = set(drawn.replace(",", " ").replace(".", " ").split()[1:])
    print("30 words, two equally likely at each step:", sorted(words))
    if words != {"o", "love"}:
        _fail(f"with top_k=2 and two equally likely words, 30 words drawn gave only {sorted(words)}: draw each word "
              "with torch.multinomial from the softmax of the top_k logits, rather than taking the largest")
    print("check_generate passed: the window slides, each word chosen is read next, symbols put back")
