"""Static integrity report: flags submitted code that tries to cheat the autograder.

Nothing runs: each cell a student wrote or changed is turned from IPython syntax
into Python, parsed with ``ast`` and checked against the tables below. The
sandbox is what stops an attack; this report says who tried, where and how.

    python -m grader.integrity char-rnn [--course DIR] [--out DIR]
"""
from __future__ import annotations

import argparse
import ast
import csv
import re
import sys
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path, PureWindowsPath
from typing import Any, Callable, Iterable, Iterator, NamedTuple

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

from grader import INSTRUCTOR_PACKAGES

RELEASE_DIRECTORY = "notebooks"   # c.CourseDirectory.release_directory in nbgrader_config.py
FIRST_CELL = "setup"   # grade_id of each notebook's locked first cell (the grader's too: grader.execute)
COLUMNS = ("student", "assignment", "notebook", "cell", "line", "reason")
INSTRUCTOR, MACHINERY, INTERPRETER, SYSTEM = (
    "instructor-only code", "the import machinery", "interpreter internals", "process, network or native access")
# Top-level modules a submission has no business importing, by what they open up.
MODULES: dict[str, str] = {
    **dict.fromkeys((*INSTRUCTOR_PACKAGES, "tests", "benchmarks", "solutions"), INSTRUCTOR),
    **dict.fromkeys(("importlib", "imp", "runpy", "pkgutil", "zipimport"), MACHINERY),
    **dict.fromkeys(("gc", "inspect", "signal"), INTERPRETER),
    **dict.fromkeys(("subprocess", "ctypes", "cffi", "sqlite3", "socket", "http", "urllib", "requests",
                     "multiprocessing", "threading", "pty", "resource", "shutil"), SYSTEM)}
# Course cells may import these themselves, so a use is flagged too, not only an import.
USED_MODULES = frozenset(name for name, kind in MODULES.items() if kind in (MACHINERY, SYSTEM))
# Names and attributes flagged wherever they appear, called or not.
USES = {"__import__": "imports dynamically", "sys.modules": "reaches the module table",
        "sys.meta_path": "changes how imports are found", "sys.path_hooks": "changes how imports are found",
        "get_ipython().user_ns": "reaches a namespace dynamically",
        "get_ipython().user_global_ns": "reaches a namespace dynamically"}
# Calls flagged by what they do: fnmatch patterns on the resolved dotted name.
CALLS: dict[str, str] = {
    **dict.fromkeys(("os._exit", "os.abort", "sys.exit", "exit", "quit"), "exits the interpreter"),
    **dict.fromkeys(("exec", "eval", "compile"), "runs code built at run time"),
    **dict.fromkeys(("globals", "vars", "locals"), "reaches a namespace dynamically"),
    "breakpoint": "starts the debugger", "sys._getframe": "reaches a stack frame",
    **dict.fromkeys(("object.__setattr__", "object.__delattr__", "type.__setattr__", "type.__delattr__"),
                    "sets an attribute dynamically"),
    **dict.fromkeys(("sys.settrace", "sys.setprofile"), "installs a tracer"),
    **dict.fromkeys(("os.system", "os.popen", "os.spawn*", "os.exec*", "os.posix_spawn*", "os.fork", "os.forkpty",
                     "os.kill", "os.killpg"), "starts or signals a process"),
    **dict.fromkeys(("os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.rename", "os.renames",
                     "os.replace"), "deletes or moves files"),
    **dict.fromkeys(("os.symlink", "os.link", "os.mkfifo", "os.mknod"), "makes links or special files"),
    "os.chdir": "changes the working folder",
    **dict.fromkeys(("os.walk", "os.listdir", "os.scandir"), "lists folders"),
    **dict.fromkeys(("get_ipython().system", "get_ipython().system_raw", "get_ipython().system_piped",
                     "get_ipython().getoutput"), "runs a shell command"),
    **dict.fromkeys(("get_ipython().run_cell", "get_ipython().run_code", "get_ipython().ex", "get_ipython().ev",
                     "get_ipython().push", "get_ipython().magic"), "runs code through IPython"),
    # torch's own recurrent kernels: the lstm-gates exercises build these by hand (nn.LSTM and
    # friends stay allowed: the other assignments' models use them)
    **dict.fromkeys(("torch.rnn_tanh*", "torch.rnn_relu*", "torch.lstm*", "torch.gru*", "torch._VF.*",
                     "torch._C.*"), "calls torch's own recurrent or internal kernel")}
# Calls that touch a file, and where the path sits: (position or None for every one, keyword).
FILE_CALLS: dict[str, tuple[int | None, str]] = {
    "open": (0, "file"), "io.open": (0, "file"), "os.open": (0, "path"), "numpy.load": (0, "file"),
    "numpy.save": (0, "file"), "numpy.fromfile": (0, "file"), "numpy.loadtxt": (0, "fname"),
    "numpy.savetxt": (0, "fname"), "torch.load": (0, "f"), "torch.save": (1, "f"),
    **dict.fromkeys(("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath"), (None, ""))}
MAGICS = {  # what `%name` / `%%name` become, and the magics that reach the shell, files or the namespace
    "get_ipython().run_line_magic": ("%", frozenset(
        "run load writefile cd env sx sc system alias load_ext reload_ext reset pushd popd bookmark save store"
        .split())),
    "get_ipython().run_cell_magic": ("%%", frozenset(
        "bash sh script system writefile python python2 python3 pypy perl ruby html javascript js".split()))}
# Attributes that lead from an object to code, frames or namespaces.
DUNDERS = frozenset("__code__ __closure__ __globals__ __dict__ __builtins__ __subclasses__ __bases__ __mro__ "
                    "f_globals f_locals f_back tb_frame gi_frame cr_frame".split())
BUILTIN_ROOTS = frozenset({"builtins", "__builtins__"})
# Builtins the hidden tests call: shadowing one in the notebook is reported.
TESTED_BUILTINS = frozenset(
    "isinstance len abs all any float int list tuple dict set sorted range zip enumerate type round repr str "
    "bool min max sum print getattr hasattr issubclass callable iter next AssertionError ValueError TypeError "
    "Exception object super".split())
SHIPPED = {".py": "a Python file", ".pth": "a path-configuration file", ".so": "a native extension",
           ".pyd": "a native extension", ".pyc": "compiled Python"}
VERBS = {ast.Store: "rebinds", ast.Del: "deletes"}


@dataclass(frozen=True, order=True)
class Finding:
    """One suspicious spot: ``cell`` is 0-based in the notebook (-1: a file), ``line`` 1-based in the cell."""

    notebook: str
    cell: int
    line: int
    reason: str


class _Context(NamedTuple):
    """What the rules know about the whole notebook, beyond the cell at hand."""

    imports: dict[str, str]          # local name -> dotted path it was imported as, from every cell
    course: dict[str, str | None]    # names the locked cells define -> dotted path when an import binds them


def _show(node: ast.AST, limit: int = 70) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _normalize(source: str) -> str:
    """Source as compared with the release: trailing whitespace does not change what runs."""
    return "\n".join(line.rstrip() for line in source.rstrip().splitlines())


def _parse(source: str) -> ast.Module | SyntaxError:
    try:
        code = TransformerManager().transform_cell(source)
    except Exception:  # a transformer failure must not end the report: ast then says what is wrong
        code = source
    try:
        return ast.parse(code)
    except SyntaxError as err:
        return err
    except (ValueError, RecursionError, MemoryError) as err:   # a null byte; nesting deeper than CPython takes
        return SyntaxError(str(err) or type(err).__name__)


def _imports(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str, ast.AST]]:
    """(local name, dotted path it stands for, alias node) for each name an import binds."""
    for alias in node.names:
        if isinstance(node, ast.Import):   # `import a.b` binds `a`; `import a.b as c` binds `c`
            top = alias.name.split(".")[0]
            yield (alias.asname, alias.name, alias) if alias.asname else (top, top, alias)
        elif alias.name != "*":
            path = "." * node.level + ".".join(filter(None, (node.module, alias.name)))
            yield alias.asname or alias.name, path, alias


def _qualname(node: ast.AST, ctx: _Context) -> str | None:
    """The dotted name an expression stands for (`np.load` -> `numpy.load`), builtins unprefixed."""
    if isinstance(node, ast.Name):
        name = ctx.imports.get(node.id, node.id)
    elif isinstance(node, ast.Attribute):
        base = _qualname(node.value, ctx)
        name = base and f"{base}.{node.attr}"
    elif isinstance(node, ast.Call) and _show(node.func) == "get_ipython" and not node.args:
        name = "get_ipython()"   # IPython syntax becomes calls on this object
    else:
        return None
    return name.removeprefix("builtins.") if name else None


def _root(node: ast.AST) -> str | None:
    """The name an attribute/subscript chain starts from (`torch` in `torch.Tensor.tolist`)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _private_helpers(path: str) -> bool:
    parts = path.split(".")
    return parts[0] == "helpers" and any(p.startswith("_") for p in parts[1:])


# ---- rules: each takes one node and the context and yields reasons --------------------------------

def _store(node: ast.Attribute | ast.Subscript, ctx: _Context) -> Iterator[str]:
    verb, root = VERBS.get(type(node.ctx)), _root(node)
    if verb and root in BUILTIN_ROOTS:
        yield f"{verb} a builtin: {_show(node)}"
    elif verb and root in ctx.imports and isinstance(node, ast.Attribute):
        yield f"{verb} an attribute of an imported module: {_show(node)}"


def _use(node: ast.Name | ast.Attribute, ctx: _Context) -> Iterator[str]:
    name = _qualname(node, ctx) or ""
    if isinstance(node, ast.Name) and (node.id == "__builtins__" or ctx.imports.get(node.id) == "builtins"):
        yield f"hides what it reaches: {node.id}"   # every builtin, by a name the report cannot follow
    if name in USES:
        yield f"{USES[name]}: {_show(node)}"
    elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in ctx.imports \
            and name.split(".")[0] in USED_MODULES:
        yield f"uses {MODULES[name.split('.')[0]]}: {name}"


# What IPython syntax (`%magic`, `!cmd`) turns into; other parts of the shell are flagged.
SHELL_SYNTAX = frozenset({"run_line_magic", "run_cell_magic", "system", "getoutput"})


def _attribute(node: ast.Attribute, ctx: _Context) -> Iterator[str]:
    if _qualname(node.value, ctx) == "get_ipython()" and node.attr not in SHELL_SYNTAX:
        yield f"reaches the IPython shell (how cells run and fail): {_show(node)}"
    if node.attr in DUNDERS or (node.attr == "__class__" and not isinstance(node.ctx, ast.Load)):
        yield f"reaches code or namespaces through {node.attr}: {_show(node)}"
    base = _qualname(node.value, ctx)   # dunders are the rule above's business
    if node.attr[:1] == "_" and not node.attr.endswith("__") and base and _private_helpers(f"{base}.{node.attr}"):
        yield f"reaches helpers internals: {base}.{node.attr}"


def _import(node: ast.Import | ast.ImportFrom, ctx: _Context) -> Iterator[str]:
    if getattr(node, "level", 0):   # a relative import reaches nothing from a notebook
        return
    modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
    for module in modules:
        if module.split(".")[0] in MODULES:
            yield f"imports {MODULES[module.split('.')[0]]}: {module}"
        if _private_helpers(module):
            yield f"imports helpers internals: {module}"
    if isinstance(node, ast.ImportFrom) and not _private_helpers(node.module):   # from helpers.x import _y
        yield from (f"imports helpers internals: {path}" for _, path, _ in _imports(node) if _private_helpers(path))


def _call(node: ast.Call, ctx: _Context) -> Iterator[str]:
    name = _qualname(node.func, ctx) or ""
    first = _literal(node.args[0]) if node.args else None
    if name in ("setattr", "delattr"):
        yield from _dynamic_attribute(node, name, ctx)
    if (computed := _computed_attribute(node, name)) is not None:
        yield f"hides what it reaches: {computed}"
    reason = next((why for pattern, why in CALLS.items() if fnmatchcase(name, pattern)), None)
    if reason:
        shown = _show(node) if name.startswith("get_ipython()") else name + "()"
        yield f"{reason}: {'!' + first if reason == 'runs a shell command' and first is not None else shown}"
    if name in FILE_CALLS:
        yield from _file_access(node, *FILE_CALLS[name])
    prefix, risky = MAGICS.get(name, ("", ()))
    if prefix and first is None:
        yield f"runs a magic chosen at run time: {_show(node)}"
    elif first in risky:
        line = _literal(node.args[1]) if len(node.args) > 1 else None
        yield f"runs the {prefix}{first} magic" + (f": {prefix}{first} {line}" if line else "")


# Calls that read an attribute by name, and where the name sits: a name built at run time hides the target.
NAMED_READS = {"getattr": 1, "hasattr": 1, "operator.attrgetter": 0, "object.__getattribute__": 1,
               "type.__getattribute__": 1}


def _computed_attribute(node: ast.Call, name: str) -> str | None:
    """``getattr(x, <computed>)`` and its kin: what the report shows, or None for a literal name."""
    position = NAMED_READS.get(name)
    if position is None and isinstance(node.func, ast.Attribute) and node.func.attr == "__getattribute__":
        position = 0   # x.__getattribute__(name)
    if position is None:
        return None
    args = node.args[position:] if name == "operator.attrgetter" else node.args[position: position + 1]
    if args and all(_literal(a) is not None for a in args):
        return None
    return f"{_show(node.func)}(..., <computed name>)" if args else None


def _dynamic_attribute(node: ast.Call, name: str, ctx: _Context) -> Iterator[str]:
    if not node.args:
        return
    target, attr = node.args[0], _literal(node.args[1]) if len(node.args) > 1 else None
    shown, verb = f"{_show(target)}.{attr or '(computed)'}", "rebinds" if name == "setattr" else "deletes"
    if _root(target) in BUILTIN_ROOTS:
        yield f"{verb} a builtin: {shown}"
    elif _root(target) in ctx.imports:
        yield f"{verb} an attribute of an imported module: {shown}"
    elif not isinstance(target, ast.Name):   # setattr(self, ...) on a local object is fine
        yield f"{'sets' if name == 'setattr' else 'deletes'} an attribute dynamically: {name}({_show(target)}, ...)"


def _path_problem(arg: ast.AST) -> str | None:
    """Why a path argument may leave the submission's folder; None for a plain relative literal."""
    text = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, (str, bytes)) else None
    if text is None:
        return "computed path"
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    if text.startswith("~"):
        return "home folder"
    if PureWindowsPath(text).anchor:   # "/x", "\\x" and "C:\\x" alike
        return "absolute path"
    return "parent folder" if ".." in re.split(r"[\\/]", text) else None


def _file_access(node: ast.Call, position: int | None, keyword: str) -> Iterator[str]:
    args = list(node.args) if position is None else node.args[position: position + 1]
    args += [k.value for k in node.keywords if k.arg == keyword or (k.arg is None and position is not None)]
    for arg in args:
        if problem := _path_problem(arg):
            shown = _show(node) if position is None else f"{_show(node.func)}({_show(arg)})"
            yield f"file access outside the submission folder ({problem}): {shown}"


RULES: dict[type, tuple[Callable[[Any, _Context], Iterator[str]], ...]] = {
    ast.Attribute: (_store, _use, _attribute), ast.Subscript: (_store,), ast.Name: (_use,),
    ast.Import: (_import,), ast.ImportFrom: (_import,), ast.Call: (_call,)}
COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda, *COMPREHENSIONS)


def _walrus_targets(comprehension: ast.AST) -> Iterator[tuple[str, ast.AST, None]]:
    """`(x := ...)` inside a comprehension binds x in the scope around it (PEP 572), here the notebook's."""
    stack = list(ast.iter_child_nodes(comprehension))
    while stack:
        node = stack.pop()
        if isinstance(node, ast.NamedExpr):
            yield node.target.id, node.target, None
        if not isinstance(node, SCOPES) or isinstance(node, COMPREHENSIONS):   # nested comprehensions too
            stack.extend(ast.iter_child_nodes(node))


def _global_bindings(tree: ast.AST) -> Iterator[tuple[str, ast.AST, str | None]]:
    """(name, node, dotted path if an import) for each name a cell binds in the notebook's namespace."""
    stack = list(ast.iter_child_nodes(tree))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield from ((local, alias, path) for local, path, alias in _imports(node))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield node.name, node, None
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            yield node.id, node, None
        elif isinstance(node, ast.ExceptHandler) and node.name:
            yield node.name, node, None
        if not isinstance(node, SCOPES):   # what a function binds stays local to it...
            stack.extend(ast.iter_child_nodes(node))
        elif isinstance(node, COMPREHENSIONS):
            yield from _walrus_targets(node)
    # ...unless it says `global`
    yield from ((name, node, None) for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names)


def _rebound_names(tree: ast.AST, ctx: _Context) -> Iterator[tuple[ast.AST, str]]:
    for name, node, path in _global_bindings(tree):
        verb = VERBS.get(type(getattr(node, "ctx", None)), "rebinds")
        # Importing the module the course imported under the same name changes nothing.
        if name in ctx.course and not (path and path == ctx.course[name]):
            yield node, f"{verb} a name the course defines: {name}"
        elif name in TESTED_BUILTINS:
            yield node, f"{verb} a builtin the tests rely on: {name}"


def _magic_code(node: ast.AST, ctx: _Context) -> tuple[ast.Module, int] | None:
    """The Python inside a magic (`%time x = 1`, `%%capture` and a body), with its line offset in the cell."""
    if not isinstance(node, ast.Call):
        return None
    where = {"get_ipython().run_line_magic": (1, node.lineno - 1), "get_ipython().run_cell_magic": (2, node.lineno)}
    position, offset = where.get(_qualname(node.func, ctx), (None, 0))
    code = _literal(node.args[position]) if position is not None and len(node.args) > position else None
    tree = _parse(code) if code else None
    return (tree, offset) if isinstance(tree, ast.Module) else None


def _scan_tree(tree: ast.AST, ctx: _Context, offset: int = 0) -> Iterator[tuple[int, str]]:
    yield from ((offset + getattr(node, "lineno", 1), reason) for node, reason in _rebound_names(tree, ctx))
    # get_ipython().x is the attribute rule's; the shell kept whole, to be used later, is this one's
    based = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    yield from ((offset + n.lineno, "reaches the IPython shell (how cells run and fail): get_ipython() kept whole")
                for n in ast.walk(tree) if isinstance(n, ast.Call) and id(n) not in based
                and _qualname(n, ctx) == "get_ipython()")
    for node in ast.walk(tree):
        for rule in RULES.get(type(node), ()):
            yield from ((offset + node.lineno, reason) for reason in rule(node, ctx))
        if inner := _magic_code(node, ctx):   # magics such as %time and %%capture run their text as code
            yield from _scan_tree(inner[0], ctx, offset + inner[1])


# ---- notebooks and submissions ---------------------------------------------------------------------

def _nbgrader(cell: Any, flag: str) -> bool:
    return cell.get("metadata", {}).get("nbgrader", {}).get(flag, False) is True


def _read_notebook(path: str | Path, argument: str) -> Any:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{argument}: expected an existing notebook file, got {str(path)!r} (no such file)")
    try:
        notebook = nbformat.read(path, as_version=4)
        if not isinstance(notebook.get("cells"), list):
            raise TypeError("no list of cells")
    except Exception as err:  # nbformat raises many kinds (JSON, schema, encoding): all mean "not a notebook"
        raise ValueError(f"{argument}: expected a Jupyter notebook, got {str(path)!r} ({err})") from None
    return notebook


def _folder(path: str | Path, argument: str) -> Path:
    if not Path(path).is_dir():
        raise ValueError(f"{argument}: expected an existing folder, got {str(path)!r}")
    return Path(path)


def _course_names(cells: list[Any]) -> dict[str, str | None]:
    """Names the locked cells define -> dotted path where an import binds them.

    A graded test cell binds its own names when it runs, before it uses them, so
    only its imports count; the setup cell and the other locked cells (the test
    utilities the hidden tests rely on) count in full.
    """
    trees = [t if isinstance(t, ast.Module) else ast.Module([], []) for t in (_parse(c.source) for c in cells)]
    bound = [{name: path for name, _, path in _global_bindings(tree)} for tree in trees]
    return {name: path for cell, names in zip(cells, bound) for name, path in names.items()
            if not _nbgrader(cell, "grade") or path is not None}


def _scan(notebook: Any, name: str, release: Any | None) -> list[Finding]:
    """Scan the code cells of ``notebook`` that are not code cells of ``release`` as they were released."""
    released = [c for c in release.cells if c.cell_type == "code"] if release else []
    known = {_normalize(c.source) for c in released}
    trees = {i: _parse(c.source) for i, c in enumerate(notebook.cells) if c.cell_type == "code"}
    imports = {local: path for tree in [*map(_parse, (c.source for c in released)), *trees.values()]
               if isinstance(tree, ast.Module) for node in ast.walk(tree)
               if isinstance(node, (ast.Import, ast.ImportFrom)) for local, path, _ in _imports(node)}
    course = _course_names([c for c in (release or notebook).cells
                            if c.cell_type == "code" and _nbgrader(c, "locked")])
    found: set[Finding] = set()   # a set: one finding per line and reason
    found.update(_first_cell_findings(notebook, name, release))
    restored = _restored(notebook, release)
    for index, tree in trees.items():
        cell = notebook.cells[index]
        if _normalize(cell.source) in known or index in restored:
            continue   # the course's own code, as released or as nbgrader puts it back
        if isinstance(tree, SyntaxError):
            found.add(Finding(name, index, tree.lineno or 1, f"does not parse: {tree.msg}"))
            continue
        # Without a release, the locked cells are where the course names come from, not rebindings of them.
        ctx = _Context(imports, {} if release is None and _nbgrader(cell, "locked") else course)
        try:
            found.update(Finding(name, index, line, reason) for line, reason in _scan_tree(tree, ctx))
        except RecursionError:   # code nested this deep is itself worth a look, and must not end the report
            found.add(Finding(name, index, 1, "could not be analysed: nested too deeply"))
    return sorted(found)


def _grade_id(cell: Any) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _restored(notebook: Any, release: Any | None) -> set[int]:
    """Cells nbgrader puts back from the gradebook before grading: what a student wrote there never runs.

    A locked cell of the release, found by its grade_id, once: an id copied onto
    other cells is kept on one of them only, so then every copy is read.
    """
    if release is None:
        return set()
    locked = {_grade_id(c) for c in release.cells if _nbgrader(c, "locked")} - {None}
    ids = [_grade_id(c) for c in notebook.cells]
    return {i for i, g in enumerate(ids) if g in locked and ids.count(g) == 1}


def setup_copies(cells: list[Any], source: str | None) -> list[int]:
    """Indexes of the code cells holding ``source`` (stripped): the first is where the setup runs."""
    if source is None:
        return []
    return [i for i, c in enumerate(cells) if c.cell_type == "code" and c.source.strip() == source]


def setup_source(cells: list[Any], first_cell: str = FIRST_CELL) -> str | None:
    """The stripped source of the last cell whose grade_id is ``first_cell`` (the one nbgrader keeps)."""
    setups = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == first_cell]
    return setups[-1].source.strip() if setups else None


def _first_cell_findings(notebook: Any, name: str, release: Any | None) -> Iterator[Finding]:
    """Code above the setup cell (the grader does not run it), a setup cell pasted twice, or none left.

    As in the grader (grader.execute), the setup is the first code cell holding the setup's source.
    """
    source = setup_source((release or notebook).cells)
    if source is None:
        return
    copies = setup_copies(notebook.cells, source)
    if not copies:
        yield Finding(name, 0, 0, f"the locked first cell ({FIRST_CELL!r}) was removed or changed: nothing "
                                  "records the libraries before the tests")
        return
    for index in copies[1:]:
        yield Finding(name, index, 1, f"a copy of the locked first cell ({FIRST_CELL!r}): it appears "
                                      f"{len(copies)} times")
    for index, cell in enumerate(notebook.cells[:copies[0]]):
        if cell.cell_type == "code" and cell.source.strip():
            yield Finding(name, index, 1, f"code above the locked first cell ({FIRST_CELL!r}), which records "
                                          "the libraries: it did not run when graded")


def scan_notebook(path: str | Path, release: str | Path | None = None) -> list[Finding]:
    """Findings for one notebook; only code cells that differ from those of ``release`` are scanned."""
    notebook = _read_notebook(path, "path")
    return _scan(notebook, Path(path).name, _read_notebook(release, "release") if release is not None else None)


def _extra_files(root: Path) -> Iterator[Finding]:
    """One finding per file, or top-level folder, that Python could import in place of a library."""
    folders: set[str] = set()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if ".ipynb_checkpoints" in rel.parts:
            continue
        if path.is_symlink():   # a link to a folder can shadow a library as well as a file can
            yield Finding(rel.as_posix(), -1, 0, f"ships a link beside the notebook: {rel.as_posix()} "
                                                 "(it could shadow a library or reach outside the folder)")
        elif path.is_dir() or path.suffix not in SHIPPED:
            continue
        elif len(rel.parts) == 1:
            yield Finding(rel.name, -1, 0, f"ships {SHIPPED[path.suffix]} beside the notebook: {rel.name} "
                                           "(it could shadow a library)")
        elif rel.parts[0] not in folders:
            folders.add(rel.parts[0])
            yield Finding(rel.parts[0] + "/", -1, 0, "ships a folder with Python code beside the notebook: "
                                                      f"{rel.parts[0]}/ (it could shadow a library)")


def scan_submission(folder: str | Path, release_folder: str | Path | None = None) -> list[Finding]:
    """Findings for each notebook in ``folder`` (against its namesake in ``release_folder``) and extra files."""
    root = _folder(folder, "folder")
    release_root = _folder(release_folder, "release_folder") if release_folder is not None else None
    findings: list[Finding] = []
    for path in sorted(root.glob("*.ipynb")):
        twin = release_root / path.name if release_root else None
        release = _read_notebook(twin, "release_folder") if twin and twin.is_file() else None
        try:
            notebook = _read_notebook(path, "folder")
        except ValueError:   # one broken submission is a finding, not the end of the class's report
            findings.append(Finding(path.name, -1, 0, f"could not be read as a notebook: {path.name}"))
            continue
        findings += _scan(notebook, path.name, release)
    return findings + list(_extra_files(root))


# ---- reports -------------------------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _markdown_cell(value: object) -> str:
    """One line, with `\\`, `|` and `<` escaped so that no value can break the table."""
    return " ".join(str(value).split()).replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;")


def _check_assignment(assignment: object) -> None:
    if not isinstance(assignment, str) or assignment in ("", ".", "..") or Path(assignment).name != assignment:
        raise ValueError(f"assignment: expected an assignment folder name such as 'char-rnn', got {assignment!r}")


def write_report(rows: Iterable[tuple[str, str, Finding]], out_dir: str | Path, assignment: str,
                 scanned: int | None = None) -> tuple[Path, Path]:
    """Write ``integrity-<assignment>.csv`` and ``.md`` into ``out_dir``; ``scanned``: submissions read."""
    _check_assignment(assignment)
    ordered = sorted(rows, key=lambda r: (r[0], r[2].notebook, r[2].cell, r[2].line, r[2].reason))
    table = [(s, a, f.notebook, f.cell, f.line, f.reason) for s, a, f in ordered]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = out / f"integrity-{assignment}.csv", out / f"integrity-{assignment}.md"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([COLUMNS, *table])
    flagged = len({row[0] for row in table})
    summary = (f"{_plural(scanned, 'submission')} scanned, {flagged} with findings." if scanned is not None
               else f"{_plural(flagged, 'submission')} with findings (the number scanned was not given).")
    lines = [f"# Integrity report: {assignment}", "", summary, ""]
    if table:
        lines += ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        lines += ["| " + " | ".join(map(_markdown_cell, row)) + " |" for row in table]
    else:
        lines.append("No findings.")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv_path, md_path


def _collect(course_root: str | Path, assignment: str, submitted: str,
             release: str) -> tuple[list[tuple[str, str, Finding]], int]:
    """(student, assignment, finding) rows for every submission of ``assignment``, and how many there were."""
    root = _folder(course_root, "course_root")
    _check_assignment(assignment)
    students = _folder(root / submitted, "submitted")
    release_folder = next((p for p in (root / release / assignment, root / RELEASE_DIRECTORY / assignment)
                           if p.is_dir()), None)
    rows, scanned = [], 0
    for student in sorted(p for p in students.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if (student / assignment).is_dir():
            scanned += 1
            rows += [(student.name, assignment, f) for f in scan_submission(student / assignment, release_folder)]
    return rows, scanned


def report_course(course_root: str | Path, assignment: str, out_dir: str | Path | None = None,
                  submitted: str = "submitted", release: str = "release") -> tuple[Path, Path, int]:
    """Scan ``<course_root>/<submitted>/<student>/<assignment>/`` for every student and write the report.

    Returns the CSV and markdown paths and the number of submissions scanned.
    """
    rows, scanned = _collect(course_root, assignment, submitted, release)
    out = Path(out_dir) if out_dir is not None else Path(course_root) / "reports"
    return (*write_report(rows, out, assignment, scanned=scanned), scanned)


def main(argv: list[str] | None = None) -> int:
    """Command line: write one assignment's integrity report; findings are not an error."""
    parser = argparse.ArgumentParser(prog="python -m grader.integrity", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="assignment id, e.g. char-rnn")
    parser.add_argument("--course", default=".", help="nbgrader course root (default: the current folder)")
    parser.add_argument("--out", default=None, help="report folder (default: <course>/reports)")
    args = parser.parse_args(argv)
    try:
        rows, scanned = _collect(args.course, args.assignment, "submitted", "release")
        out = Path(args.out) if args.out is not None else Path(args.course) / "reports"
        csv_path, md_path = write_report(rows, out, args.assignment, scanned=scanned)
    except ValueError as err:
        print(f"python -m grader.integrity: error: {err}", file=sys.stderr)
        return 2
    print(f"integrity report for {args.assignment}: {_plural(scanned, 'submission')} scanned, "
          f"{_plural(len(rows), 'finding')}\n  {md_path}\n  {csv_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
