"""The words a test uses to reach a notebook's objects: ``keep``, ``fetch``, ``in_kernel``, ``define_in_kernel``.

When a notebook is graded, its test cells run in the grader's own process and
the notebook's objects stay in the student's kernel. A test, or a visible check, that needs an object to
stay there says so with these. Run in the notebook's own kernel (a student's
check, nbval), they do nothing special: the objects are right here.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator


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
