"""Model discovery and ``liandong asr install`` against a local HTTP server."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from asr import catalog
from asr.errors import ModelChecksumMismatch, ModelDownloadFailed, ModelInvalid, ModelMissing
from asr.install import RemoteModel, install
from asr.settings import AsrSettings


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


MODEL_ZIP = _zip(
    {
        "vosk-model-small-cn-0.22/am/final.mdl": b"\0" * 4096,
        "vosk-model-small-cn-0.22/conf/mfcc.conf": b"--sample-frequency=16000\n",
        "vosk-model-small-cn-0.22/graph/HCLr.fst": b"\0" * 1024,
    }
)


@pytest.fixture
def server() -> Iterator[tuple[str, dict[str, bytes]]]:
    files: dict[str, bytes] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", files
    httpd.shutdown()
    httpd.server_close()


def test_download_verifies_sha256_unpacks_and_is_then_discovered(
    server: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    base, files = server
    files["/m.zip"] = MODEL_ZIP
    seen: list[int] = []
    remote = RemoteModel(
        "vosk-model-small-cn-0.22", f"{base}/m.zip", hashlib.sha256(MODEL_ZIP).hexdigest()
    )
    path = install(remote, tmp_path, lambda done, total: seen.append(done))
    assert path == tmp_path / "vosk-model-small-cn-0.22"
    assert (path / "am" / "final.mdl").exists()
    assert seen[-1] == len(MODEL_ZIP)
    assert not list(tmp_path.glob("*.zip*"))  # the archive is removed after unpacking
    found = catalog.resolve(AsrSettings(model_dir=tmp_path), "zh")
    assert (found.name, found.source) == ("vosk-model-small-cn-0.22", "installed")


def test_wrong_checksum_leaves_nothing_behind(
    server: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    base, files = server
    files["/m.zip"] = MODEL_ZIP
    with pytest.raises(ModelChecksumMismatch) as e:
        install(RemoteModel("vosk-model-small-cn-0.22", f"{base}/m.zip", "0" * 64), tmp_path)
    assert e.value.error_id == "asr-model-checksum-mismatch"
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ModelMissing):
        catalog.resolve(AsrSettings(model_dir=tmp_path), "zh")


def test_http_error_and_unsafe_archive_are_typed_errors(
    server: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    base, files = server
    with pytest.raises(ModelDownloadFailed):
        install(RemoteModel("x", f"{base}/missing.zip", "0" * 64), tmp_path)
    evil = _zip({"../escape/am/final.mdl": b"x"})
    files["/evil.zip"] = evil
    with pytest.raises(ModelInvalid):
        install(RemoteModel("evil", f"{base}/evil.zip", hashlib.sha256(evil).hexdigest()), tmp_path)
    assert not (tmp_path.parent / "escape").exists()
    notmodel = _zip({"readme.txt": b"hi"})
    files["/nm.zip"] = notmodel
    with pytest.raises(ModelInvalid):
        install(RemoteModel("nm", f"{base}/nm.zip", hashlib.sha256(notmodel).hexdigest()), tmp_path)
    assert not (tmp_path / "nm").exists()


def test_pip_installed_korean_model_is_detected(ko_model: Path) -> None:
    found = catalog.resolve(AsrSettings(model_dir=Path("/nonexistent")), "ko")
    assert found.source == "package" and found.path == ko_model
    assert catalog.health(AsrSettings(language="ko"))["status"] == "ok"
    # The center's language is Mandarin: with only Korean, ASR is degraded.
    h = catalog.health(AsrSettings(language="zh"))
    assert h["status"] == "degraded" and "liandong asr install zh" in str(h["detail"])


def test_a_path_that_is_no_model_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelInvalid):
        catalog.resolve(AsrSettings(), "zh", tmp_path)


INSTALL = [sys.executable, "-m", "liandong", "asr", "install", "zh", "--url"]


def test_install_command_shows_progress_and_lists_the_model(
    server: tuple[str, dict[str, bytes]], tmp_path: Path
) -> None:
    base, files = server
    files["/m.zip"] = MODEL_ZIP
    env = {
        **os.environ,
        "LIANDONG_ASR__MODEL_DIR": str(tmp_path),
        "LIANDONG_LOG_JSON": "false",
    }
    sha = hashlib.sha256(MODEL_ZIP).hexdigest()
    r = subprocess.run(
        [*INSTALL, f"{base}/m.zip", "--sha256", sha],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert "installed vosk-model-small-cn-0.22" in r.stdout
    assert "vosk-model-small-cn-0.22" in r.stderr  # tqdm's bar
    r = subprocess.run(
        [sys.executable, "-m", "liandong", "asr", "models"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert '"language": "zh"' in r.stdout and '"source": "installed"' in r.stdout
    bad = subprocess.run(
        [*INSTALL, f"{base}/m.zip", "--sha256", "0" * 64],
        env={**env, "LIANDONG_ASR__MODEL_DIR": str(tmp_path / "other")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode != 0 and "asr-model-checksum-mismatch" in bad.stderr
