"""How tests reach a notebook's objects, and the guard of notebooks whose tests still run in the kernel.

``keep``, ``fetch``, ``in_kernel`` and ``define_in_kernel`` (at the end) are the words a test
uses when it runs in the grader and the notebook's objects stay in the
student's kernel; run in the kernel itself they do nothing special.

The rest is the in-kernel guard, for the notebooks not yet moved:

Every graded notebook starts with a locked cell that imports the libraries and
calls ``watch_libraries(globals())``. When a notebook is graded, no code runs
before that cell (the grader skips any code cell put above it), so the call
records what ``numpy``, ``torch``, ``helpers`` and the builtins look like
untouched. It returns a function; the hidden tests call it before and after
they run, and it fails when anything it recorded was replaced since
(``np.array_equal = lambda *a: True``, a check switched off, a module swapped
in ``sys.modules``, a name of the first cell rebound, a builtin shadowed, the
instructor's reference answers imported), so work that passed only by
changing the libraries or borrowing answers earns nothing. From the first cell
on, importing the instructor-only packages (``reference``...) fails.

It compares objects by identity and reads no counter of IPython or ipykernel,
whose meaning may change between releases (``tests/test_grading_guard.py``
runs it in a real kernel of the installed releases).

This is a tripwire, not a sandbox: code that sets out to defeat it can, and
that is what the instructor's integrity report (which reads the submitted
code) is for. An honest notebook never trips it.
"""
from __future__ import annotations

import builtins
import contextlib
import re
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import torch
from torch import nn

# Modules whose attributes the hidden tests rely on, directly or through torch.
_MODULES = ("builtins", "math", "operator", "functools", "itertools", "collections", "copy", "types",
            "numpy", "numpy.random", "numpy.linalg", "torch", "torch.nn", "torch.nn.functional",
            "torch.nn.init", "torch.nn.utils", "torch.optim", "torch.random", "torch.utils.data")
# Classes whose methods a submission could replace (numpy's arrays are C types: immutable).
_CLASSES = (torch.Tensor, nn.Module, nn.RNNBase, nn.RNN, nn.LSTM, nn.GRU, nn.Linear, nn.Embedding,
            nn.Dropout, nn.MSELoss, nn.CrossEntropyLoss, nn.BCEWithLogitsLoss,
            torch.optim.Optimizer, torch.optim.Adam, torch.optim.SGD)
# torch's own recurrent kernels, under the names a submission could reach them by.
_KERNELS = ("rnn_tanh", "rnn_relu", "lstm", "gru", "rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell")
# Builtins the hidden tests call: a notebook that shadows one is not graded on trust.
_BUILTINS = ("isinstance", "len", "abs", "all", "any", "float", "int", "list", "tuple", "dict", "set",
             "sorted", "range", "zip", "enumerate", "type", "round", "repr", "str", "bool", "min",
             "max", "sum", "print", "getattr", "hasattr", "issubclass", "callable", "iter", "next",
             "AssertionError", "ValueError", "TypeError", "Exception", "object", "super")


def _public(module: ModuleType) -> dict[str, Any]:
    """The attributes to watch: all of the course's own modules, the public ones elsewhere."""
    own = module.__name__.split(".")[0] == "helpers"
    keep_private = own or module.__name__ == "builtins"
    items = dict(vars(module))
    if module.__name__ == "builtins":
        # The kernel swaps some builtins by design (input while a cell runs, _ for the
        # last output), so only those the tests rely on are watched.
        return {k: items[k] for k in _BUILTINS + ("__import__", "__build_class__", "open") if k in items}
    return {k: v for k, v in items.items() if keep_private or not k.startswith("_")}


def _warm_up() -> None:
    """Let torch make its own one-time changes now, so they are not taken for tampering later.

    The first optimizer of each class wraps its class's ``step`` (a profiling
    hook), and the first one of all imports torch's compiler, which wraps
    ``torch.manual_seed``.
    """
    for cls in (torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.RMSprop,
                torch.optim.Adagrad):
        cls([torch.zeros(1, requires_grad=True)])


def _watched_modules() -> dict[str, ModuleType]:
    names = list(_MODULES) + sorted(n for n in sys.modules if n == "helpers" or n.startswith("helpers."))
    return {n: sys.modules[n] for n in names if isinstance(sys.modules.get(n), ModuleType)}


# Top-level packages of the instructor's edition that a submission must never import.
_INSTRUCTOR_ONLY = ("reference", "grader", "benchmarks", "solutions")


class _InstructorOnlyBlocker:
    """An import hook that refuses the instructor's own packages inside a notebook.

    The instructor's edition of the course keeps its reference answers in
    ``reference/``; a notebook graded inside that course could otherwise reach
    them by putting the course folder on ``sys.path``.
    """

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name.split(".")[0] in _INSTRUCTOR_ONLY:
            raise ImportError(f"{name!r} is instructor-only code; a notebook cannot import it")
        return None


def _block_instructor_code() -> _InstructorOnlyBlocker:
    blocker = next((f for f in sys.meta_path if type(f).__name__ == "_InstructorOnlyBlocker"), None)
    if blocker is None:
        blocker = _InstructorOnlyBlocker()
        sys.meta_path.insert(0, blocker)
    return blocker


# What decides whether a cell failed: the shell's code transformers and error handlers,
# and the methods of the shell and kernel classes that run a cell and report its result.
_SHELL_LISTS = ("ast_transformers", "input_transformers_cleanup", "input_transformers_post")
_SHELL_METHODS = ("run_cell", "run_cell_async", "run_code", "run_ast_nodes", "transform_cell",
                  "showtraceback", "_showtraceback", "showsyntaxerror", "set_custom_exc", "CustomTB",
                  "custom_exceptions", "compile", "displayhook", "display_pub", "events")
_KERNEL_METHODS = ("do_execute", "execute_request", "send_response", "_publish_status", "session")


def _shell_state() -> dict[str, Any]:
    """The kernel's parts that decide how a cell's error is reported: what -> object."""
    shell = getattr(builtins, "get_ipython", lambda: None)()
    if shell is None:
        return {}
    state: dict[str, Any] = {}
    for name in _SHELL_LISTS:
        items = getattr(shell, name, [])
        state[f"the shell's {name}"] = items
        state.update({f"the shell's {name}[{i}]": item for i, item in enumerate(items)})
    for what, owner in (("the shell", shell), ("the kernel", getattr(shell, "kernel", None))):
        if owner is None:
            continue
        state.update({f"{what}'s {name}": vars(owner)[name] for name in _SHELL_METHODS + _KERNEL_METHODS
                      if name in vars(owner)})
        for cls in type(owner).__mro__:
            if cls.__module__.split(".")[0] in ("IPython", "ipykernel"):
                state.update({f"{cls.__qualname__}.{k}": v for k, v in vars(cls).items()})
    return state


def _shell_changes(before: dict[str, Any]) -> list[str]:
    """What was replaced or removed since, name by name, and what was added that runs or reports cells.

    Nothing is counted: an attribute that a later IPython or ipykernel release adds
    by itself is not tampering; a new transformer, or a new override of a method
    that runs cells or reports errors, is.
    """
    now = _shell_state()
    found = [f"{what} was changed" for what, old in before.items() if now.get(what, _MISSING) is not old]
    watched = set(_SHELL_METHODS + _KERNEL_METHODS)
    found += [f"{what} was added" for what in sorted(now.keys() - before.keys())
              if "[" in what or re.split(r"[ .]", what)[-1] in watched]
    return found


def _shadowing(modules: dict[str, ModuleType], folder: Path) -> list[str]:
    """Watched modules loaded from the notebook's own folder (a file that shadows a library)."""
    found = []
    for name, module in modules.items():
        where = getattr(module, "__file__", None)
        if where and folder in Path(where).resolve().parents:
            found.append(f"{name} was imported from {where}, inside the notebook's folder")
    return found


def watch_libraries(namespace: dict[str, Any]) -> Callable[[], None]:
    """Record the libraries as they are now; return ``untouched()``, which checks them later.

    ``namespace``: the notebook's ``globals()``; the names bound in it now (the
    first cell's imports) must still be bound to the same objects later.
    ``untouched()`` raises ``AssertionError`` listing everything that changed,
    and returns None when nothing did. ``untouched.keep(globals(), "name", ...)``
    adds names a later locked cell defines; ``with untouched.without_recurrent_kernels():``
    runs code with torch's own recurrent kernels switched off, and ``with untouched.numpy_only():``
    fails when the code inside calls into torch at all. Called again in the same
    process (the setup cell run twice), it returns the first call's check.
    """
    if not isinstance(namespace, dict):
        raise TypeError(f"namespace must be the notebook's globals() (a dict), got {type(namespace).__name__}")
    if _FIRST:
        # The setup cell run again: the first record stays the only one, so whatever
        # was changed before this call is still found.
        return _FIRST[0]
    _warm_up()
    blocker = _block_instructor_code()
    modules = _watched_modules()
    recorded = {name: _public(module) for name, module in modules.items()}
    methods = {cls: dict(vars(cls)) for cls in _CLASSES}
    names = {k: v for k, v in namespace.items() if not k.startswith("_") or k in ("__builtins__",)}
    problems_at_start = _shadowing(modules, Path.cwd().resolve())
    bare = {name: vars(builtins)[name] for name in _BUILTINS}
    shell = _shell_state()
    finders = list(sys.meta_path)

    def changes() -> list[str]:
        found = list(problems_at_start)
        # Identity only, and no method of an object a submission made is called here:
        # a planted object's __eq__ could otherwise undo its tampering during the check.
        if not any(f is blocker for f in sys.meta_path):
            found.append("the import hook that keeps instructor-only code out was removed")
        found += [f"an import hook was added: {type(f).__qualname__}" for f in sys.meta_path
                  if not any(f is g for g in finders) and type(f).__module__.split(".")[0] not in ("six", "_distutils_hack")]
        found += [f"instructor-only code was imported: {str.__str__(name)}" for name in list(sys.modules)
                  if str.split(str.__str__(name), ".")[0] in _INSTRUCTOR_ONLY]
        found += _shell_changes(shell)
        for name, module in modules.items():
            if sys.modules.get(name) is not module:
                found.append(f"sys.modules[{name!r}] was replaced")
            now = vars(module)
            found += [f"{name}.{k} was replaced" for k, v in recorded[name].items()
                      if k not in now or now[k] is not v]
        for cls, before in methods.items():
            now = vars(cls)
            found += [f"{cls.__module__}.{cls.__qualname__}.{k} was replaced" for k, v in before.items()
                      if k not in now or now[k] is not v]
            found += [f"{cls.__module__}.{cls.__qualname__}.{k} was added" for k in now if k not in before]
        found += [f"the notebook's name {k!r} was rebound" for k, v in names.items()
                  if namespace.get(k, _MISSING) is not v]
        found += [f"the builtin {k!r} is shadowed by the notebook" for k, v in bare.items()
                  if k in namespace and namespace[k] is not v]
        return found

    kept: dict[str, Any] = {}

    def keep(space: dict[str, Any], *keep_names: str) -> None:
        """Also watch these names of ``space`` (test utilities a locked cell defines).

        A name recorded once stays recorded: recording it again bound to
        another object counts as rebinding it.
        """
        for name in keep_names:
            kept.setdefault(name, space.get(name, _MISSING))
        found = [f"the notebook's name {name!r} was rebound" for name in keep_names
                 if space.get(name, _MISSING) is not kept[name]]
        if found:
            raise AssertionError("grading cannot trust this notebook: " + "; ".join(found))

    @contextlib.contextmanager
    def without_recurrent_kernels() -> Iterator[None]:
        """Inside, torch's RNN, LSTM and GRU kernels raise: a cell built by hand must not call them."""
        saved = [(owner, name, vars(owner).get(name, _MISSING))
                 for owner in (torch, sys.modules["torch._VF"]) for name in _KERNELS]
        for owner, name, _ in saved:
            setattr(owner, name, _refuse(name))
        try:
            yield
        finally:
            for owner, name, before in reversed(saved):
                if before is _MISSING:
                    delattr(owner, name)
                else:
                    setattr(owner, name, before)

    @contextlib.contextmanager
    def numpy_only() -> Iterator[None]:
        """Inside, any call into torch fails the check: a NumPy exercise must not hand its work to autograd."""
        calls: list[str] = []
        previous, previous_threads = sys.getprofile(), threading.getprofile()

        def watch(frame: Any, event: str, arg: Any) -> None:
            if event == "call" and frame.f_code.co_filename.startswith(_TORCH_DIR):
                calls.append(frame.f_code.co_name)
            elif event == "c_call" and _is_torch(arg):
                calls.append(getattr(arg, "__name__", "?"))

        sys.setprofile(watch)
        threading.setprofile(watch)   # a thread started inside is watched too
        try:
            yield
        finally:
            replaced = sys.getprofile() is not watch or threading.getprofile() is not watch
            sys.setprofile(previous)
            threading.setprofile(previous_threads)
        if replaced:
            raise AssertionError("the check that this exercise runs on NumPy alone was switched off")
        if calls:
            raise AssertionError(f"this exercise is written in NumPy: it called torch ({calls[0]}), "
                                 "and autograd's answer earns nothing here")

    def untouched() -> None:
        found = changes()
        found += [f"the notebook's name {name!r} was rebound" for name, value in kept.items()
                  if namespace.get(name, _MISSING) is not value]
        if (untouched.keep is not keep or untouched.without_recurrent_kernels is not without_recurrent_kernels
                or untouched.numpy_only is not numpy_only):
            found.append("the grading check itself was changed")
        if found:
            shown = "; ".join(found[:8]) + (f"; and {len(found) - 8} more" if len(found) > 8 else "")
            raise AssertionError(
                "grading cannot trust this notebook: something it relies on was changed since the "
                f"first cell ran: {shown}. Leave the libraries as they are, then restart the kernel "
                "and run all cells.")

    untouched.keep = keep
    untouched.without_recurrent_kernels = without_recurrent_kernels
    untouched.numpy_only = numpy_only
    _FIRST.append(untouched)
    return untouched


_MISSING = object()
_FIRST: list[Callable[[], None]] = []   # the check the first call made
_TORCH_DIR = str(Path(torch.__file__).resolve().parent)


def _is_torch(function: Any) -> bool:
    """Whether a C function the profiler reports belongs to torch (a function or a tensor's method)."""
    owner = getattr(function, "__self__", None)
    module = getattr(function, "__module__", None) or type(owner).__module__
    return str(module).split(".")[0] == "torch"


def _refuse(name: str) -> Callable[..., None]:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"this exercise builds the cell by hand: calling torch's own {name} "
                             "(through nn.LSTM, nn.GRU, nn.RNN or their cells) earns nothing here")
    return refuse


# ---- the words of tests that run in the grader ---------------------------------------------
# When a notebook is graded, its test cells run in the grader's own process and the
# notebook's objects stay in the student's kernel (README: "Writing tests that run in the
# grader"). A test, or a visible check, that needs an object to stay there says so with
# these. Run in the notebook's own kernel (a student's check, nbval), they do nothing
# special: the objects are right here.

class _Here:
    """Where a test's objects live when it runs in the notebook's own kernel."""

    @staticmethod
    def keep(value: Any) -> Any:
        return value

    @staticmethod
    def fetch(value: Any) -> Any:
        return value

    @staticmethod
    def in_kernel(module: str) -> Any:
        import importlib

        return importlib.import_module(module)

    @staticmethod
    def define_in_kernel(source: str) -> dict[str, Any]:
        space: dict[str, Any] = {"__name__": "rnn_course_test_code"}
        exec(compile(source, "<the test's code>", "exec"), space)
        return {k: v for k, v in space.items() if not k.startswith("__")}


_REACH: list[Any] = [_Here]


def keep(value: Any) -> Any:
    """``value`` such that what it returns stays in the student's kernel (a tensor whose graph is needed there)."""
    return _REACH[-1].keep(value)


def fetch(value: Any) -> Any:
    """The value of an object kept in the student's kernel, as plain data; a plain value as it is."""
    return _REACH[-1].fetch(value)


def in_kernel(module: str) -> Any:
    """The module ``module`` as the student's kernel has it, to build objects there (a generator, an optimizer)."""
    if not isinstance(module, str):
        raise TypeError(f"module must be a module's name such as 'numpy.random', got {type(module).__name__}")
    return _REACH[-1].in_kernel(module)


def define_in_kernel(source: str) -> dict[str, Any]:
    """Run ``source`` (a test's own helper classes) in a fresh namespace where the student's code runs; its names."""
    if not isinstance(source, str):
        raise TypeError(f"source must be Python source code (a str), got {type(source).__name__}")
    return _REACH[-1].define_in_kernel(source)


@contextlib.contextmanager
def reaching(place: Any) -> Iterator[None]:
    """Inside, keep/fetch/in_kernel/define_in_kernel reach ``place`` (the grader's kernel link)."""
    _REACH.append(place)
    try:
        yield
    finally:
        _REACH.remove(place)
