"""Tests run in the grader, the kernel only answers: grader.remote, grader.trusted and grader.execute.

The first part feeds the decoder forged answers (no kernel). The second runs
one notebook in a real kernel through the Execute step `rnn-course grade`
gives nbgrader: answer cells written the way a student (or a cheat) would,
test cells that nbgrader would score, and checks what each test cell's
outputs say. A test cell passes when it has no error output.
"""
from __future__ import annotations

import base64
import json
import os
import time

import nbformat
import numpy as np
import pytest
import torch

from grader.execute import GradingExecute
from grader.remote import BadAnswer, Link, Remote, StudentCodeError, fetch, keep

pytestmark = pytest.mark.grading


# -- the decoder, on forged answers ---------------------------------------------------------

def _link(answer) -> Link:
    return Link(lambda request: answer if isinstance(answer, str) else json.dumps(answer))


def _array(dtype: str, shape: list, data: bytes) -> dict:
    return {"dtype": dtype, "shape": shape, "data": base64.b64encode(data).decode()}


@pytest.mark.parametrize("answer", [
    "not json",
    "[" * 100_000 + "]" * 100_000,                                    # deeper than the JSON parser goes
    {"ok": 1, "extra": 2},
    {"neither": 1},
    {"ok": {"$np": _array("|O", [1], b"\0" * 8)}},                   # objects: pointers, never read
    {"ok": {"$np": _array("<f8", [2], b"\0" * 8)}},                   # fewer bytes than the shape says
    {"ok": {"$np": _array("<f8", [-1], b"")}},
    {"ok": {"$np": {**_array("<f8", [1], b"\0" * 8), "data": "***"}}},
    {"ok": {"$pt": _array("<U4", [1], b"\0" * 16)}},                  # strings are not tensors
    {"ok": {"$pickle": "gASV"}},
    {"ok": {"$tuple": [{"$dtype": "manual_seed"}]}},                  # a torch function is not a dtype
    {"ok": {"$dict": [[{"$list": [1]}, 2]]}},                          # an unhashable key
    {"ok": {"$ref": "1", "type": []}},
    {"error": ["ValueError"]},
])
def test_a_forged_answer_is_refused(answer):
    with pytest.raises(BadAnswer):
        _link(answer).request("global", name="x")


def test_nested_too_deep_is_refused():
    value = 1
    for _ in range(60):
        value = {"$list": [value]}
    with pytest.raises(BadAnswer, match="nested too deeply"):
        _link({"ok": value}).request("global", name="x")


def test_plain_data_comes_back_as_plain_local_values():
    values = {"$tuple": [None, True, 3, 2.5, {"$float": "nan"}, "s",
                         {"$np": _array("<i8", [2], np.array([4, 5]).tobytes())},
                         {"$pt": _array("<f4", [1, 2], np.array([[1, 2]], np.float32).tobytes()), "requires_grad": True},
                         {"$size": [3, 4]}, {"$dtype": "float32"}, {"$device": "cpu"},
                         {"$dict": [["k", {"$list": [1]}]]}]}
    got = _link({"ok": values}).request("global", name="x")
    assert type(got) is tuple and got[:4] == (None, True, 3, 2.5) and got[4] != got[4] and got[5] == "s"
    assert type(got[6]) is np.ndarray and got[6].tolist() == [4, 5]
    assert type(got[7]) is torch.Tensor and got[7].requires_grad and got[7].tolist() == [[1.0, 2.0]]
    assert got[8] == torch.Size([3, 4]) and got[9] is torch.float32 and got[10] == torch.device("cpu")
    assert got[11] == {"k": [1]}


def test_both_ends_of_the_wire_agree():
    """What the grader sends, the kernel's side rebuilds, and sends back as the grader reads it."""
    from grader.kernel_side import Answerer

    kernel = Answerer({})
    link = _link({"ok": None})
    values = (None, True, -3, 2.5, float("inf"), "s", [1, (2, 3)], {"k": 1.0}, np.arange(4, dtype=np.int32),
              np.float32(1.5), np.array(2.0), torch.ones(2, 3, dtype=torch.float64), torch.tensor(7),
              torch.Size([2, 5]), torch.int64)
    for value in values:
        rebuilt = kernel._take(json.loads(json.dumps(link.encode(value))))
        back = link.decode(json.loads(json.dumps(kernel._send(rebuilt, False))))
        assert type(back) is type(value), (value, back)
        if isinstance(value, (np.ndarray, torch.Tensor)):
            assert back.dtype == value.dtype and back.tolist() == value.tolist()
        else:
            assert back == value


def test_an_error_in_the_kernel_is_the_students_error_and_keeps_its_kind():
    link = _link({"error": {"type": "ValueError", "message": "n must be positive", "where": ""}})
    with pytest.raises(ValueError) as caught:
        link.request("global", name="f")
    assert isinstance(caught.value, StudentCodeError) and "n must be positive" in str(caught.value)
    odd = _link({"error": {"type": "SystemExit", "message": "", "where": ""}})
    with pytest.raises(StudentCodeError) as caught:   # never the grader's own SystemExit
        odd.request("global", name="f")
    assert not isinstance(caught.value, SystemExit)


def test_a_remote_has_no_truth_or_equality_of_its_own():
    remote = _link({"ok": {"$ref": 1, "type": ["__main__.AlwaysEqual", "builtins.list", "builtins.object"]}}).request(
        "global", name="answer")
    assert type(remote) is Remote
    with pytest.raises(TypeError):
        bool(remote)
    with pytest.raises(TypeError):
        assert remote == [1, 2]
    assert not isinstance(remote, list)   # only library classes are claimed, never a builtin
    assert fetch(3) == 3
    with pytest.raises(TypeError):
        keep([1])


def test_a_remote_may_claim_a_library_class_for_isinstance_only():
    remote = _link({"ok": {"$ref": 2, "type": ["__main__.Net", "torch.nn.modules.module.Module", "builtins.object"]}}
                   ).request("global", name="model")
    assert isinstance(remote, torch.nn.Module) and type(remote) is Remote


# -- a real kernel ----------------------------------------------------------------------------

SETUP = "import numpy as np\nimport torch\nfrom torch import nn\n\nimport helpers"

# What students wrote, honest or not; each later cell is a test that nbgrader would score.
ANSWERS = """
shape = (1, 3, 20)
wrong_shape = (2, 3, 20)


class AlwaysEqual(tuple):
    def __eq__(self, other):
        return True
    __hash__ = tuple.__hash__


class FakeNumber:
    def __float__(self):
        return 0.5
    def __array__(self, *args, **kwargs):
        return np.ones(3)
    def tolist(self):
        return [1.0, 1.0, 1.0]


class Payload:
    def __reduce__(self):
        return (open, ({marker!r}, "w"))


forged_shape = AlwaysEqual((0,))
forged_number = FakeNumber()
payload = Payload()


def double(a):
    return a * 2


def positive(n):
    if n <= 0:
        raise ValueError(f"n must be positive, got {{n}}")
    return n


def forever(x):
    while True:
        pass


def big():
    return np.zeros(2**23)   # 64 MB: over the answer limit


def clip_in_place(grads):
    for g in grads.values():
        np.clip(g, -5, 5, out=g)


def clip_a_copy(grads):
    for name in grads:
        grads = dict(grads)
        grads[name] = np.clip(grads[name], -5, 5)


def counting():
    n = 0
    while True:
        yield n
        n += 1


def leave():
    import os
    os._exit(0)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 2)

    def forward(self, x):
        return self.fc(x)
"""

# Every later cell's errors are swallowed, numpy's and torch's comparisons always agree:
# the plain form, and one that reaches the shell through a name built at run time.
SWALLOW = """
import ast, builtins


class Forgiving(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=ast.Name("BaseException", ast.Load()), name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=node.body or [ast.Pass()], handlers=[handler], orelse=[], finalbody=[])]
        return ast.fix_missing_locations(node)


getattr(builtins, "get_" + "ipython")().ast_transformers.append(Forgiving())
np.allclose = np.array_equal = torch.allclose = torch.equal = lambda *a, **k: True
"""

TESTS = {
    "right": "assert shape == (1, 3, 20)\nprint('right value')",
    "wrong": "assert wrong_shape == (1, 3, 20), f'wrong_shape is {wrong_shape}'",
    "forged_equal": "assert forged_shape == (1, 3, 20)",
    "forged_number": "assert abs(float(forged_number) - 0.5) < 1e-9",
    "forged_array": "assert np.array_equal(np.asarray(forged_number), np.ones(3))",
    "payload": "fetch(payload)",
    "call": "assert np.array_equal(double(np.arange(3)), [0, 2, 4])\nassert torch.allclose(double(torch.ones(2)), torch.full((2,), 2.0))",
    "call_wrong": "assert torch.allclose(double(torch.ones(2)), torch.ones(2))",
    "student_error": "try:\n    positive(-1)\nexcept ValueError as e:\n    print('refused:', e)\nelse:\n    raise AssertionError('no error')",
    "student_error_fails": "positive(-1)",
    "module": ("m = Net()\nassert isinstance(m, nn.Module) and isinstance(m.fc, nn.Linear)\n"
               "w = torch.randn(2, 3)\n"
               "keep(m).fc.weight.data.copy_(w)\n"
               "x = torch.randn(4, 3)\nassert torch.allclose(m(x), x @ w.T + fetch(m.fc.bias), atol=1e-6)\n"
               "opt = in_kernel('torch.optim').SGD(keep(m).parameters(), lr=0.1)\n"
               "loss = keep(m)(x).pow(2).sum()\nloss.backward()\nopt.step()\n"
               "assert not torch.allclose(fetch(m.fc.weight), w)\nprint('module ok')"),
    "in_place": ("g = in_kernel('copy').deepcopy({'a': np.array([-7.0, 9.0])})\n"
                 "assert type(g) is not dict   # kept in the kernel\n"
                 "clip_in_place(g)\nassert fetch(g)['a'].tolist() == [-5.0, 5.0]"),
    "not_in_place": ("g = in_kernel('copy').deepcopy({'a': np.array([-7.0, 9.0])})\n"
                     "clip_a_copy(g)\nassert fetch(g)['a'].tolist() == [-5.0, 5.0], 'clip in place'"),
    "walk": ("g = counting()   # endless: the grader walks it one item at a time\n"
             "assert next(iter(g)) == 0\nassert [v for _, v in zip(range(3), g)] == [1, 2, 3]\n"
             "assert next(g) == 4"),
    "unknown_name": "assert not_defined_anywhere == 1",
    "forever": "forever(1)",
    "after_forever": "assert shape == (1, 3, 20)",
    "big": "big()",
    "leave": "leave()",
    "after_leave": "assert shape == (1, 3, 20)",
}


def _cell(source: str, grade_id: str | None = None, test: bool = False):
    cell = nbformat.v4.new_code_cell(source)
    if grade_id:
        cell.metadata.nbgrader = {"grade_id": grade_id, "locked": True, "grade": test, "solution": False,
                                  **({"points": 1} if test else {})}
    return cell


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("link")
    marker = folder / "unpickled"
    cells = [_cell(SETUP, "setup"), _cell(ANSWERS.format(marker=str(marker))), _cell(SWALLOW)]
    cells += [_cell(source, name, test=True) for name, source in TESTS.items()]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    started = time.time()
    GradingExecute(kernel_name="python3", timeout=8).preprocess(nb, {"metadata": {"path": str(folder)}})
    outcome = {}
    for cell in nb.cells:
        name = cell.metadata.get("nbgrader", {}).get("grade_id")
        if name in TESTS:
            errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
            printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
            outcome[name] = (errors, printed)
    return {"outcome": outcome, "marker": marker, "seconds": time.time() - started, "cells": nb.cells}


def _passed(graded, name: str) -> bool:
    return not graded["outcome"][name][0]


def test_a_right_answer_passes_and_its_print_is_kept(graded):
    assert _passed(graded, "right") and graded["outcome"]["right"][1] == "right value\n"
    assert _passed(graded, "call") and _passed(graded, "module"), graded["outcome"]


def test_a_wrong_answer_fails_with_the_tests_message_despite_the_swallow_cell(graded):
    errors, _ = graded["outcome"]["wrong"]
    assert errors == ["AssertionError: wrong_shape is (2, 3, 20)"]
    assert not _passed(graded, "call_wrong")   # the kernel's torch.allclose was replaced: the grader's was not


@pytest.mark.parametrize("name", ["forged_equal", "forged_number", "forged_array"])
def test_objects_that_answer_for_themselves_earn_nothing(graded, name):
    assert not _passed(graded, name)


def test_nothing_the_kernel_sends_is_unpickled(graded):
    assert not _passed(graded, "payload")
    assert not graded["marker"].exists()


def test_objects_built_in_the_kernel_stay_there_and_show_what_the_students_code_did(graded):
    assert _passed(graded, "in_place"), graded["outcome"]["in_place"]
    assert graded["outcome"]["not_in_place"][0] == ["AssertionError: clip in place"]


def test_an_iteration_is_walked_one_item_at_a_time(graded):
    assert _passed(graded, "walk"), graded["outcome"]["walk"]


def test_the_students_error_keeps_its_kind_and_says_whose_it_is(graded):
    assert _passed(graded, "student_error") and "n must be positive, got -1" in graded["outcome"]["student_error"][1]
    (error,) = graded["outcome"]["student_error_fails"][0]
    assert error.startswith("ValueError: n must be positive, got -1 (raised by your code")


def test_a_name_the_notebook_lacks_is_a_plain_name_error(graded):
    assert graded["outcome"]["unknown_name"][0] == ["NameError: name 'not_defined_anywhere' is not defined"]


def test_an_answer_that_never_returns_fails_on_time_and_the_next_test_runs(graded):
    (error,) = graded["outcome"]["forever"][0]
    assert error.startswith("TimeoutError") and "time limit" in error
    assert _passed(graded, "after_forever")


def test_an_answer_too_big_to_send_fails(graded):
    (error,) = graded["outcome"]["big"][0]
    assert "more than" in error and "bytes" in error


def test_a_kernel_that_exits_stops_the_rest_and_says_so(graded):
    assert "the kernel stopped" in graded["outcome"]["leave"][0][0]
    assert "did not run: the kernel stopped" in graded["outcome"]["after_leave"][0][0]


def test_the_grader_leaves_no_name_in_the_notebook_but_its_own(graded):
    # the answering code lives in its own namespace; only __rnn_grader__ is bound in the notebook's
    probe = [c for c in graded["cells"] if c.metadata.get("nbgrader", {}).get("grade_id") == "module"][0]
    assert "module ok" in "".join(o.get("text", "") for o in probe.outputs)


def test_a_namedtuple_arrives_as_the_graders_own_and_goes_back_as_the_kernels():
    from grader.kernel_side import Answerer
    from typing import NamedTuple

    class Scaler(NamedTuple):
        mean: float
        std: float

    kernel = Answerer({"s": Scaler(5.0, 2.0)})
    link = Link(lambda request: json.dumps(kernel_reply(kernel, request)))
    got = link.request("global", name="s")
    assert got == (5.0, 2.0) and got.mean == 5.0 and type(got) is not Scaler and type(got).__name__ == "Scaler"
    assert kernel._take(link.encode(got)) is kernel.namespace["s"]
    with pytest.raises(BadAnswer):
        _link({"ok": {"$namedtuple": {"name": "x", "fields": ["import"], "values": [1]}}}).request("global", name="y")


def kernel_reply(kernel, request: str) -> dict:
    """What the kernel's side answers to ``request``, without a kernel (its reply, before display)."""
    return {"ok": kernel._do(json.loads(base64.b64decode(request)))}


def _failure(source: str):
    from grader.trusted import _describe

    try:
        exec(compile(source, "<test cell t>", "exec"), {})
    except AssertionError as exc:
        return _describe(exc, "t", source)
    raise AssertionError("the test source should fail")


def test_a_failed_hidden_line_is_named_never_quoted():
    """The feedback is the student's to keep: a hidden test's source (its expected answer) stays out of it."""
    hidden = _failure("answer = (9, 9)\n### BEGIN HIDDEN TESTS\nassert answer == (1, 3), 'not the shape of h_n'\n"
                      "### END HIDDEN TESTS\n")
    shown = "\n".join(hidden.traceback)
    assert "line 3 of the test (a hidden test)" in shown and "(1, 3)" not in shown
    assert hidden.evalue == "not the shape of h_n"   # the message the instructor wrote for students stays
    visible = _failure("answer = (9, 9)\nassert len(answer) == 3, 'three numbers'\n")
    assert "  line 2 of the test: assert len(answer) == 3, 'three numbers'" in visible.traceback
