"""What the grader installs in the student's kernel to answer its requests: objects in, plain data out.

The grader (``grader.execute``) sends this file's source to the kernel once,
as ordinary code (``install_source``), then asks one question per execute request:
``__rnn_grader__.answer("<base64 JSON>")``. The answer travels back as one
display output of the type ``ANSWER_TYPE`` holding JSON text, built from
plain data only (numbers, strings, lists, dicts, arrays as dtype + shape +
bytes) and references to objects that stay here (``{"$ref": id}``).

Nothing here is trusted: the student's code runs in this process and may
replace any of it. That is fine by design. Whatever comes back is data that
the grader decodes strictly and checks against values it computed itself,
so a forged answer can only be a wrong one. This file must not import the
grader (the sandbox hides it); it needs the standard library, and numpy and
torch when the answer holds their arrays.
"""
import base64
import json
import sys
import traceback

ANSWER_TYPE = "application/x-rnn-course-answer"
LIMITS = {"depth": 32, "items": 200_000, "bytes": 48 * 2**20, "message": 2000}


class AnswerTooBig(Exception):
    """The value asked for is larger than an answer may be."""


class NotPlainData(Exception):
    """The grader asked for a value, and this object is not plain data."""


class Answerer:
    """Holds the objects the grader refers to and answers one request at a time."""

    def __init__(self, namespace):
        self.namespace = namespace  # the notebook's globals
        self.objects = {}

    # -- requests --------------------------------------------------------------------------
    def answer(self, request_text):
        try:
            request = json.loads(base64.b64decode(request_text))
            reply = {"ok": self._do(request)}
        except StopIteration:   # the end of an iteration the grader walks one item at a time
            reply = {"stop": True}
        except BaseException as exc:  # the student's error is the answer (KeyboardInterrupt: a time limit)
            reply = {"error": self._error(exc)}
        try:
            text = json.dumps(reply, allow_nan=False)
        except (TypeError, ValueError) as exc:
            text = json.dumps({"error": {"type": "GraderError", "message": f"the answer could not be sent: {exc}"}})
        from IPython.display import publish_display_data

        publish_display_data({ANSWER_TYPE: text})

    def _do(self, request):
        op = request["op"]
        keep = bool(request.get("keep"))
        if op == "global":
            name = request["name"]
            if name not in self.namespace:
                raise NameError(f"name {name!r} is not defined in the notebook")
            return self._send(self.namespace[name], keep)
        if op == "import":
            import importlib

            return self._send(importlib.import_module(request["module"]), True)
        if op == "define":   # a test's helper classes, in a namespace of their own
            space = {"__name__": "rnn_course_test_code"}
            exec(compile(request["source"], "<the test's code>", "exec"), space)
            return self._send({k: v for k, v in space.items() if not k.startswith("__")}, False)
        target = self.objects[request["ref"]]
        if op == "getattr":
            return self._send(getattr(target, request["name"]), keep)
        if op == "setattr":
            setattr(target, request["name"], self._take(request["value"]))
            return None
        if op == "getitem":
            return self._send(target[self._take(request["key"])], keep)
        if op == "setitem":
            target[self._take(request["key"])] = self._take(request["value"])
            return None
        if op == "call":
            args = [self._take(a) for a in request["args"]]
            kwargs = {k: self._take(v) for k, v in request["kwargs"]}
            return self._send(target(*args, **kwargs), keep)
        if op == "len":
            return len(target)
        if op == "isinstance":
            return isinstance(self._take(request["value"]), target)
        if op == "iter":
            return self._send(iter(target), True)
        if op == "next":
            return self._send(next(target), keep)
        if op == "fetch":
            return self._send(target, False, strict=True)
        raise ValueError(f"unknown request {op!r}")

    def _error(self, exc):
        here = Answerer.answer.__code__.co_filename
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != here]
        where = "".join(traceback.format_list(frames[-3:]))
        message = str(exc)[: LIMITS["message"]]
        return {"type": type(exc).__name__, "message": message, "where": where[-LIMITS["message"]:]}

    # -- objects -> plain data -------------------------------------------------------------
    def _ref(self, obj):
        key = len(self.objects) + 1
        self.objects[key] = obj
        names = [f"{c.__module__}.{c.__qualname__}" for c in type(obj).__mro__]
        return {"$ref": key, "type": names}

    def _send(self, obj, keep, strict=False):
        if keep:
            return self._ref(obj)
        budget = {"items": 0, "bytes": 0}
        return self._encode(obj, 0, budget, strict)

    def _encode(self, obj, depth, budget, strict):
        if depth > LIMITS["depth"]:
            raise AnswerTooBig(f"nested deeper than {LIMITS['depth']} levels")
        budget["items"] += 1
        if budget["items"] > LIMITS["items"]:
            raise AnswerTooBig(f"more than {LIMITS['items']} items")
        kind = type(obj)
        if obj is None or kind in (bool, int, str):
            return obj
        if kind is float:
            return obj if obj == obj and abs(obj) != float("inf") else {"$float": repr(obj)}
        if kind in (tuple, list):
            items = [self._encode(x, depth + 1, budget, strict) for x in obj]
            return {"$tuple" if kind is tuple else "$list": items}
        if kind.__bases__ == (tuple,) and isinstance(getattr(kind, "_fields", None), tuple):   # a namedtuple
            items = [self._encode(x, depth + 1, budget, strict) for x in obj]
            spec = {"name": kind.__name__, "fields": list(kind._fields), "values": items}
            return {"$namedtuple": spec, "ref": self._ref(obj)["$ref"]}   # sent back, it is this object again
        if kind is dict:
            return {"$dict": [[self._encode(k, depth + 1, budget, strict), self._encode(v, depth + 1, budget, strict)]
                              for k, v in obj.items()]}
        plain = self._array(obj, budget)
        if plain is not None:
            return plain
        if strict:
            raise NotPlainData(f"a {kind.__module__}.{kind.__qualname__} is not plain data")
        return self._ref(obj)

    def _array(self, obj, budget):
        """numpy arrays and scalars, torch tensors, sizes, dtypes and devices; None for anything else."""
        numpy, torch = sys.modules.get("numpy"), sys.modules.get("torch")
        kind = type(obj)
        if numpy is not None and (kind is numpy.ndarray or (isinstance(obj, numpy.generic) and kind.__module__ == "numpy")):
            array = numpy.asarray(obj)   # ascontiguousarray would make a scalar or a 0-d array 1-d
            array = numpy.ascontiguousarray(array) if array.ndim else array
            if array.dtype.kind not in "biuf":
                return None
            return {"$np": self._bytes(array, budget), "scalar": kind is not numpy.ndarray}
        if torch is not None:
            if kind in (torch.Tensor, torch.nn.Parameter) and obj.layout == torch.strided:
                array = obj.detach().cpu().contiguous()
                if array.dtype in (torch.bfloat16,):
                    array = array.float()
                return {"$pt": self._bytes(array.numpy(), budget), "requires_grad": bool(obj.requires_grad),
                        "parameter": kind is torch.nn.Parameter}
            if kind is torch.Size:
                return {"$size": list(obj)}
            if kind is torch.dtype:
                return {"$dtype": str(obj).removeprefix("torch.")}
            if kind is torch.device:
                return {"$device": str(obj)}
        return None

    def _bytes(self, array, budget):
        budget["bytes"] += array.nbytes
        if budget["bytes"] > LIMITS["bytes"]:
            raise AnswerTooBig(f"more than {LIMITS['bytes']} bytes of arrays")
        return {"dtype": array.dtype.str, "shape": list(array.shape), "data": base64.b64encode(array.tobytes()).decode()}

    # -- plain data from the grader -> objects ----------------------------------------------
    def _take(self, value):
        if not isinstance(value, dict):
            return value
        if "$ref" in value:
            return self.objects[value["$ref"]]
        if "$float" in value:
            return float(value["$float"])
        if "$tuple" in value:
            return tuple(self._take(v) for v in value["$tuple"])
        if "$list" in value:
            return [self._take(v) for v in value["$list"]]
        if "$dict" in value:
            return {self._take(k): self._take(v) for k, v in value["$dict"]}
        if "$size" in value:
            import torch

            return torch.Size(value["$size"])
        if "$dtype" in value:
            import torch

            return getattr(torch, value["$dtype"])
        if "$np" in value or "$pt" in value:
            import numpy

            spec = value.get("$np") or value["$pt"]
            array = numpy.frombuffer(base64.b64decode(spec["data"]), dtype=numpy.dtype(spec["dtype"]))
            array = array.reshape(spec["shape"]).copy()
            if "$np" in value:
                return array[()] if value.get("scalar") else array
            import torch

            tensor = torch.from_numpy(array)
            if value.get("requires_grad"):
                tensor.requires_grad_(True)
            return tensor
        raise ValueError(f"unknown value {sorted(value)}")


def install_source(source: str) -> str:
    """The code that installs this file's ``Answerer`` as ``__rnn_grader__``, touching no other name of the notebook."""
    return ("__rnn_grader__ = (lambda space: (exec(compile({src!r}, '<rnn-course grader>', 'exec'), space), "
            "space['Answerer'](globals()))[1])({{'__name__': 'rnn_course_grader'}})").format(src=source)
