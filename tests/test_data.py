"""helpers.data: cache folder, registry, hashed atomic downloads, conversions, loaders.

Downloads go only to an HTTP server that these tests start on 127.0.0.1; its
fixture files are made in tmp_path. Tests that read the real copies in the
shared data folder (RNN_DATA_DIR, else ../shared/data) skip when it is absent.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import socket
import struct
import tarfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

from helpers import data
from helpers.data import DataUnavailableError

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("RNN_DATA_DIR") or ROOT.parent / "shared" / "data")
CLOSED_URL = "http://127.0.0.1:9"  # the discard port: nothing listens there
ANNA_LAST_WORDS = 'which I have the power to put into\nit."'

needs_shared_anna = pytest.mark.skipif(not (SHARED / "anna.txt").is_file(),
                                       reason=f"no shared anna.txt in {SHARED}")
needs_shared_imdb = pytest.mark.skipif(not (SHARED / "aclImdb_train_reviews.txt").is_file(),
                                       reason=f"no shared aclImdb files in {SHARED}")


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch) -> Path:
    """Every test gets an empty cache folder and no mirror URL; 127.0.0.1 bypasses proxies."""
    folder = tmp_path / "cache"
    monkeypatch.setenv(data.DIR_ENV_VAR, str(folder))
    monkeypatch.delenv(data.URL_ENV_VAR, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    return folder


def _files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --- A local HTTP server ------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """GET /<mode>/<name>: serve ``files[name]`` well or badly, as ``mode`` says."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # keep the test output quiet
        pass

    def do_GET(self) -> None:
        self.server.hits.append(self.path)
        mode, _, name = self.path.lstrip("/").partition("/")
        body = self.server.files.get(name)
        if body is None or mode not in ("good", "truncated", "gone", "stall"):
            self.send_error(404)
            return
        getattr(self, f"_{mode}")(body)

    def _good(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _truncated(self, body: bytes) -> None:
        """Promise more bytes than are sent, then close the connection cleanly."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(body) + 1000))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.close_connection = True

    def _gone(self, body: bytes) -> None:
        """Chunked transfer that stops mid-way: the connection is reset (RST)."""
        self.send_response(200)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        half = body[: len(body) // 2]
        self.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def _stall(self, body: bytes) -> None:
        """Send the headers and a few bytes, then go silent until the test ends."""
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[:10])
        self.server.release.wait(10)
        self.close_connection = True


class Server:
    def __init__(self) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.files, self.httpd.hits = {}, []
        self.httpd.release = threading.Event()
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, mode: str = "good") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{mode}"

    def put(self, name: str, body: bytes) -> None:
        self.httpd.files[name] = body

    @property
    def hits(self) -> list[str]:
        return self.httpd.hits

    def close(self) -> None:
        self.httpd.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server():
    srv = Server()
    yield srv
    srv.close()


@pytest.fixture
def closed_url() -> str:
    """A URL on a port that was free a moment ago: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


# --- Fixtures: a tiny dataset, an eBook, an aclImdb tarball ------------------------------

TINY = bytes(range(256)) * 40  # 10 kB


def _sha256(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


@pytest.fixture
def tiny(monkeypatch) -> str:
    """Register a dataset 'tiny' whose download is its cached form, hash pinned."""
    entry = data.Dataset(name="tiny", base_url=CLOSED_URL, filename="tiny.bin",
                         known_hash=_sha256(TINY), files=("tiny.bin",), convert=None,
                         by_hand="save {url} as {folder}/tiny.bin")
    monkeypatch.setitem(data.REGISTRY, "tiny", entry)
    return "tiny"


def _pin(monkeypatch, name: str, known_hash: str | None) -> None:
    monkeypatch.setitem(data.REGISTRY, name,
                        dataclasses.replace(data.REGISTRY[name], known_hash=known_hash))


NOVEL = ("Chapter 1\n\n\nHappy families are all alike; every unhappy family is unhappy in its own\n"
         "way.\n\nChapter 2\n\nStepan Arkadyevitch woke up.\n\nPART TWO\n\nChapter 1\n\n"
         'The end, which I have the power to put into\nit."')
HEADER = ("\ufeffThe Project Gutenberg eBook of Anna Karenina, by Leo Tolstoy\n\n"
          "This eBook is for the use of anyone anywhere.\n\n"
          "*** START OF THE PROJECT GUTENBERG EBOOK ANNA KARENINA ***\n\n\n\n"
          "ANNA KARENINA\n\nby Leo Tolstoy\n\nContents\n\n PART ONE\n  Chapter 1\n  Chapter 2\n\n"
          "PART ONE\n\n")
TRAILERS = {
    "the": "\n\n\n*** END OF THE PROJECT GUTENBERG EBOOK ANNA KARENINA ***\n\n"
           "Project Gutenberg licence\n",
    "this": "\n\n*** END OF THIS PROJECT GUTENBERG EBOOK ANNA KARENINA ***\n\n"
            "A Word from Project Gutenberg\n",
    "old": "\n\nEnd of the Project Gutenberg EBook of Anna Karenina, by Leo Tolstoy\n\n"
           "*** END OF THIS PROJECT GUTENBERG EBOOK ANNA KARENINA ***\nlicence\n",
}


def _crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def _ebook(trailer: str = "the") -> bytes:
    """Like the Gutenberg download: BOM, header, title page, contents, novel, trailer; CRLF."""
    return _crlf(HEADER + NOVEL + TRAILERS[trailer])


def _shared_form(trailer: str = "this") -> bytes:
    """Like shared/data/anna.txt: no header, starts at 'Chapter 1', trailer kept; CRLF."""
    return _crlf(NOVEL + TRAILERS[trailer])


def _tar_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, body in members.items():
            info = tarfile.TarInfo(name)
            if body is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
            else:
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
    return buffer.getvalue()


WEIRD = ("Odd: a NEL\u0085inside, a break<br /><br />kept, "
         "caf\u00e9 na\u00efve \u201cquoted\u201d \u2014 fine.")
IMDB_FILES = {
    # names sort as text: 0_9 < 10_8 < 2_7 (not by number)
    "train/pos/2_7.txt": "Third positive.",
    "train/pos/0_9.txt": "First positive.",
    "train/pos/10_8.txt": WEIRD,
    "train/neg/3_2.txt": "Third negative.",
    "train/neg/10_1.txt": "Second negative.",
    "train/neg/0_3.txt": "First negative.",
    "test/pos/5_10.txt": "Test positive.",
    "test/neg/6_1.txt": "Test negative.",
}
TRAIN_ORDER = ["pos/0_9", "neg/0_3", "pos/10_8", "neg/10_1", "pos/2_7", "neg/3_2"]


def _imdb_tarball(files: dict[str, str] = IMDB_FILES) -> bytes:
    members: dict[str, bytes | None] = {"aclImdb": None, "aclImdb/README": b"readme",
                                        "aclImdb/train/urls_pos.txt": b"http://x\n",
                                        "aclImdb/train/labeledBow.feat": b"0:1\n",
                                        "aclImdb/train/unsup/0_0.txt": b"unlabelled"}
    members.update({f"aclImdb/{k}": v.encode("utf-8") for k, v in files.items()})
    return _tar_bytes(members)


# --- Cache folder and URLs ------------------------------------------------------------------


def test_data_dir_default_is_repo_data(monkeypatch):
    monkeypatch.delenv(data.DIR_ENV_VAR)
    assert data.data_dir() == ROOT / "data"


def test_data_dir_of_an_installed_helpers_is_the_user_cache(monkeypatch, tmp_path):
    import pooch

    site_packages = tmp_path / "site-packages"  # what `pip install .` makes ROOT: no pyproject.toml there
    site_packages.mkdir()
    monkeypatch.setattr(data, "ROOT", site_packages)
    monkeypatch.delenv(data.DIR_ENV_VAR, raising=False)
    assert data.data_dir() == Path(pooch.os_cache("rnn-course"))
    assert not data.data_dir().is_relative_to(site_packages)
    monkeypatch.setenv(data.DIR_ENV_VAR, str(tmp_path / "mine"))
    assert data.data_dir() == tmp_path / "mine"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(data.DIR_ENV_VAR, "rel")
    assert data.data_dir() == tmp_path / "rel"  # relative to the current folder: there is no repository


def test_data_dir_env_absolute_and_relative(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DIR_ENV_VAR, str(tmp_path))
    assert data.data_dir() == tmp_path
    monkeypatch.setenv(data.DIR_ENV_VAR, "../shared/data")
    assert data.data_dir() == ROOT / "../shared/data"  # relative to the repo root, not the cwd


def test_dataset_url_registry_env_and_argument(monkeypatch):
    assert data.dataset_url("anna") == "https://www.gutenberg.org/cache/epub/1399/pg1399.txt"
    assert data.dataset_url("imdb") == \
        "http://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
    monkeypatch.setenv(data.URL_ENV_VAR, "http://mirror/x/")
    assert data.dataset_url("imdb") == "http://mirror/x/aclImdb_v1.tar.gz"
    assert data.dataset_url("anna", "http://other") == "http://other/pg1399.txt"


def test_registry_entries_are_consistent():
    assert data.REGISTRY["imdb"].known_hash == "md5:7c2ac02c03563afcf9b574c7e56c153a"
    assert data.REGISTRY["anna"].files == ("anna.txt",)
    assert len(data.REGISTRY["imdb"].files) == 6
    for name, entry in data.REGISTRY.items():
        assert entry.name == name
        assert entry.known_hash is None or entry.known_hash.split(":")[0] in ("md5", "sha256")


@pytest.mark.parametrize("call, kind, words", [
    (lambda: data.fetch("nope"), ValueError, "name must be one of ['anna', 'co2', 'imdb', 'shakespeare'"),
    (lambda: data.fetch(3), TypeError, "name must be a dataset name"),
    (lambda: data.fetch("anna", timeout=0), ValueError, "timeout"),
    (lambda: data.fetch("anna", download="no"), TypeError, "download must be True or False"),
    (lambda: data.fetch("anna", progress=1), TypeError, "progress must be True or False"),
    (lambda: data.fetch("anna", base_url=5), TypeError, "base_url must be a str"),
    (lambda: data.fetch("anna", base_url=" "), ValueError, "base_url must not be empty"),
    (lambda: data.load_imdb("valid"), ValueError, "split must be one of ['train', 'test']"),
    (lambda: data.strip_gutenberg(b"x"), TypeError, "text must be a str"),
])
def test_argument_checks_name_the_argument(call, kind, words):
    with pytest.raises(kind) as info:
        call()
    assert words in str(info.value)


def test_missing_file_without_downloads_is_a_clear_error(cache):
    with pytest.raises(DataUnavailableError) as info:
        data.fetch("anna", download=False)
    message = str(info.value)
    for words in ("anna.txt", str(cache), "https://www.gutenberg.org/cache/epub/1399/pg1399.txt",
                  "by hand", data.DIR_ENV_VAR, "download=False", "data/README.md"):
        assert words in message
    assert not cache.exists()


# --- Anna Karenina: header, trailer, BOM, line ends --------------------------------------


@pytest.mark.parametrize("trailer", sorted(TRAILERS))
def test_strip_gutenberg_removes_header_and_trailer(trailer):
    text = data.strip_gutenberg(_ebook(trailer).decode("utf-8"))
    assert "Gutenberg" not in text and "\r" not in text and "\ufeff" not in text
    assert text.startswith("ANNA KARENINA") and text.endswith(ANNA_LAST_WORDS)


@pytest.mark.parametrize("trailer", sorted(TRAILERS))
def test_anna_is_the_same_from_download_and_shared_forms(cache, trailer):
    cache.mkdir()
    texts = []
    lf_only = _shared_form(trailer).replace(b"\r", b"")
    for body in (_ebook(trailer), _shared_form(trailer), lf_only):
        (cache / "anna.txt").write_bytes(body)
        texts.append(data.load_anna_karenina(download=False))
    assert texts[0] == texts[1] == texts[2] == NOVEL


def test_anna_that_is_not_the_novel_is_refused(cache):
    cache.mkdir()
    (cache / "anna.txt").write_text("<html>Too many requests</html>")
    with pytest.raises(ValueError, match="does not look like Anna Karenina"):
        data.load_anna_karenina(download=False)


@needs_shared_anna
def test_real_shared_anna(monkeypatch):
    monkeypatch.setenv(data.DIR_ENV_VAR, str(SHARED))
    text = data.load_anna_karenina(base_url=CLOSED_URL)  # must not download
    raw = (SHARED / "anna.txt").read_bytes()
    assert text.startswith("Chapter 1\n\n\nHappy families are all alike;")
    assert text.endswith(ANNA_LAST_WORDS)
    assert "Gutenberg" not in text and "\r" not in text
    assert text == raw[:2_006_039].decode("ascii").replace("\r\n", "\n").strip()


# --- IMDB: conversion and loading -----------------------------------------------------


def _lines(path: Path) -> list[str]:
    return path.read_bytes().decode("utf-8").split("\n")


def test_convert_imdb_archive_order_labels_sources(tmp_path, cache):
    archive = tmp_path / "aclImdb_v1.tar.gz"
    archive.write_bytes(_imdb_tarball())
    cache.mkdir()
    written = data.convert_imdb_archive(archive, cache)
    assert sorted(p.name for p in written) == sorted(data.REGISTRY["imdb"].files)
    assert _files_in(cache) == sorted(data.REGISTRY["imdb"].files)  # no temporaries left
    sources = _lines(cache / "aclImdb_train_sources.txt")
    assert sources == [f"aclImdb/train/{s}.txt" for s in TRAIN_ORDER] + [""]
    labels = _lines(cache / "aclImdb_train_labels.txt")
    assert labels == ["positive", "negative"] * 3 + [""]
    reviews = _lines(cache / "aclImdb_train_reviews.txt")
    assert reviews == [IMDB_FILES[f"train/{s}.txt"] for s in TRAIN_ORDER] + [""]
    assert (cache / "aclImdb_test_reviews.txt").read_bytes() == b"Test positive.\nTest negative.\n"

    got, y = data.load_imdb("train", download=False)
    assert got[2] == WEIRD and "\u0085" in got[2] and "<br /><br />" in got[2]
    assert y == [1, 0, 1, 0, 1, 0]
    assert data.load_imdb("test", download=False) == (["Test positive.", "Test negative."], [1, 0])


@pytest.mark.parametrize("files, words", [
    ({**IMDB_FILES, "train/neg/9_1.txt": "extra"}, "as many pos as neg"),
    ({k: v for k, v in IMDB_FILES.items() if not k.startswith("test/")}, "found 0 pos and 0 neg"),
    ({**IMDB_FILES, "train/pos/0_9.txt": "two\nlines"}, "holds a line break"),
])
def test_convert_imdb_archive_refuses_bad_archives(tmp_path, cache, files, words):
    archive = tmp_path / "aclImdb_v1.tar.gz"
    archive.write_bytes(_imdb_tarball(files))
    cache.mkdir()
    with pytest.raises(ValueError, match=words):
        data.convert_imdb_archive(archive, cache)
    assert _files_in(cache) == []


def _write_imdb(folder: Path, reviews: str, labels: str, sources: str) -> None:
    folder.mkdir(exist_ok=True)
    for name in data.REGISTRY["imdb"].files:
        (folder / name).write_text("", encoding="utf-8")
    for kind, body in (("reviews", reviews), ("labels", labels), ("sources", sources)):
        (folder / f"aclImdb_train_{kind}.txt").write_bytes(body.encode("utf-8"))


def test_load_imdb_splits_on_newline_only(cache):
    _write_imdb(cache, "a\u0085b\u2028c\nd\n", "positive\nnegative\n", "s1\ns2\n")
    assert data.load_imdb("train", download=False) == (["a\u0085b\u2028c", "d"], [1, 0])


@pytest.mark.parametrize("labels, sources, words", [
    ("positive\n", "s1\ns2\n", "the train files disagree"),
    ("positive\nnegative\n", "s1\n", "the train files disagree"),
    ("positive\nneutral\n", "s1\ns2\n", "line 2: expected 'positive' or 'negative'"),
])
def test_load_imdb_checks_the_files(cache, labels, sources, words):
    _write_imdb(cache, "one\ntwo\n", labels, sources)
    with pytest.raises(ValueError, match=words):
        data.load_imdb("train", download=False)


@needs_shared_imdb
def test_real_shared_imdb(monkeypatch):
    monkeypatch.setenv(data.DIR_ENV_VAR, str(SHARED))
    for split in data.IMDB_SPLITS:
        reviews, labels = data.load_imdb(split, base_url=CLOSED_URL)  # must not download
        assert len(reviews) == len(labels) == 25_000
        assert sum(labels) == 12_500 and labels[:4] == [1, 0, 1, 0]
        assert sum("\u0085" in r for r in reviews) > 300  # splitlines() would break these
        assert all(r and "\n" not in r for r in reviews)
    first = (SHARED / "aclImdb_train_sources.txt").read_text().split("\n")[:3]
    assert first == ["aclImdb/train/pos/0_9.txt", "aclImdb/train/neg/0_3.txt",
                     "aclImdb/train/pos/10000_8.txt"]


@needs_shared_imdb
def test_conversion_rebuilds_the_shared_files_byte_for_byte(tmp_path, cache):
    """A tarball of the first 300 reviews of each split converts to the same bytes."""
    n, members, expected = 300, {}, {}
    for split in data.IMDB_SPLITS:
        for kind in ("reviews", "labels", "sources"):
            lines = (SHARED / f"aclImdb_{split}_{kind}.txt").read_bytes().split(b"\n")[:n]
            expected[f"aclImdb_{split}_{kind}.txt"] = b"".join(line + b"\n" for line in lines)
        sources = expected[f"aclImdb_{split}_sources.txt"].decode().split("\n")[:n]
        reviews = expected[f"aclImdb_{split}_reviews.txt"].split(b"\n")[:n]
        members.update(zip(sources, reviews))
    archive = tmp_path / "subset.tar.gz"
    archive.write_bytes(_tar_bytes(members))
    cache.mkdir()
    data.convert_imdb_archive(archive, cache)
    for name, body in expected.items():
        assert (cache / name).read_bytes() == body, name


# --- Downloads from a local server ----------------------------------------------------------


@pytest.mark.network
def test_download_with_good_hash_is_kept_and_reused(server, tiny, cache):
    server.put("tiny.bin", TINY)
    paths = data.fetch(tiny, base_url=server.url(), progress=False, timeout=5)
    assert paths["tiny.bin"].read_bytes() == TINY
    assert _files_in(cache) == ["tiny.bin"]
    assert data.fetch(tiny, base_url=server.url(), progress=False, timeout=5) == paths
    assert server.hits == ["/good/tiny.bin"]  # the second call did not download


@pytest.mark.network
def test_mirror_url_from_the_environment(server, tiny, cache, monkeypatch):
    server.put("tiny.bin", TINY)
    monkeypatch.setenv(data.URL_ENV_VAR, server.url())
    assert data.main([tiny]) == 0
    assert (cache / "tiny.bin").read_bytes() == TINY
    assert data.main(["no-such-dataset"]) == 1


@pytest.mark.network
@pytest.mark.parametrize("mode, body", [
    ("good", TINY[:-1] + b"!"),  # wrong hash
    ("truncated", TINY),         # Content-Length larger than the body, then closed
    ("gone", TINY),              # connection reset mid-way through a chunked body
    ("stall", TINY),             # goes silent: the read timeout ends it
    ("missing", TINY),           # 404
], ids=["wrong-hash", "truncated", "gone", "stall", "404"])
def test_failed_download_leaves_no_file(server, tiny, cache, mode, body):
    server.put("tiny.bin", body)
    with pytest.raises(DataUnavailableError) as info:
        data.fetch(tiny, base_url=server.url(mode), progress=False, timeout=0.5)
    assert _files_in(cache) == []
    assert "tiny.bin" in str(info.value) and server.url(mode) in str(info.value)


@pytest.mark.network
def test_unpinned_hash_is_accepted_and_printed(server, tiny, cache, monkeypatch, capsys):
    _pin(monkeypatch, tiny, None)
    server.put("tiny.bin", TINY)
    data.fetch(tiny, base_url=server.url(), progress=False, timeout=5)
    assert hashlib.sha256(TINY).hexdigest() in capsys.readouterr().err
    assert _files_in(cache) == ["tiny.bin"]


@pytest.mark.network
@pytest.mark.parametrize("mode, words", [("truncated", "IncompleteRead"),
                                         ("gone", "ChunkedEncodingError")])
def test_unpinned_cut_download_is_still_refused(server, tiny, cache, monkeypatch, mode, words):
    """Without a hash to check, the HTTP layer must notice the missing bytes."""
    _pin(monkeypatch, tiny, None)
    server.put("tiny.bin", TINY)
    with pytest.raises(DataUnavailableError, match=words):
        data.fetch(tiny, base_url=server.url(mode), progress=False, timeout=5)
    assert _files_in(cache) == []


@pytest.mark.network
def test_no_server_gives_the_clear_error(closed_url, cache):
    with pytest.raises(DataUnavailableError) as info:
        data.load_anna_karenina(base_url=closed_url)
    message = str(info.value)
    for words in ("anna.txt", f"Folder searched: {cache}", f"{closed_url}/pg1399.txt",
                  "To place it by hand", "ConnectionError"):
        assert words in message
    assert _files_in(cache) == []


@pytest.mark.network
def test_anna_download_is_cached_unchanged_and_loaded(server, cache, capsys):
    server.put("pg1399.txt", _ebook())
    assert data.load_anna_karenina(base_url=server.url()) == NOVEL
    assert _files_in(cache) == ["anna.txt"]
    assert (cache / "anna.txt").read_bytes() == _ebook()
    assert hashlib.sha256(_ebook()).hexdigest() in capsys.readouterr().err  # anna is unpinned


@pytest.mark.network
def test_anna_download_that_is_not_the_book_is_refused(server, cache):
    server.put("pg1399.txt", b"<html><body>Service unavailable</body></html>")
    with pytest.raises(DataUnavailableError, match="opening words"):
        data.fetch("anna", base_url=server.url(), progress=False, timeout=5)
    assert _files_in(cache) == []


@pytest.mark.network
def test_imdb_download_is_verified_and_converted(server, cache, monkeypatch):
    tarball = _imdb_tarball()
    _pin(monkeypatch, "imdb", "md5:" + hashlib.md5(tarball).hexdigest())
    server.put("aclImdb_v1.tar.gz", tarball)
    reviews, labels = data.load_imdb("train", base_url=server.url())
    assert reviews == [IMDB_FILES[f"train/{s}.txt"] for s in TRAIN_ORDER]
    assert labels == [1, 0, 1, 0, 1, 0]
    assert _files_in(cache) == sorted(data.REGISTRY["imdb"].files + ("aclImdb_v1.tar.gz",))


@pytest.mark.network
def test_imdb_with_the_wrong_md5_leaves_nothing(server, cache):
    server.put("aclImdb_v1.tar.gz", _imdb_tarball())  # not the real archive's md5
    with pytest.raises(DataUnavailableError, match="MD5 hash of downloaded file"):
        data.load_imdb("train", base_url=server.url())
    assert _files_in(cache) == []


@pytest.mark.network
def test_imdb_archive_placed_by_hand_is_checked_and_converted(cache, monkeypatch, closed_url):
    tarball = _imdb_tarball()
    _pin(monkeypatch, "imdb", "md5:" + hashlib.md5(tarball).hexdigest())
    cache.mkdir()
    (cache / "aclImdb_v1.tar.gz").write_bytes(tarball)
    reviews, _ = data.load_imdb("test", base_url=closed_url)  # no server: no download
    assert reviews == ["Test positive.", "Test negative."]


@pytest.mark.network
def test_imdb_bad_archive_is_a_clear_error(server, cache, monkeypatch):
    tarball = _imdb_tarball({**IMDB_FILES, "test/neg/7_2.txt": "extra"})
    _pin(monkeypatch, "imdb", "md5:" + hashlib.md5(tarball).hexdigest())
    server.put("aclImdb_v1.tar.gz", tarball)
    with pytest.raises(DataUnavailableError, match="could not be converted"):
        data.fetch("imdb", base_url=server.url(), progress=False, timeout=5)
    assert _files_in(cache) == ["aclImdb_v1.tar.gz"]  # verified download kept, no outputs


# --- Mauna Loa CO2 ----------------------------------------------------------------------

CO2_HEADER = "Date,Decimal Date,Average,Interpolated,Trend,Number of Days\n"  # 6 names, as upstream
CO2_ROWS = ["1958-03,1958.2027,315.71,314.44,-01,-9.99,-0.99\n",
            "1958-04,1958.2877,317.45,315.16,-01,-9.99,-0.99\n",
            "1958-05,1958.3699,317.51,314.69,-01,-9.99,-0.99\n"]


def _write_co2(cache: Path, rows: list[str]) -> None:
    cache.mkdir(exist_ok=True)
    (cache / "co2-mm-mlo.csv").write_text(CO2_HEADER + "".join(rows))


def test_co2_reads_by_position_despite_the_six_name_header(cache):
    _write_co2(cache, CO2_ROWS + ["1958-06,1958.4548,317.27,315.15,-01,-9.99,-0.99\n", "\n"])
    months, ppm = data.load_co2(download=False)
    assert months == ["1958-03", "1958-04", "1958-05", "1958-06"]
    assert ppm.dtype == np.float64 and ppm.tolist() == [315.71, 317.45, 317.51, 317.27]


def test_co2_month_after_december_is_january(cache):
    _write_co2(cache, ["1959-12,1959.9,316.0,1,2,3,4\n", "1960-01,1960.0,316.5,1,2,3,4\n"])
    assert data.load_co2(download=False)[0] == ["1959-12", "1960-01"]


@pytest.mark.parametrize("rows, words", [
    (CO2_ROWS[:1] + ["1958-04,1958.2877,317.45,315.16,-01,-9.99\n"], r"line 3: expected 7 comma-separated values .* got 6"),
    (CO2_ROWS[:1] + ["1958-04,1958.2877,n/a,315.16,-01,-9.99,-0.99\n"], r"line 3: the monthly mean \(third value\) must be a number, got 'n/a'"),
    (CO2_ROWS[:1] + ["1958-04,1958.2877,-99.99,315.16,-01,-9.99,-0.99\n"], "must be a positive number of ppm, got -99.99"),
    (CO2_ROWS[:1] + CO2_ROWS[2:], r"line 3: 1958-05 follows 1958-03; the months between are missing"),
    (["58-03,1958.2027,315.71,314.44,-01,-9.99,-0.99\n"], "must be a month such as 1958-03, got '58-03'"),
    (["1958-13,1958.2027,315.71,314.44,-01,-9.99,-0.99\n"], "must be a month such as 1958-03, got '1958-13'"),
    ([], "no data rows"),
])
def test_co2_checks_the_file(cache, rows, words):
    _write_co2(cache, rows)
    with pytest.raises(ValueError, match=words) as info:
        data.load_co2(download=False)
    assert "co2-mm-mlo.csv" in str(info.value)


@pytest.mark.skipif(not (SHARED / "co2-mm-mlo.csv").is_file(), reason=f"no shared co2-mm-mlo.csv in {SHARED}")
def test_real_shared_co2_is_the_pinned_file(monkeypatch):
    monkeypatch.setenv(data.DIR_ENV_VAR, str(SHARED))
    months, ppm = data.load_co2(base_url=CLOSED_URL)  # must not download
    assert (len(months), months[0], months[-1]) == (820, "1958-03", "2026-06")
    assert ppm[0] == 315.71 and ppm[-1] == 431.44 and ppm.min() > 300
    body = (SHARED / "co2-mm-mlo.csv").read_bytes()
    assert _sha256(body) == data.REGISTRY["co2"].known_hash


@pytest.mark.network
def test_co2_downloads_from_a_mirror_and_checks_the_hash(server, cache):
    body = (CO2_HEADER + "".join(CO2_ROWS)).encode()
    server.put("co2-mm-mlo.csv", body)
    with pytest.raises(data.DataUnavailableError, match="co2-mm-mlo.csv"):
        data.load_co2(base_url=server.url())  # not the pinned file: refused, nothing kept
    assert "co2-mm-mlo.csv" not in _files_in(cache)
    shared = SHARED / "co2-mm-mlo.csv"
    if shared.is_file():
        server.put("co2-mm-mlo.csv", shared.read_bytes())
        months, _ = data.load_co2(base_url=server.url())
        assert len(months) == 820 and (cache / "co2-mm-mlo.csv").read_bytes() == shared.read_bytes()


# --- Tiny Shakespeare -------------------------------------------------------------------

needs_shared_shakespeare = pytest.mark.skipif(not (SHARED / "tinyshakespeare.txt").is_file(),
                                              reason=f"no shared tinyshakespeare.txt in {SHARED}")


@needs_shared_shakespeare
def test_real_shared_tiny_shakespeare_is_the_pinned_file(monkeypatch):
    monkeypatch.setenv(data.DIR_ENV_VAR, str(SHARED))
    text = data.load_tiny_shakespeare(base_url=CLOSED_URL)  # must not download
    assert len(text) == 1_115_394 and text.startswith("First Citizen:\nBefore we proceed")
    assert len(set(text)) == 65 and "\r" not in text
    assert _sha256((SHARED / "tinyshakespeare.txt").read_bytes()) == data.REGISTRY["shakespeare"].known_hash


@needs_shared_shakespeare
@pytest.mark.network
def test_tiny_shakespeare_downloads_its_upstream_name_into_its_cached_name(server, cache):
    body = (SHARED / "tinyshakespeare.txt").read_bytes()
    server.put("input.txt", body)
    assert data.load_tiny_shakespeare(base_url=server.url()) == body.decode("ascii")
    assert _files_in(cache) == ["tinyshakespeare.txt"] and server.hits == ["/good/input.txt"]


def test_tiny_shakespeare_that_is_not_ascii_is_refused(cache):
    cache.mkdir()
    (cache / "tinyshakespeare.txt").write_bytes("First Citizen:\nCaf\u00e9\n".encode("utf-8"))
    with pytest.raises(ValueError, match="not the ASCII text it should be"):
        data.load_tiny_shakespeare(download=False)
