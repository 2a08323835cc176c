"""Build the student bundle: ``python -m grader.bundle [--out DIR]`` (default DIR: ``<repo>/dist``).

Writes ``DIR/rnn-course-student/`` (rebuilt from scratch each time) and
``DIR/rnn-course-student.zip`` with the same files under ``rnn-course-student/``.
The bundle holds the released notebooks (``notebooks/``), the ``helpers``
package, ``data/README.md``, ``requirements.lock`` (the versions tested), and a student README, ``pyproject.toml``,
``environment.yml`` and ``nbgrader_config.py`` rendered from the templates in
``grader/bundle_files/``. Nothing else: no solution, test, reference answer or grader code.

The zip is reproducible: entries are written in sorted order with a fixed
timestamp and fixed permissions, so two builds of the same tree give
byte-identical zips.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import string
import sys
import tomllib
import zipfile
from pathlib import Path

from grader import INSTRUCTOR_PACKAGES

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = Path(__file__).resolve().parent / "bundle_files"
NAME = "rnn-course-student"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry

# One line per assignment for the student README, in the order students meet them;
# an id missing here gets an empty cell and comes last.
DESCRIPTIONS = {
    "time-series": "an `nn.RNN` that predicts the next value of a sine wave",
    "gru-quiz": "answers about GRU hidden-state shapes, checked on real `nn.GRU`s",
    "rnn-from-scratch": "a character RNN in NumPy with backpropagation through time written by hand, proven by gradient checks",
    "lstm-gates": "an LSTM and a GRU built gate by gate, proven equal to PyTorch's",
    "char-rnn": "a character-level LSTM on *Anna Karenina* that writes text",
    "co2-forecast": "an LSTM that forecasts ten years of Mauna Loa CO2, judged against two simple baselines",
    "word2vec": "skip-gram word vectors with negative sampling, then used by an LSTM classifier",
    "sentiment-rnn": "an LSTM that tells positive from negative IMDB reviews",
    "script-generation": "the project: a word-level LSTM that writes a new scene of a play, judged against a bigram model",
}


def copied_files(root: Path = ROOT) -> dict[str, Path]:
    """Bundle path -> source file, for every file copied unchanged from the repository."""
    files = {p.relative_to(root).as_posix(): p for p in (root / "notebooks").glob("*/*.ipynb")}
    files.update({p.relative_to(root).as_posix(): p for p in (root / "helpers").rglob("*.py")
                  if "__pycache__" not in p.parts})
    files["data/README.md"] = root / "data" / "README.md"
    files["requirements.lock"] = root / "requirements.lock"   # the tested versions: students install them too
    return files


def _packages(root: Path = ROOT) -> list[str]:
    """``helpers`` and each of its subpackages (``helpers.checks``...): what setuptools installs."""
    return sorted(p.parent.relative_to(root).as_posix().replace("/", ".")
                  for p in (root / "helpers").rglob("__init__.py") if "__pycache__" not in p.parts)


def _assignment_rows(notebooks: list[str]) -> str:
    order = list(DESCRIPTIONS)
    notebooks = sorted(notebooks, key=lambda p: (order.index(p.split("/")[1]) if p.split("/")[1] in order
                                                 else len(order), p))
    return "\n".join(f"| `{p.split('/')[1]}` | `{p}` | {DESCRIPTIONS.get(p.split('/')[1], '')} |"
                     for p in notebooks)


def rendered_files(root: Path = ROOT) -> dict[str, str]:
    """Bundle path -> text, for every template in ``grader/bundle_files/``."""
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = project["dependencies"]
    values = {
        "project": NAME,
        "version": project["version"],
        "requires_python": project["requires-python"],
        "dependencies": "\n".join(f"    {json.dumps(d)}," for d in deps),
        "packages": ", ".join(json.dumps(p) for p in _packages(root)),
        "torch": next((d for d in deps if re.match(r"torch\b", d)), "torch"),
        "assignments": _assignment_rows(
            [p for p in copied_files(root) if p.startswith("notebooks/")]),
    }
    return {p.relative_to(TEMPLATES).as_posix():
            string.Template(p.read_text(encoding="utf-8")).substitute(values)
            for p in sorted(TEMPLATES.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def _check_out_dir(out_dir: Path | str | None) -> Path:
    if out_dir is None:
        return ROOT / "dist"
    if not isinstance(out_dir, (str, Path)) or str(out_dir) == "":
        raise ValueError(f"out_dir must be a folder path (str or Path) or None, got {out_dir!r}")
    out = Path(out_dir).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir must be a folder, but {out} is a file")
    for source in ("helpers", "notebooks", "data", *INSTRUCTOR_PACKAGES):
        if out.is_relative_to(ROOT / source):
            raise ValueError(f"out_dir must not lie inside the repository's {source}/ folder, got {out}")
    return out


def _write_zip(folder: Path, zip_path: Path) -> None:
    tmp = zip_path.with_name(zip_path.name + ".part")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, path.read_bytes())
    tmp.replace(zip_path)


def build_bundle(out_dir: Path | str | None = None) -> tuple[Path, Path]:
    """Build the student bundle in ``out_dir`` (default ``<repo>/dist``); return (folder, zip).

    A previous ``rnn-course-student/`` folder there is deleted first. Zip entries are
    sorted and carry a fixed timestamp, so two builds give byte-identical zips.
    Raises ValueError naming ``out_dir`` when it is not a usable folder.
    """
    out = _check_out_dir(out_dir)
    folder, zip_path = out / NAME, out / f"{NAME}.zip"
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for rel, source in copied_files().items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / rel)
    for rel, text in rendered_files().items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    _write_zip(folder, zip_path)
    return folder, zip_path


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # raise instead of printing usage and exiting
        raise ValueError(message)


def main(argv: list[str] | None = None) -> int:
    """Command line: build the bundle and print the folder and the zip."""
    if argv is not None and not (isinstance(argv, (list, tuple)) and all(isinstance(a, str) for a in argv)):
        raise ValueError(f"argv must be a list of strings or None, got {argv!r}")
    parser = _Parser(prog="python -m grader.bundle", description=__doc__.splitlines()[0])
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="folder to build in (default: <repo>/dist)")
    args = parser.parse_args(argv)
    folder, zip_path = build_bundle(args.out)
    print(folder)
    print(zip_path)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ValueError as err:
        sys.exit(f"python -m grader.bundle: error: {err}")
