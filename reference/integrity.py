"""Static integrity report: flags submitted code that tries to cheat the autograder.

Nothing is executed. Every code cell a student wrote or changed is turned from
IPython syntax into Python, parsed with ``ast`` and checked against the tables
below: monkey-patching, rebinding the course's names, instructor-only or
private imports, exits, dynamic code, process, network and file access. The
sandbox is what stops an attack; this report says who tried, where and how.

    python -m reference.integrity char-rnn [--course DIR] [--out DIR]
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
from typing import Any, Callable, Iterable, Iterator

import nbformat
from IPython.core.inputtransformer2 import TransformerManager

RELEASE_DIRECTORY = "notebooks"   # c.CourseDirectory.release_directory in nbgrader_config.py
COLUMNS = ("student", "assignment", "notebook", "cell", "line", "reason")

INSTRUCTOR, MACHINERY, INTERPRETER, SYSTEM = (
    "instructor-only code", "the import machinery", "interpreter internals", "process, network or native access")
# Top-level modules a submission has no business importing, by what they open up.
MODULES: dict[str, str] = {
    **dict.fromkeys(("reference", "tests", "benchmarks", "solutions"), INSTRUCTOR),
    **dict.fromkeys(("importlib", "imp", "runpy", "pkgutil", "zipimport"), MACHINERY),
    **dict.fromkeys(("gc", "inspect", "signal"), INTERPRETER),
    **dict.fromkeys(("subprocess", "ctypes", "cffi", "sqlite3", "socket", "http", "urllib", "requests",
                     "multiprocessing", "threading", "pty", "resource", "shutil"), SYSTEM),
}
# Course cells may import these themselves, so using them is flagged too, not only importing them.
USED_MODULES = frozenset(name for name, kind in MODULES.items() if kind in (MACHINERY, SYSTEM))
# Names and attributes flagged wherever they appear, called or not.
USES: dict[str, str] = {
    "__import__": "imports dynamically", "sys.modules": "reaches the module table",
    "get_ipython().user_ns": "reaches a namespace dynamically",
    "get_ipython().user_global_ns": "reaches a namespace dynamically",
}
# Calls flagged by what they do (fnmatch patterns on the resolved dotted name).
CALLS: dict[str, str] = {
    **dict.fromkeys(("os._exit", "os.abort", "sys.exit", "exit", "quit"), "exits the interpreter"),
    **dict.fromkeys(("exec", "eval", "compile"), "runs code built at run time"),
    "breakpoint": "starts the debugger",
    **dict.fromkeys(("globals", "vars", "locals"), "reaches a namespace dynamically"),
    "sys._getframe": "reaches a stack frame",
    **dict.fromkeys(("sys.settrace", "sys.setprofile"), "installs a tracer"),
    **dict.fromkeys(("os.system", "os.popen", "os.spawn*", "os.exec*", "os.posix_spawn*", "os.fork",
                     "os.forkpty", "os.kill", "os.killpg"), "starts or signals a process"),
    **dict.fromkeys(("os.remove", "os.unlink", "os.rmdir", "os.removedirs", "os.rename", "os.renames",
                     "os.replace"), "deletes or moves files"),
    "os.chdir": "changes the working folder",
    **dict.fromkeys(("os.walk", "os.listdir", "os.scandir"), "lists folders"),
    **dict.fromkeys(("get_ipython().system", "get_ipython().system_raw", "get_ipython().system_piped",
                     "get_ipython().getoutput"), "runs a shell command"),
    **dict.fromkeys(("get_ipython().run_cell", "get_ipython().run_code", "get_ipython().ex",
                     "get_ipython().ev", "get_ipython().push", "get_ipython().magic"), "runs code through IPython"),
}
# Calls that touch a file, and where their path sits: (position, keyword); position None: every argument.
FILE_CALLS: dict[str, tuple[int | None, str]] = {
    "open": (0, "file"), "io.open": (0, "file"), "os.open": (0, "path"),
    "numpy.load": (0, "file"), "numpy.save": (0, "file"), "numpy.fromfile": (0, "file"),
    "numpy.loadtxt": (0, "fname"), "numpy.savetxt": (0, "fname"),
    "torch.load": (0, "f"), "torch.save": (1, "f"),
    **dict.fromkeys(("pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.WindowsPath"), (None, "")),
}
CELL_MAGICS = frozenset({"bash", "sh", "script", "system", "writefile", "python", "python2", "python3", "pypy",
                         "perl", "ruby", "html", "javascript", "js"})
LINE_MAGICS = frozenset({"run", "load", "writefile", "cd", "env", "sx", "sc", "system", "alias", "load_ext",
                         "reload_ext", "reset", "pushd", "popd", "bookmark", "save", "store"})
# Attributes that lead from an object to code, frames or namespaces.
DUNDERS = frozenset({"__code__", "__closure__", "__globals__", "__dict__", "__builtins__", "__subclasses__",
                     "__bases__", "__mro__", "f_globals", "f_locals", "f_back", "tb_frame", "gi_frame", "cr_frame"})
BUILTIN_ROOTS = frozenset({"builtins", "__builtins__"})
# Builtins the hidden tests call (helpers.grading watches the same list at run time).
TESTED_BUILTINS = frozenset(
    "isinstance len abs all any float int list tuple dict set sorted range zip enumerate type round repr str "
    "bool min max sum print getattr hasattr issubclass callable iter next AssertionError ValueError TypeError "
    "Exception object super".split())


@dataclass(frozen=True, order=True)
class Finding:
    """One suspicious spot: ``cell`` is 0-based in the notebook (-1: a file), ``line`` 1-based in the cell."""

    notebook: str
    cell: int
    line: int
    reason: str


@dataclass
class _Context:
    """What the rules need to know about the whole notebook, not just the cell at hand."""

    imports: dict[str, str]                  # local name -> dotted module path, from every cell
    course: dict[str, str | None]            # names the locked cells bind -> module path if imported
    skip_course: bool = False                # the cell being scanned is itself a locked cell


def _show(node: ast.AST, limit: int = 70) -> str:
    text = " ".join(ast.unparse(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _normalize(source: str) -> str:
    """Cell source compared with the release: trailing whitespace never changes what runs."""
    return "\n".join(line.rstrip() for line in source.rstrip().splitlines())


def _parse(source: str) -> ast.Module | SyntaxError:
    try:
        code = TransformerManager().transform_cell(source)
    except Exception:  # a transformer failure must not stop the report: ast says what is wrong
        code = source
    try:
        return ast.parse(code)
    except (SyntaxError, ValueError) as err:   # ValueError: null bytes in the source
        return err if isinstance(err, SyntaxError) else SyntaxError(str(err))


def _imports(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str, ast.AST]]:
    """(local name, dotted path it stands for, alias node) for each name an import binds."""
    for alias in node.names:
        if isinstance(node, ast.Import):   # ``import a.b`` binds ``a``; ``import a.b as c`` binds ``c``
            top = alias.name.split(".")[0]
            yield (alias.asname, alias.name, alias) if alias.asname else (top, top, alias)
        elif alias.name != "*":
            path = ".".join(p for p in (node.module, alias.name) if p)
            yield alias.asname or alias.name, "." * node.level + path, alias


def _qualname(node: ast.AST, ctx: _Context) -> str | None:
    """The dotted name an expression stands for (``np.load`` -> ``numpy.load``), builtins unprefixed."""
    if isinstance(node, ast.Name):
        name = ctx.imports.get(node.id, node.id)
    elif isinstance(node, ast.Attribute):
        base = _qualname(node.value, ctx)
        name = None if base is None else f"{base}.{node.attr}"
    elif isinstance(node, ast.Call) and _show(node.func) == "get_ipython" and not node.args:
        name = "get_ipython()"
    else:
        return None
    return name.removeprefix("builtins.") if name else None


def _root(node: ast.AST) -> str | None:
    """The name an attribute/subscript chain starts from (``torch`` in ``torch.Tensor.tolist``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _literal(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _private_helpers(path: str) -> bool:
    parts = path.split(".")
    return parts[0] == "helpers" and any(p.startswith("_") for p in parts[1:])


# ---- rules: each takes a node and the context and yields reasons --------------------------------

def _attribute(node: ast.Attribute, ctx: _Context) -> Iterator[str]:
    verb = {ast.Store: "rebinds", ast.Del: "deletes"}.get(type(node.ctx))
    root = _root(node)
    if verb and root in BUILTIN_ROOTS:
        yield f"{verb} a builtin: {_show(node)}"
    elif verb and root in ctx.imports:
        yield f"{verb} an attribute of an imported module: {_show(node)}"
    name = _qualname(node, ctx)
    if name in USES:
        yield f"{USES[name]}: {_show(node)}"
    if node.attr in DUNDERS or (node.attr == "__class__" and verb):
        yield f"reaches code or namespaces through {node.attr}: {_show(node)}"
    base = _qualname(node.value, ctx)
    if node.attr.startswith("_") and not node.attr.endswith("__") and base and _private_helpers(f"{base}.{node.attr}"):
        yield f"reaches helpers internals: {base}.{node.attr}"


def _subscript(node: ast.Subscript, ctx: _Context) -> Iterator[str]:
    if not isinstance(node.ctx, ast.Load) and _root(node) in BUILTIN_ROOTS:
        yield f"{'deletes' if isinstance(node.ctx, ast.Del) else 'rebinds'} a builtin: {_show(node)}"


def _name(node: ast.Name, ctx: _Context) -> Iterator[str]:
    name = _qualname(node, ctx)
    if name in USES:
        yield f"{USES[name]}: {node.id}"
    elif isinstance(node.ctx, ast.Load) and node.id in ctx.imports and name.split(".")[0] in USED_MODULES:
        yield f"uses {MODULES[name.split('.')[0]]}: {name}"


def _import(node: ast.Import | ast.ImportFrom, ctx: _Context) -> Iterator[str]:
    if getattr(node, "level", 0):   # a relative import cannot reach anything from a notebook
        return
    modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]
    for module in modules:
        if module.split(".")[0] in MODULES:
            yield f"imports {MODULES[module.split('.')[0]]}: {module}"
        if _private_helpers(module):
            yield f"imports helpers internals: {module}"
    if isinstance(node, ast.ImportFrom) and not _private_helpers(node.module):
        yield from (f"imports helpers internals: {path}" for _, path, _ in _imports(node) if _private_helpers(path))


def _call(node: ast.Call, ctx: _Context) -> Iterator[str]:
    name = _qualname(node.func, ctx) or ""
    if name in ("setattr", "delattr"):
        yield from _dynamic_attribute(node, name, ctx)
    reason = next((why for pattern, why in CALLS.items() if fnmatchcase(name, pattern)), None)
    first = _literal(node.args[0]) if node.args else None
    if reason and name.startswith("get_ipython()"):
        yield f"{reason}: {'!' + first if first is not None else _show(node)}"
    elif reason:
        yield f"{reason}: {name}()"
    if name in FILE_CALLS:
        yield from _file_access(node, *FILE_CALLS[name])
    magics = {"get_ipython().run_line_magic": ("%", LINE_MAGICS), "get_ipython().run_cell_magic": ("%%", CELL_MAGICS)}
    if name in magics and (first is None or first in magics[name][1]):
        prefix, _ = magics[name]
        line = _literal(node.args[1]) if len(node.args) > 1 else None
        shown = f"{prefix}{first} {line or ''}".rstrip() if first is not None else _show(node)
        yield f"runs the {prefix}{first or '(computed)'} magic: {shown}"


def _dynamic_attribute(node: ast.Call, name: str, ctx: _Context) -> Iterator[str]:
    if not node.args:
        return
    target, attr = node.args[0], _literal(node.args[1]) if len(node.args) > 1 else None
    shown = f"{_show(target)}.{attr if attr is not None else '(computed)'}"
    verb = "rebinds" if name == "setattr" else "deletes"
    if _root(target) in BUILTIN_ROOTS:
        yield f"{verb} a builtin: {shown}"
    elif _root(target) in ctx.imports:
        yield f"{verb} an attribute of an imported module: {shown}"
    elif not isinstance(target, ast.Name):
        yield f"{'sets' if name == 'setattr' else 'deletes'} an attribute dynamically: {name}({_show(target)}, ...)"


def _path_problem(arg: ast.AST) -> str | None:
    """Why a path argument may leave the submission's folder, or None for a plain relative literal."""
    text = arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, (str, bytes)) else None
    if text is None:
        return "computed path"
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    if text.startswith("~"):
        return "home folder"
    if PureWindowsPath(text).anchor:   # "/x", "\\x", "C:\\x" alike
        return "absolute path"
    return "parent folder" if ".." in re.split(r"[\\/]", text) else None


def _file_access(node: ast.Call, position: int | None, keyword: str) -> Iterator[str]:
    args = list(node.args) if position is None else node.args[position: position + 1]
    args += [k.value for k in node.keywords if k.arg == keyword or (k.arg is None and position is not None)]
    for arg in args:
        problem = _path_problem(arg)
        if problem:
            yield f"file access outside the submission folder ({problem}): {_show(node.func)}({_show(arg)})"


RULES: dict[type, Callable[[Any, _Context], Iterator[str]]] = {
    ast.Attribute: _attribute, ast.Subscript: _subscript, ast.Name: _name,
    ast.Import: _import, ast.ImportFrom: _import, ast.Call: _call,
}
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda,
           ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _global_bindings(tree: ast.AST) -> Iterator[tuple[str, ast.AST, str | None]]:
    """(name, node, module path if an import) for each name a cell binds in the notebook's namespace."""
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
        if not isinstance(node, _SCOPES):   # names bound inside a function stay local to it
            stack.extend(ast.iter_child_nodes(node))
    # ``global`` makes a function's assignment a notebook-level one.
    yield from ((name, node, None) for node in ast.walk(tree) if isinstance(node, ast.Global) for name in node.names)


def _rebound_names(tree: ast.AST, ctx: _Context) -> Iterator[tuple[ast.AST, str]]:
    for name, node, path in _global_bindings(tree):
        verb = "deletes" if isinstance(getattr(node, "ctx", None), ast.Del) else "rebinds"
        if name in ctx.course and not ctx.skip_course and not (path and path == ctx.course[name]):
            yield node, f"{verb} a name the course defines: {name}"   # re-importing the same module is fine
        elif name in TESTED_BUILTINS:
            yield node, f"{verb} a builtin the tests rely on: {name}"


def _scan_tree(tree: ast.AST, ctx: _Context) -> Iterator[tuple[int, str]]:
    yield from ((getattr(node, "lineno", 1), reason) for node, reason in _rebound_names(tree, ctx))
    for node in ast.walk(tree):
        rule = RULES.get(type(node))
        yield from ((node.lineno, reason) for reason in (rule(node, ctx) if rule else ()))


# ---- notebooks and submissions ------------------------------------------------------------------

def _is_locked(cell: Any) -> bool:
    return cell.get("metadata", {}).get("nbgrader", {}).get("locked", False) is True


def _read_notebook(path: str | Path, argument: str) -> Any:
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"{argument}: expected an existing notebook file (.ipynb), got {str(path)!r}, which does not exist")
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as err:  # nbformat raises many kinds (JSON, schema, encoding): all mean "not a notebook"
        raise ValueError(f"{argument}: expected a Jupyter notebook, got {str(path)!r} ({type(err).__name__}: {err})") from None
    if not isinstance(notebook.get("cells"), list):
        raise ValueError(f"{argument}: expected a Jupyter notebook, got {str(path)!r}, which has no cell list")
    return notebook


def _folder(path: str | Path, argument: str) -> Path:
    path = Path(path)
    if not path.is_dir():
        raise ValueError(f"{argument}: expected an existing folder, got {str(path)!r}")
    return path


def _scan(notebook: Any, name: str, release: Any | None) -> list[Finding]:
    known = {_normalize(c.source) for c in release.cells if c.cell_type == "code"} if release else set()
    course_cells = [c for c in (release or notebook).cells if c.cell_type == "code" and _is_locked(c)]
    trees = {i: _parse(c.source) for i, c in enumerate(notebook.cells) if c.cell_type == "code"}
    course_trees = [t for t in map(_parse, (c.source for c in course_cells)) if isinstance(t, ast.Module)]
    release_trees = [_parse(c.source) for c in release.cells if c.cell_type == "code"] if release else []
    imports = {local: path for tree in release_trees + list(trees.values()) if isinstance(tree, ast.Module)
               for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
               for local, path, _ in _imports(node)}
    course = {n: p for tree in course_trees for n, _, p in _global_bindings(tree)}
    found: set[Finding] = set()
    for index, tree in trees.items():
        if _normalize(notebook.cells[index].source) in known:
            continue   # unchanged course code
        if isinstance(tree, SyntaxError):
            found.add(Finding(name, index, tree.lineno or 1, f"does not parse: {tree.msg}"))
            continue
        ctx = _Context(imports, course, skip_course=release is None and _is_locked(notebook.cells[index]))
        found.update(Finding(name, index, line, reason) for line, reason in _scan_tree(tree, ctx))
    return sorted(found, key=lambda f: (f.cell, f.line, f.reason))


def scan_notebook(path: str | Path, release: str | Path | None = None) -> list[Finding]:
    """Findings for one notebook; only cells that differ from the ``release`` notebook's code are scanned."""
    notebook = _read_notebook(path, "path")
    return _scan(notebook, Path(path).name, _read_notebook(release, "release") if release is not None else None)


SHIPPED = {".py": "a Python file", ".pth": "a path-configuration file", ".so": "a native extension",
           ".pyd": "a native extension", ".pyc": "compiled Python"}


def _extra_files(root: Path) -> Iterator[Finding]:
    """A finding per file, or top folder, that Python could import instead of a library."""
    folders: set[str] = set()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if ".ipynb_checkpoints" in rel.parts or path.is_dir() or path.suffix not in SHIPPED:
            continue
        if len(rel.parts) == 1:
            yield Finding(rel.name, -1, 0, f"ships {SHIPPED[path.suffix]} beside the notebook: {rel.name} "
                                           "(it could shadow a library)")
        elif rel.parts[0] not in folders:
            folders.add(rel.parts[0])
            yield Finding(rel.parts[0] + "/", -1, 0, f"ships a folder with Python code beside the notebook: "
                                                      f"{rel.parts[0]}/ (it could shadow a library)")


def scan_submission(folder: str | Path, release_folder: str | Path | None = None) -> list[Finding]:
    """Findings for every notebook in ``folder`` (each against its namesake in ``release_folder``) and extra files."""
    root = _folder(folder, "folder")
    release_root = _folder(release_folder, "release_folder") if release_folder is not None else None
    findings: list[Finding] = []
    for path in sorted(root.glob("*.ipynb")):
        twin = release_root / path.name if release_root else None
        release = _read_notebook(twin, "release_folder") if twin and twin.is_file() else None
        try:
            notebook = _read_notebook(path, "folder")
        except ValueError as err:   # a broken submission is reported, not fatal for the whole class
            findings.append(Finding(path.name, -1, 0, f"could not be read as a notebook: {err}"))
            continue
        findings += _scan(notebook, path.name, release)
    return findings + list(_extra_files(root))


# ---- reports ------------------------------------------------------------------------------------

def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _cell(value: object) -> str:
    """Text for a markdown table cell: one line, and |, \\ and < cannot break the table."""
    text = " ".join(str(value).split()).replace("\\", "\\\\").replace("|", "\\|")
    return text.replace("<", "&lt;")


def _check_assignment(assignment: object) -> None:
    if not isinstance(assignment, str) or not assignment or Path(assignment).name != assignment:
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
        lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in table]
    else:
        lines.append("No findings.")
    md_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv_path, md_path


def _collect(course_root: str | Path, assignment: str, submitted: str, release: str,
             ) -> tuple[list[tuple[str, str, Finding]], int]:
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
    """Scan ``<course_root>/<submitted>/<student>/<assignment>/`` for every student; write the report.

    Returns the CSV and markdown paths and the number of submissions scanned.
    """
    rows, scanned = _collect(course_root, assignment, submitted, release)
    out = Path(out_dir) if out_dir is not None else Path(course_root) / "reports"
    return (*write_report(rows, out, assignment, scanned=scanned), scanned)


def main(argv: list[str] | None = None) -> int:
    """Command line: write the integrity report of one assignment; findings are not an error."""
    parser = argparse.ArgumentParser(prog="python -m reference.integrity", description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="assignment id, e.g. char-rnn")
    parser.add_argument("--course", default=".", help="nbgrader course root (default: the current folder)")
    parser.add_argument("--out", default=None, help="report folder (default: <course>/reports)")
    args = parser.parse_args(argv)
    try:
        rows, scanned = _collect(args.course, args.assignment, "submitted", "release")
        out = Path(args.out) if args.out is not None else Path(args.course) / "reports"
        csv_path, md_path = write_report(rows, out, args.assignment, scanned=scanned)
    except ValueError as err:
        print(f"python -m reference.integrity: error: {err}", file=sys.stderr)
        return 2
    print(f"integrity report for {args.assignment}: {_plural(scanned, 'submission')} scanned, "
          f"{_plural(len(rows), 'finding')}")
    print(f"  {md_path}\n  {csv_path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
