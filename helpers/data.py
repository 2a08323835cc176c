"""The course's datasets: where they come from, where they are kept, how they are read.

A small registry (``REGISTRY``) names each dataset's upstream file, its known
hash and how the download becomes the *cached form*: the files the loaders
read. The cache folder is ``RNN_DATA_DIR`` when that is set and ``data/`` at
the repository root otherwise (see ``data_dir``).

    load_anna_karenina()    the novel as one str (Project Gutenberg #1399)
    load_imdb("train")      (reviews, labels) of the Large Movie Review Dataset
    load_co2()              (months, ppm) of NOAA's Mauna Loa monthly mean CO2
    load_tiny_shakespeare() about 40,000 lines of plays in script form, one str

A loader reads the cached form when it is there and otherwise downloads it
once. Downloads go through ``pooch``: the file is streamed to a temporary name,
its hash is checked, and only then is it moved into place; conversions write
temporary names and rename at the end. A cut, truncated or corrupted download
therefore never leaves a file that a later call would trust. When a file is
missing and cannot be downloaded, ``DataUnavailableError`` says which file,
which folder was searched, the URL, and how to put the file there by hand.

``RNN_DATA_URL`` (or the ``base_url`` argument) replaces every upstream folder
with a mirror that holds the upstream files under their upstream names; the
tests point it at a server on 127.0.0.1. ``python -m helpers.data [name ...]``
downloads ahead of time (all datasets when no name is given).
"""
from __future__ import annotations

import contextlib
import logging
import math
import os
import re
import sys
import tarfile
import tempfile
import zlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from . import _validate

DIR_ENV_VAR = "RNN_DATA_DIR"
URL_ENV_VAR = "RNN_DATA_URL"
ROOT = Path(__file__).resolve().parent.parent
CACHE_NAME = "rnn-course"  # the user cache folder's name, for an installed (non-editable) helpers
DEFAULT_TIMEOUT = 60.0
IMDB_SPLITS = ("train", "test")
LABELS = {"positive": 1, "negative": 0}


class DataUnavailableError(RuntimeError):
    """A dataset is not in the cache folder and could not be downloaded or converted."""


Converter = Callable[[Path, Path], object]  # (download, folder) -> ignored


@dataclass(frozen=True)
class Dataset:
    """One registry entry.

    ``base_url + "/" + filename`` is the upstream file; ``known_hash`` is
    ``"md5:..."``/``"sha256:..."`` or ``None`` (not pinned yet: the download is
    accepted and its sha256 printed so a maintainer can pin it). ``files`` is
    the cached form. ``convert(download, folder)`` turns the download into
    those files; with ``convert=None`` the download is saved as ``files[0]``.
    ``by_hand`` tells a person how to place the file; it may use ``{url}`` and
    ``{folder}``.
    """

    name: str
    base_url: str
    filename: str
    known_hash: str | None
    files: tuple[str, ...]
    convert: Converter | None
    by_hand: str

    @property
    def download_name(self) -> str:
        """The name the download is saved under inside the cache folder."""
        return self.files[0] if self.convert is None else self.filename


# --- Where files live -----------------------------------------------------------


def _in_checkout() -> bool:
    """True when helpers runs from its source folder (the repository, the student bundle, ``pip install -e``)."""
    return (ROOT / "pyproject.toml").is_file()


def data_dir() -> Path:
    """The cache folder: ``RNN_DATA_DIR`` if set, else ``data/`` beside ``helpers/``.

    That is the repository's (or the student bundle's) ``data/`` folder; when
    helpers was installed into site-packages (``pip install .``), it is the
    user's cache folder instead (e.g. ``~/.cache/rnn-course`` on Linux).
    A relative ``RNN_DATA_DIR`` is taken relative to the repository root, so it
    means the same folder at the root, in ``tests/`` and in a notebook's folder
    (relative to the current folder for an installed helpers).
    The folder need not exist yet; a download creates it.
    """
    value = os.environ.get(DIR_ENV_VAR, "").strip()
    if _in_checkout():
        return ROOT / Path(value).expanduser() if value else ROOT / "data"  # an absolute value replaces ROOT
    if value:
        return Path(value).expanduser().resolve()
    import pooch

    return Path(pooch.os_cache(CACHE_NAME))


def _folder_note() -> str:
    if os.environ.get(DIR_ENV_VAR, "").strip():
        return f"from {DIR_ENV_VAR}"
    where = "beside helpers/" if _in_checkout() else "your user cache folder, as helpers is installed"
    return f"the default, {where}; set {DIR_ENV_VAR} to use another folder"


def _entry(name: Any) -> Dataset:
    if not isinstance(name, str):
        raise TypeError(f"name must be a dataset name (str), got {_validate._show(name)}")
    _validate.one_of("name", name, sorted(REGISTRY))
    return REGISTRY[name]


def _base_url(base_url: Any) -> str | None:
    if base_url is None:
        return os.environ.get(URL_ENV_VAR, "").strip() or None
    if not isinstance(base_url, str):
        raise TypeError(f"base_url must be a str such as 'http://host/folder', "
                        f"got {_validate._show(base_url)}")
    if not base_url.strip():
        raise ValueError("base_url must not be empty; pass None to use the upstream URL")
    return base_url.strip()


def dataset_url(name: str, base_url: str | None = None) -> str:
    """The URL that ``fetch(name)`` downloads from.

    ``base_url`` (else ``RNN_DATA_URL``, else the registry's upstream folder)
    is joined with the upstream file name.
    """
    entry = _entry(name)
    base = _base_url(base_url) or entry.base_url
    return f"{base.rstrip('/')}/{entry.filename}"


# --- Download and conversion ----------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _reason(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 400 else text[:397] + "..."


def _unavailable(entry: Dataset, folder: Path, url: str, reason: str) -> DataUnavailableError:
    missing = [f for f in entry.files if not (folder / f).is_file()] or list(entry.files)
    return DataUnavailableError(
        f"Cannot get dataset {entry.name!r}: {', '.join(missing)} not in the data "
        f"folder, and it could not be downloaded.\n"
        f"  Reason: {reason}\n"
        f"  Folder searched: {folder} ({_folder_note()})\n"
        f"  URL: {url}\n"
        f"  To place it by hand: {entry.by_hand.format(url=url, folder=folder)}\n"
        f"  Or set {DIR_ENV_VAR} to a folder that already holds "
        f"{', '.join(entry.files)}. See data/README.md."
    )


@contextlib.contextmanager
def _quiet_pooch() -> Iterator[None]:
    """Silence pooch's INFO lines (we print our own) and restore its level after."""
    import pooch

    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _download(entry: Dataset, folder: Path, url: str, progress: bool, timeout: float) -> Path:
    """Download ``url`` into ``folder`` (hash-checked, atomic) or raise DataUnavailableError.

    A file already there under the download name is reused when its hash
    matches (or when the entry has no pinned hash), and replaced otherwise.
    """
    import pooch

    target = folder / entry.download_name
    fresh = not target.is_file()
    if fresh:
        _say(f"Downloading {url} to {target}")
    downloader = pooch.HTTPDownloader(progressbar=progress, timeout=timeout)
    try:
        with _quiet_pooch():
            path = pooch.retrieve(url, entry.known_hash, fname=entry.download_name,
                                  path=folder, downloader=downloader)
    except (OSError, ValueError) as exc:  # requests' errors are OSErrors
        raise _unavailable(entry, folder, url, _reason(exc)) from exc
    if entry.known_hash is None and fresh:
        digest = pooch.file_hash(path, alg="sha256")
        _say(f"Note: dataset {entry.name!r} has no pinned hash yet, so this download "
             f"was accepted unchecked. Its sha256 is {digest}. To pin it, set "
             f"known_hash='sha256:{digest}' for {entry.name!r} in helpers/data.py "
             "(see data/README.md).")
    return Path(path)


def _convert(entry: Dataset, download: Path, folder: Path, url: str) -> None:
    assert entry.convert is not None
    try:
        entry.convert(download, folder)
    except (OSError, ValueError, EOFError, tarfile.TarError, zlib.error) as exc:
        raise _unavailable(entry, folder, url,
                           f"{download.name} could not be converted: {_reason(exc)}") from exc


def fetch(
    name: str,
    *,
    base_url: str | None = None,
    download: bool = True,
    progress: bool = True,
    timeout: float = DEFAULT_TIMEOUT,
) -> dict[str, Path]:
    """Make sure dataset ``name``'s cached files exist; return ``{file name: path}``.

    Files already in ``data_dir()`` are used as they are. Otherwise the
    upstream file (``dataset_url(name, base_url)``) is downloaded, verified and
    converted. ``download=False`` never touches the network. ``progress``
    shows a tqdm bar; ``timeout`` (seconds) bounds every connect and read.
    Raises ``DataUnavailableError`` when the files cannot be had.
    """
    entry = _entry(name)
    url = dataset_url(name, base_url)
    _validate.flag("download", download)
    _validate.flag("progress", progress)
    _validate.positive_number("timeout", timeout)
    folder = data_dir()
    paths = {f: folder / f for f in entry.files}
    if all(p.is_file() for p in paths.values()):
        return paths
    if not download:
        raise _unavailable(entry, folder, url, "downloads are switched off (download=False)")
    raw = _download(entry, folder, url, progress, timeout)
    if entry.convert is not None:
        _convert(entry, raw, folder, url)
    if not all(p.is_file() for p in paths.values()):
        raise _unavailable(entry, folder, url, "the conversion did not produce every file")
    return paths


def _replace_all(contents: Mapping[Path, bytes]) -> None:
    """Write each file under a temporary name, then rename them all into place."""
    temps: dict[Path, Path] = {}
    try:
        for target, data in contents.items():
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
            temps[target] = Path(tmp)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
        for target, tmp in temps.items():
            os.replace(tmp, target)
    finally:
        for tmp in temps.values():
            tmp.unlink(missing_ok=True)


# --- Anna Karenina ----------------------------------------------------------------

_START = re.compile(r"^\*{3}\s*START OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b.*$",
                    re.IGNORECASE | re.MULTILINE)
_END = re.compile(r"^(?:\*{3}\s*END OF (?:THE|THIS) PROJECT GUTENBERG E-?BOOK\b"
                  r"|End of (?:the )?Project Gutenberg(?:'s)?\b)",
                  re.IGNORECASE | re.MULTILINE)
_OPENING = re.compile(r"Happy\s+families\s+are\s+all\s+alike")
_CHAPTER_ONE = re.compile(r"^[ \t]*Chapter[ \t]+(?:1|I|One)\.?[ \t]*$",
                          re.IGNORECASE | re.MULTILINE)


def _normalise(text: str) -> str:
    """Drop a leading byte-order mark and turn CRLF/CR line ends into LF."""
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def strip_gutenberg(text: str) -> str:
    """The body of a Project Gutenberg plain-text eBook.

    Removes a BOM, normalises line ends to ``\\n``, drops everything up to and
    including the ``*** START OF THE/THIS PROJECT GUTENBERG EBOOK ...`` line
    (when there is one) and everything from the first
    ``*** END OF THE/THIS PROJECT GUTENBERG EBOOK ...`` or ``End of (the)
    Project Gutenberg ...`` line on, then strips surrounding whitespace.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {_validate._show(text)}")
    text = _normalise(text)
    start = _START.search(text)
    if start:
        text = text[start.end():]
    end = _END.search(text)
    if end:
        text = text[:end.start()]
    return text.strip()


def _from_first_chapter(text: str, source: Path) -> str:
    """Cut title page and contents: start at the heading of the chapter that opens the novel."""
    opening = _OPENING.search(text)
    if opening is None:
        raise ValueError(
            f"{source} does not look like Anna Karenina: its opening words "
            "'Happy families are all alike' are missing. Delete the file and call "
            "again to download it, or see data/README.md."
        )
    headings = [m for m in _CHAPTER_ONE.finditer(text, 0, opening.start())]
    start = headings[-1].start() if headings else text.rfind("\n", 0, opening.start()) + 1
    return text[start:].lstrip(" \t")


def _accept_anna(download: Path, folder: Path) -> None:
    """Keep the downloaded eBook as ``anna.txt`` (bytes unchanged) if it is the novel."""
    try:
        text = _normalise(download.read_bytes().decode("utf-8"))
        if _OPENING.search(text) is None:
            raise ValueError(
                "the download does not contain the novel's opening words "
                "'Happy families are all alike' (an error page instead of the book?)"
            )
        os.chmod(download, 0o644)
        os.replace(download, folder / "anna.txt")
    finally:
        download.unlink(missing_ok=True)


def load_anna_karenina(*, base_url: str | None = None, download: bool = True) -> str:
    """Leo Tolstoy's *Anna Karenina* (Constance Garnett's translation) as one str.

    Reads ``anna.txt`` from ``data_dir()``, downloading Project Gutenberg
    eBook #1399 when it is missing. The Gutenberg header and licence trailer,
    the title page and contents are removed, a BOM is dropped and line ends
    are ``\\n``: the text starts at "Chapter 1" and ends with the novel's last
    words, whichever form of the file is cached (about 1.97 million characters).
    """
    path = fetch("anna", base_url=base_url, download=download)["anna.txt"]
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not UTF-8 text ({exc}); delete it and call again") from exc
    return _from_first_chapter(strip_gutenberg(raw), path)


# --- IMDB (Large Movie Review Dataset) -----------------------------------------------

_IMDB_MEMBER = re.compile(r"^(?:\./)?aclImdb/(train|test)/(pos|neg)/([^/]+\.txt)$")


def imdb_file_names(split: str) -> tuple[str, str, str]:
    """The cached files of one IMDB split: ``(reviews, labels, sources)`` file names."""
    _validate.one_of("split", split, IMDB_SPLITS)
    return (f"aclImdb_{split}_reviews.txt", f"aclImdb_{split}_labels.txt",
            f"aclImdb_{split}_sources.txt")


def _read_imdb_archive(archive: Path) -> dict[tuple[str, str], dict[str, bytes]]:
    """``{(split, 'pos'|'neg'): {file name: review bytes}}`` from the tar.gz, read in memory."""
    groups: dict[tuple[str, str], dict[str, bytes]] = defaultdict(dict)
    with tarfile.open(archive, "r:*") as tar:
        for member in tar:
            match = _IMDB_MEMBER.match(member.name)
            if match and member.isfile():
                split, label, fname = match.groups()
                handle = tar.extractfile(member)
                assert handle is not None
                groups[(split, label)][fname] = handle.read()
    return groups


def _imdb_split(split: str, pos: Mapping[str, bytes], neg: Mapping[str, bytes],
                archive: Path) -> tuple[bytes, bytes, bytes]:
    """Reviews, labels and sources of one split, interleaved pos/neg in file-name order."""
    if not pos or len(pos) != len(neg):
        raise ValueError(f"{archive.name}: aclImdb/{split} needs as many pos as neg reviews "
                         f"(and at least one), found {len(pos)} pos and {len(neg)} neg")
    reviews, labels, sources = [], [], []
    for pos_name, neg_name in zip(sorted(pos), sorted(neg)):
        for label, fname, group in (("pos", pos_name, pos), ("neg", neg_name, neg)):
            member = f"aclImdb/{split}/{label}/{fname}"
            reviews.append(_checked_review(group[fname], member, archive) + b"\n")
            labels.append(b"positive\n" if label == "pos" else b"negative\n")
            sources.append(member.encode("utf-8") + b"\n")
    return b"".join(reviews), b"".join(labels), b"".join(sources)


def _checked_review(text: bytes, member: str, archive: Path) -> bytes:
    """``text`` unchanged if it is UTF-8 without a line break, else a ValueError naming it."""
    try:
        text.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{archive.name}: {member} is not UTF-8 ({exc})") from exc
    if b"\n" in text:
        raise ValueError(f"{archive.name}: {member} holds a line break, so one review "
                         "per line would not hold")
    return text


def convert_imdb_archive(archive: Path, folder: Path) -> list[Path]:
    """Turn ``aclImdb_v1.tar.gz`` into the six cached text files in ``folder``.

    Per split: ``aclImdb_{split}_reviews.txt`` (one review per line, bytes as
    in the archive, LF), ``..._labels.txt`` (``positive``/``negative``) and
    ``..._sources.txt`` (``aclImdb/<split>/<pos|neg>/<file>``). Line order:
    for each i, the i-th positive then the i-th negative review, each group
    sorted by file name as text. Nothing is extracted to disk; the outputs are
    written under temporary names and renamed at the end. Returns their paths.
    """
    archive, folder = Path(archive), Path(folder)
    groups = _read_imdb_archive(archive)
    contents: dict[Path, bytes] = {}
    for split in IMDB_SPLITS:
        parts = _imdb_split(split, groups[(split, "pos")], groups[(split, "neg")], archive)
        for fname, data in zip(imdb_file_names(split), parts):
            contents[folder / fname] = data
    _replace_all(contents)
    return list(contents)


def _read_lines(path: Path) -> list[str]:
    """Lines of a UTF-8 file split on ``\\n`` only (never ``splitlines``: U+0085 is text)."""
    text = path.read_bytes().decode("utf-8").replace("\r\n", "\n")
    if not text:
        return []
    return text.removesuffix("\n").split("\n")


def _parse_labels(lines: list[str], path: Path) -> list[int]:
    labels = []
    for number, line in enumerate(lines, start=1):
        word = line.strip()
        if word not in LABELS:
            raise ValueError(f"{path}, line {number}: expected 'positive' or 'negative', "
                             f"got {word!r}")
        labels.append(LABELS[word])
    return labels


def load_imdb(
    split: str = "train",
    *,
    base_url: str | None = None,
    download: bool = True,
) -> tuple[list[str], list[int]]:
    """One split of the IMDB Large Movie Review Dataset: ``(reviews, labels)``.

    ``split`` is ``"train"`` or ``"test"`` (25,000 reviews each, half of them
    positive). ``reviews[i]`` is the raw review text (``<br />`` tags kept);
    ``labels[i]`` is 1 for positive and 0 for negative. Downloads and converts
    ``aclImdb_v1.tar.gz`` (about 84 MB) the first time.
    """
    _validate.one_of("split", split, IMDB_SPLITS)
    paths = fetch("imdb", base_url=base_url, download=download)
    reviews_name, labels_name, sources_name = imdb_file_names(split)
    reviews = _read_lines(paths[reviews_name])
    labels = _parse_labels(_read_lines(paths[labels_name]), paths[labels_name])
    n_sources = len(_read_lines(paths[sources_name]))
    if not len(reviews) == len(labels) == n_sources:
        raise ValueError(
            f"the {split} files disagree: {reviews_name} has {len(reviews)} lines, "
            f"{labels_name} {len(labels)} and {sources_name} {n_sources}; delete the "
            f"aclImdb_* files in {paths[reviews_name].parent} and call again"
        )
    return reviews, labels


# --- Mauna Loa CO2 (NOAA GML, monthly means) ------------------------------------------

_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _co2_row(fields: list[str], line: int, path: Path) -> tuple[str, float]:
    """``(year-month, monthly mean in ppm)`` of one data row, read by position."""
    where = f"{path.name}, line {line}"
    if len(fields) != 7:
        raise ValueError(f"{where}: expected 7 comma-separated values (year-month, decimal date, "
                         f"mean, de-seasonalized mean, days, std, uncertainty), got {len(fields)}: "
                         f"{','.join(fields)!r}; delete {path} and call again")
    month = fields[0].strip()
    if not _MONTH.match(month):
        raise ValueError(f"{where}: the first value must be a month such as 1958-03, got {month!r}")
    try:
        mean = float(fields[2])
    except ValueError:
        raise ValueError(f"{where}: the monthly mean (third value) must be a number, got {fields[2]!r}") from None
    if not (math.isfinite(mean) and mean > 0):
        raise ValueError(f"{where}: the monthly mean (third value) must be a positive number of ppm, got {mean}")
    return month, mean


def _next_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:])
    return f"{year + number // 12}-{number % 12 + 1:02d}"


def load_co2(*, base_url: str | None = None, download: bool = True) -> tuple[list[str], np.ndarray]:
    """NOAA's Mauna Loa monthly mean CO2: ``(months, ppm)``.

    ``months``: ``"YYYY-MM"`` strings, consecutive, from 1958-03 on; ``ppm``: the
    monthly mean CO2 in parts per million, float64 of shape ``(len(months),)``.
    Reads ``co2-mm-mlo.csv`` (downloaded when missing, hash-checked). Its header
    names 6 columns but every row holds 7 values, so the rows are read by
    position: year-month, decimal date, monthly mean, de-seasonalized mean,
    days, standard deviation, uncertainty; only the first and third are used.
    A row without 7 values, a first value that is not a month (``YYYY-MM``), a
    mean that is not a positive number, or a missing month raises ``ValueError``
    naming the file and line.
    """
    path = fetch("co2", base_url=base_url, download=download)["co2-mm-mlo.csv"]
    lines = path.read_text(encoding="utf-8").splitlines()
    months: list[str] = []
    values: list[float] = []
    for number, text in enumerate(lines[1:], start=2):  # line 1 is the (wrong) header
        if not text.strip():
            continue
        month, mean = _co2_row(text.split(","), number, path)
        if months and month != _next_month(months[-1]):
            raise ValueError(f"{path.name}, line {number}: {month} follows {months[-1]}; the months "
                             f"between are missing. Delete {path} and call again")
        months.append(month)
        values.append(mean)
    if not months:
        raise ValueError(f"{path} holds no data rows; delete it and call again")
    return months, np.asarray(values, dtype=np.float64)


# --- Tiny Shakespeare ----------------------------------------------------------------


def load_tiny_shakespeare(*, base_url: str | None = None, download: bool = True) -> str:
    """About 40,000 lines of Shakespeare's plays in script form, as one str (1,115,394 characters).

    A speaker's name on its own line ending with ``:``, the speech below, a blank
    line between speeches; ASCII, ``\\n`` line ends. Reads ``tinyshakespeare.txt``
    (the ``input.txt`` of karpathy/char-rnn at a fixed commit), downloading it,
    hash-checked, when it is missing.
    """
    path = fetch("shakespeare", base_url=base_url, download=download)["tinyshakespeare.txt"]
    try:
        return path.read_bytes().decode("ascii")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path} is not the ASCII text it should be ({exc}); delete it and call again") from exc


# --- Registry ---------------------------------------------------------------------

REGISTRY: dict[str, Dataset] = {
    "anna": Dataset(
        name="anna",
        base_url="https://www.gutenberg.org/cache/epub/1399",
        filename="pg1399.txt",
        known_hash=None,  # not pinned yet: see data/README.md
        files=("anna.txt",),
        convert=_accept_anna,
        by_hand="open {url} in a browser and save the page, unchanged, as {folder}/anna.txt",
    ),
    "imdb": Dataset(
        name="imdb",
        base_url="http://ai.stanford.edu/~amaas/data/sentiment",
        filename="aclImdb_v1.tar.gz",
        known_hash="md5:7c2ac02c03563afcf9b574c7e56c153a",
        files=imdb_file_names("train") + imdb_file_names("test"),
        convert=convert_imdb_archive,
        by_hand=("download {url} and save it, unopened, as {folder}/aclImdb_v1.tar.gz; "
                 "the next call checks its md5 and converts it"),
    ),
    "co2": Dataset(
        name="co2",
        # datasets/co2-ppm at a fixed commit: the file at the branch's head changes every month
        base_url=("https://raw.githubusercontent.com/datasets/co2-ppm/"
                  "146bdc608e1078d3e28e7a5d4755fdc316ffed2d/data"),
        filename="co2-mm-mlo.csv",
        known_hash="sha256:46c07e9423aa6ca0723bf6e892ba0ade1488ca6f7d3f14aa0cddd10272fbe59b",
        files=("co2-mm-mlo.csv",),
        convert=None,
        by_hand="open {url} in a browser and save it, unchanged, as {folder}/co2-mm-mlo.csv",
    ),
    "shakespeare": Dataset(
        name="shakespeare",
        base_url=("https://raw.githubusercontent.com/karpathy/char-rnn/"
                  "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare"),
        filename="input.txt",
        known_hash="sha256:86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        files=("tinyshakespeare.txt",),
        convert=None,
        by_hand="open {url} in a browser and save it, unchanged, as {folder}/tinyshakespeare.txt",
    ),
}


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.data [name ...]``: fetch datasets now; 0 on success, 1 if one failed."""
    names = sys.argv[1:] if argv is None else argv
    status = 0
    for name in names or sorted(REGISTRY):
        try:
            for path in fetch(name).values():
                print(path)
        except (DataUnavailableError, ValueError) as exc:
            print(exc, file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
