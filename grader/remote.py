"""The grader's end of the link to a student's kernel: proxies for the student's objects, plain data back.

A hidden test runs in the grader's process (``grader.trusted``). There a
name the notebook defined, say ``SimpleRNN``, is a ``Remote``: calling it,
reading an attribute or an item asks the kernel (``grader.kernel_side``) to
do it there. What comes back is decoded here from JSON, strictly:

- plain data becomes a local value: ``None``, bools, ints, floats, strings,
  tuples, lists, dicts, numpy arrays and scalars, torch tensors, sizes,
  dtypes, devices; arrays only with numeric dtypes, and only as many bytes as
  their shape says; a namedtuple becomes one of the grader's own namedtuples
  with the same field names (sent back to the kernel, it is the kernel's object);
- anything else stays in the kernel and comes back as another ``Remote``.

Nothing the kernel sends is executed, imported or unpickled here, so an
object that declares itself equal to everything, or a forged ``__array__``,
never reaches the test: the test compares values it holds itself. Three
functions complete what a test needs:

    keep(remote)        the same object, but what it returns stays in the kernel too
                        (a tensor whose graph or ``.grad`` the test still needs there)
    fetch(value)        a Remote's value as plain data (a value stays as it is)
    in_kernel("torch")  a module as the kernel has it, to build objects there
                        (an optimizer for the student's model, a generator for a sampler)
    define_in_kernel(source)  the test's own helper classes, defined there (a stand-in model
                        the student's function is given); returns their names

``helpers.grading`` has the same names doing nothing special, so the
same test also runs inside a kernel (nbval, the solution notebooks).
"""
from __future__ import annotations

import base64
import binascii
import builtins
import collections
import functools
import importlib
import json
import keyword
from typing import Any, Callable

import numpy as np
import torch

from grader.kernel_side import ANSWER_TYPE, LIMITS  # noqa: F401  (the executor reads ANSWER_TYPE here)

MAX_ANSWER_CHARS = 4 * LIMITS["bytes"] // 3 + 8 * 2**20   # the kernel's bytes in base64, and the JSON around them
MAX_DEPTH = LIMITS["depth"] + 2
MAX_ITEMS = 100_000   # the longest iteration a test may ask for
# Array element types that cross: bools, signed and unsigned ints, floats (never objects or pointers).
DTYPES = {f"{order}{kind}{size}" for order in "<>|=" for kind, sizes in
          (("b", (1,)), ("i", (1, 2, 4, 8)), ("u", (1, 2, 4, 8)), ("f", (2, 4, 8))) for size in sizes}
# Libraries whose classes a Remote may claim for isinstance(); the kernel names them, the grader resolves them.
LIBRARIES = ("torch", "numpy")


class BadAnswer(Exception):
    """The kernel's answer is not plain data as the link defines it (it was cut, forged or too big)."""


class StudentCodeError(Exception):
    """The student's code raised this error in the kernel while the test called it."""

    def __init__(self, kind: str, message: str, where: str = "") -> None:
        super().__init__(f"your code raised {kind}: {message}" + (f"\n{where.rstrip()}" if where else ""))
        self.kind, self.message, self.where = kind, message, where


def _student_error(kind: str, message: str, where: str) -> StudentCodeError:
    """A StudentCodeError that is also the builtin error it names, so ``except ValueError`` in a test works."""
    builtin = getattr(builtins, kind, None) if isinstance(kind, str) and kind.isidentifier() else None
    if isinstance(builtin, type) and issubclass(builtin, Exception) and builtin is not StopIteration:
        cls = type(f"Student{kind}", (StudentCodeError, builtin), {"__init__": StudentCodeError.__init__,
                                                                   "__str__": Exception.__str__})
        return cls(kind, message, where)
    return StudentCodeError(str(kind), message, where)


class Link:
    """Sends requests to the kernel and decodes its answers; ``ask`` is the transport (text in, text out)."""

    def __init__(self, ask: Callable[[str], str]) -> None:
        self._ask = ask
        self._origins: dict[int, tuple[Any, int]] = {}   # id(a decoded namedtuple) -> (it, its kernel object)

    def request(self, op: str, keep: bool = False, **fields: Any) -> Any:
        message = {"op": op, "keep": keep, **fields}
        text = self._ask(base64.b64encode(json.dumps(message, allow_nan=False).encode()).decode())
        if not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS:
            raise BadAnswer("the kernel's answer is missing or too long")
        try:
            reply = json.loads(text)
        except (ValueError, RecursionError) as exc:
            raise BadAnswer(f"the kernel's answer is not JSON ({type(exc).__name__})") from None
        if not isinstance(reply, dict) or len(reply) != 1:
            raise BadAnswer("the kernel's answer has the wrong form")
        if reply == {"stop": True}:
            if op != "next":
                raise BadAnswer("the kernel ended an iteration nobody asked for")
            raise StopIteration
        if "error" in reply:
            error = reply["error"]
            if not isinstance(error, dict):
                raise BadAnswer("the kernel's error report has the wrong form")
            kind, message, where = (error.get(k, "") for k in ("type", "message", "where"))
            if not all(isinstance(x, str) for x in (kind, message, where)):
                raise BadAnswer("the kernel's error report has the wrong form")
            raise _student_error(kind[:100], message[:LIMITS["message"]], where[-LIMITS["message"]:])
        if "ok" not in reply:
            raise BadAnswer("the kernel's answer has the wrong form")
        return self.decode(reply["ok"], keep)

    # -- plain data -> local values --------------------------------------------------------
    def decode(self, value: Any, keep: bool = False, depth: int = 0) -> Any:
        # One flat dispatch over the answer's tags, long on purpose: read top to bottom, it is the
        # whole list of what the grader accepts from a kernel, each form checked where it is decoded.
        if depth > MAX_DEPTH:
            raise BadAnswer("the answer is nested too deeply")
        if value is None or type(value) in (bool, int, str):
            return value
        if type(value) is float:
            return value
        if type(value) is list:   # the items of an iteration
            return [self.decode(v, keep, depth + 1) for v in value]
        if type(value) is not dict or len(value) not in (1, 2, 3):
            raise BadAnswer(f"unexpected {type(value).__name__} in the answer")
        if "$ref" in value:
            ref, types = value.get("$ref"), value.get("type")
            if type(ref) is not int or type(types) is not list or not all(type(t) is str for t in types):
                raise BadAnswer("a reference in the answer has the wrong form")
            return Remote(self, ref, tuple(t[:300] for t in types[:64]), keep)
        if keep:
            raise BadAnswer("the kernel sent a value where a reference was asked for")
        if set(value) == {"$float"} and value["$float"] in ("nan", "inf", "-inf"):
            return float(value["$float"])
        if set(value) == {"$tuple"} and type(value["$tuple"]) is list:
            return tuple(self.decode(v, False, depth + 1) for v in value["$tuple"])
        if set(value) == {"$list"} and type(value["$list"]) is list:
            return [self.decode(v, False, depth + 1) for v in value["$list"]]
        if set(value) == {"$dict"} and type(value["$dict"]) is list:
            out = {}
            for pair in value["$dict"]:
                if type(pair) is not list or len(pair) != 2:
                    raise BadAnswer("a dict in the answer has the wrong form")
                key = self.decode(pair[0], False, depth + 1)
                try:
                    out[key] = self.decode(pair[1], False, depth + 1)
                except TypeError:   # an unhashable key (a list): not plain data
                    raise BadAnswer("a dict in the answer has a key that cannot be one") from None
            return out
        if set(value) == {"$size"} and type(value["$size"]) is list and all(type(n) is int and n >= 0 for n in value["$size"]):
            return torch.Size(value["$size"])
        if set(value) == {"$dtype"} and type(value["$dtype"]) is str:
            dtype = getattr(torch, value["$dtype"], None)
            if not isinstance(dtype, torch.dtype):
                raise BadAnswer(f"unknown dtype {value['$dtype'][:40]!r}")
            return dtype
        if set(value) == {"$device"} and type(value["$device"]) is str:
            try:
                return torch.device(value["$device"][:40])
            except (RuntimeError, ValueError):
                raise BadAnswer("unknown device") from None
        if "$namedtuple" in value and set(value) <= {"$namedtuple", "ref"}:
            return self._namedtuple(value, depth)
        if "$np" in value and set(value) <= {"$np", "scalar"}:
            array = _array(value["$np"])
            return array[()] if value.get("scalar") is True else array
        if "$pt" in value and set(value) <= {"$pt", "requires_grad", "parameter"}:
            array = _array(value["$pt"])
            try:
                tensor = torch.from_numpy(array)
            except TypeError:
                raise BadAnswer(f"torch has no tensor of {array.dtype}") from None
            if value.get("requires_grad") is True and tensor.is_floating_point():
                tensor.requires_grad_(True)
            return tensor
        raise BadAnswer(f"unexpected value {sorted(map(str, value))[:3]} in the answer")

    def _namedtuple(self, value: dict, depth: int) -> tuple:
        """A namedtuple of the grader's own making with the kernel's field names and values."""
        spec, ref = value["$namedtuple"], value.get("ref")
        if type(spec) is not dict or set(spec) != {"name", "fields", "values"}:
            raise BadAnswer("a namedtuple in the answer has the wrong form")
        name, fields, items = spec["name"], spec["fields"], spec["values"]
        names = [name] + (fields if type(fields) is list else [None])
        if not all(type(n) is str and n.isidentifier() and not keyword.iskeyword(n) and not n.startswith("_")
                   and len(n) <= 100 for n in names) or len(fields) > 64 or len(set(fields)) != len(fields):
            raise BadAnswer("a namedtuple in the answer has names that cannot be field names")
        if type(items) is not list or len(items) != len(fields):
            raise BadAnswer("a namedtuple in the answer has the wrong number of values")
        obj = _namedtuple_class(name, tuple(fields))(*(self.decode(v, False, depth + 1) for v in items))
        if type(ref) is int:
            self._origins[id(obj)] = (obj, ref)
        return obj

    # -- local values -> plain data ----------------------------------------------------------
    # The same wire format as kernel_side.Answerer._encode, written twice on purpose: the kernel's
    # copy must stand alone (the sandbox hides this package); tests/test_grading_link.py ties them.
    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ValueError("the test sent a value nested too deeply")
        if type(value) is Remote:
            if value._link is not self:
                raise ValueError("a Remote from another kernel")
            return {"$ref": value._ref}
        origin = self._origins.get(id(value))
        if origin is not None and origin[0] is value:   # a namedtuple the kernel sent: its own object goes back
            return {"$ref": origin[1]}
        kind = type(value)
        if value is None or kind in (bool, int, str):
            return value
        if kind is float:
            return value if value == value and abs(value) != float("inf") else {"$float": repr(value)}
        if kind in (tuple, list):
            return {"$tuple" if kind is tuple else "$list": [self.encode(v, depth + 1) for v in value]}
        if kind is dict:
            return {"$dict": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if isinstance(value, torch.Tensor):
            return {"$pt": _spec(value.detach().cpu().contiguous().numpy()), "requires_grad": value.requires_grad}
        if isinstance(value, (np.ndarray, np.generic)):
            array = np.asarray(value)   # ascontiguousarray would make a scalar or a 0-d array 1-d
            return {"$np": _spec(np.ascontiguousarray(array) if array.ndim else array),
                    "scalar": isinstance(value, np.generic)}
        if kind is torch.Size:
            return {"$size": list(value)}
        if kind is torch.dtype:
            return {"$dtype": str(value).removeprefix("torch.")}
        raise TypeError(f"a test can send plain data or a Remote to the kernel, not a {kind.__name__}; "
                        "build the object there with in_kernel(...)")


@functools.lru_cache(maxsize=256)
def _namedtuple_class(name: str, fields: tuple[str, ...]) -> type:
    return collections.namedtuple(name, fields)


def _spec(array: np.ndarray) -> dict:
    return {"dtype": array.dtype.str, "shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode()}


def _array(spec: Any) -> np.ndarray:
    """An array from the kernel's description, checked field by field; always a fresh copy."""
    if type(spec) is not dict or set(spec) != {"dtype", "shape", "data"}:
        raise BadAnswer("an array in the answer has the wrong form")
    dtype, shape, data = spec["dtype"], spec["shape"], spec["data"]
    if type(dtype) is not str or dtype not in DTYPES:
        raise BadAnswer(f"an array in the answer has an element type that does not cross: {str(dtype)[:20]!r}")
    if type(shape) is not list or len(shape) > 32 or not all(type(n) is int and n >= 0 for n in shape):
        raise BadAnswer("an array in the answer has a wrong shape")
    if type(data) is not str:
        raise BadAnswer("an array in the answer has no data")
    try:
        raw = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise BadAnswer("an array's data in the answer is not base64") from None
    dt = np.dtype(dtype)
    count = 1
    for n in shape:
        count *= n
    if count * dt.itemsize != len(raw):
        raise BadAnswer(f"an array of shape {tuple(shape)} came with {len(raw)} bytes")
    return np.frombuffer(raw, dtype=dt).reshape(shape).copy()


class Remote:
    """An object that stays in the student's kernel; what it gives back is plain data or another Remote."""

    __slots__ = ("_link", "_ref", "_types", "_keep")

    def __init__(self, link: Link, ref: int, types: tuple[str, ...], keep: bool = False) -> None:
        object.__setattr__(self, "_link", link)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_types", types)
        object.__setattr__(self, "_keep", keep)

    def _ask(self, op: str, **fields: Any) -> Any:
        return self._link.request(op, keep=self._keep, ref=self._ref, **fields)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):   # copy, pickle and friends probing: not the student's
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    def __setattr__(self, name: str, value: Any) -> None:
        self._ask("setattr", name=name, value=self._link.encode(value))

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._ask("call", args=[self._link.encode(a) for a in args],
                         kwargs=[[k, self._link.encode(v)] for k, v in kwargs.items()])

    def __getitem__(self, key: Any) -> Any:
        return self._ask("getitem", key=self._link.encode(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        self._ask("setitem", key=self._link.encode(key), value=self._link.encode(value))

    def __len__(self) -> int:
        n = self._link.request("len", ref=self._ref)
        if type(n) is not int or n < 0:
            raise BadAnswer("len() of a student's object came back as something other than a count")
        return n

    def __iter__(self):
        """The kernel's own iterator, walked one item at a time (the first parameter costs one answer)."""
        iterator = self._link.request("iter", keep=True, ref=self._ref)
        if type(iterator) is not Remote:
            raise BadAnswer("an iterator came back as something other than a reference")
        return _Walk(iterator, self._keep)

    def __next__(self) -> Any:
        return self._ask("next")

    def __instancecheck__(self, instance: Any) -> bool:
        """isinstance(x, a class of the student's): asked of the kernel (a visible check's question)."""
        try:
            value = self._link.encode(instance)
        except (TypeError, ValueError):   # a local object of the grader's: never an instance of theirs
            return False
        answer = self._link.request("isinstance", ref=self._ref, value=value)
        if type(answer) is not bool:
            raise BadAnswer("isinstance() came back as something other than True or False")
        return answer

    def __bool__(self) -> bool:
        raise TypeError(f"the truth of {self!r} is decided in the student's kernel: test fetch(x) instead")

    def __eq__(self, other: Any) -> bool:
        raise TypeError(f"{self!r} lives in the student's kernel: compare fetch(x) instead")

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"<{self._types[0] if self._types else 'object'} in the student's kernel>"

    @property
    def __class__(self) -> type:
        """The library class the kernel says this is (for isinstance in checks); Remote for the student's own."""
        for name in self._types:
            module, _, qualname = name.rpartition(".")
            if module.split(".")[0] in LIBRARIES:
                cls = _library_class(module, qualname)
                if cls is not None:
                    return cls
        return Remote


class _Walk:
    """Iterating a Remote: each step asks the kernel for the next item, in the Remote's mode."""

    def __init__(self, iterator: Remote, keep: bool) -> None:
        self.iterator, self.keep, self.count = iterator, keep, 0

    def __iter__(self) -> "_Walk":
        return self

    def __next__(self) -> Any:
        self.count += 1
        if self.count > MAX_ITEMS:
            raise BadAnswer(f"an iteration went on past {MAX_ITEMS} items")
        return self.iterator._link.request("next", keep=self.keep, ref=self.iterator._ref)


def _library_class(module: str, qualname: str) -> type | None:
    try:
        owner: Any = importlib.import_module(module)
    except ImportError:
        return None
    for part in qualname.split("."):
        owner = getattr(owner, part, None)
    return owner if isinstance(owner, type) and owner is not object else None


def keep(value: Any) -> Any:
    """The same object, but whatever it returns stays in the kernel as a Remote (use fetch to read it)."""
    if type(value) is not Remote:
        raise TypeError(f"keep() needs an object in the student's kernel, got a local {type(value).__name__}")
    return Remote(value._link, value._ref, value._types, True)


def fetch(value: Any) -> Any:
    """A Remote's value as plain data (BadAnswer-free values: tensors, arrays, numbers...); a value as it is."""
    if type(value) is Remote:
        return value._link.request("fetch", ref=value._ref)
    return value


def kernel_define(link: Link) -> Callable[[str], dict]:
    def define_in_kernel(source: str) -> dict:
        """Run ``source`` (the test's own helper classes) in a fresh namespace in the kernel: its names."""
        if type(source) is not str:
            raise TypeError(f"define_in_kernel() takes source code, got {type(source).__name__}")
        names = link.request("define", source=source)
        if type(names) is not dict:
            raise BadAnswer("the kernel's namespace came back as something other than a dict")
        return names
    return define_in_kernel


def kernel_import(link: Link) -> Callable[[str], Remote]:
    def in_kernel(module: str) -> Remote:
        """The module ``module`` as the student's kernel has it: build objects there that the student's code uses."""
        if type(module) is not str:
            raise TypeError(f"in_kernel() takes a module name, got {type(module).__name__}")
        return link.request("import", keep=True, module=module)
    return in_kernel
