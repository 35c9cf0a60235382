"""``liandong asr models|install|worker`` and ``liandong transcribe FILE``."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import click
from tqdm import tqdm

from asr import catalog
from asr.errors import AsrError
from asr.install import KNOWN, RemoteModel, install
from liandong.cli.common import echo_json, load_settings
from liandong.processes.intake import default_name


@click.group()
def asr() -> None:
    """Offline speech recognition (Vosk): models, the transcription worker."""


@asr.command("models")
def models_cmd() -> None:
    """List usable models (JSON lines): configured, installed, Python packages."""
    s = load_settings()
    found = catalog.available(s.asr)
    for m in found:
        echo_json(m.to_dict())
    if not found:
        click.echo(
            f"no speech model; install one with: liandong asr install {s.asr.language}", err=True
        )


@asr.command("install")
@click.argument("language")
@click.option("--url", default=None, help="Download from this URL (a mirror) instead.")
@click.option("--sha256", default=None, help="The zip's sha256 (required with --url).")
@click.option(
    "--path",
    "local",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Use a model already on disk for LANGUAGE (prints the setting to add).",
)
def install_cmd(language: str, url: str | None, sha256: str | None, local: Path | None) -> None:
    """Download a Vosk model for LANGUAGE (zh: vosk-model-small-cn-0.22), check its
    sha256 and unpack it under the model directory."""
    s = load_settings()
    if local is not None:
        try:
            info = catalog.resolve(s.asr, language, local)
        except AsrError as exc:
            raise click.ClickException(f"{exc.error_id}: {exc.message}") from exc
        click.echo(f"usable: {info.path}")
        click.echo(f"set LIANDONG_ASR__MODELS='{json.dumps({language: str(info.path.resolve())})}'")
        return
    remote = KNOWN.get(language)
    if url is not None:
        if not sha256:
            raise click.ClickException("--url needs --sha256")
        name = remote.name if remote else Path(url).name.removesuffix(".zip")
        remote = RemoteModel(name, url, sha256)
    if remote is None:
        raise click.ClickException(f"no known model for {language!r}; give --url and --sha256")
    bar = tqdm(unit="B", unit_scale=True, desc=remote.name)

    def progress(done: int, total: int | None) -> None:
        if total and bar.total != total:
            bar.total = total
        bar.update(done - bar.n)

    try:
        path = install(remote, s.asr.model_dir, progress)
    except AsrError as exc:
        raise click.ClickException(f"{exc.error_id}: {exc.message}") from exc
    finally:
        bar.close()
    click.echo(f"installed {remote.name} → {path}")


@asr.command("worker")
@click.option("--name", default=None, help="Consumer name in the group [host-pid].")
@click.option("--live/--no-live", default=None, help="Tap live calls [settings: asr.live].")
@click.option(
    "--model",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Decode with this model directory.",
)
def worker_cmd(name: str | None, live: bool | None, model: Path | None) -> None:
    """Run the ASR worker: batch jobs ({prefix}:asr:jobs), voice media, live calls."""
    from liandong.processes.asr import run_asr_worker

    settings = load_settings()
    asyncio.run(
        run_asr_worker(settings, f"asr-{name or default_name()}", live=live, model_path=model)
    )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--model",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="A Vosk model directory [the configured model of the center's language].",
)
@click.option("--language", default=None, help="Model language [settings: asr.language].")
@click.option("--json", "as_json", is_flag=True, help='Print {"text","words","duration_s","rtf"}.')
def transcribe(file: Path, model: Path | None, language: str | None, as_json: bool) -> None:
    """Transcribe an audio FILE (WAV, μ-law/A-law, AMR, MP3 …) offline with Vosk.

    rtf = (normalising + decoding time) / audio duration, model loading excluded."""
    from asr import audio
    from asr.vosk_engine import VoskModel

    s = load_settings()
    try:
        if model is not None:
            info = catalog.resolve(s.asr, language or s.asr.language, model)
        elif language is not None:
            info = catalog.resolve(s.asr, language)
        else:
            # Without a model for the center's language, any usable one; without
            # any, resolve() raises the typed error.
            info = catalog.default(s.asr) or catalog.resolve(s.asr, s.asr.language)
        vm = VoskModel.shared(info.path, info.language)
        started = time.perf_counter()
        pcm = audio.normalise(file, vm.sample_rate)
        t = vm.transcribe(pcm, info.language)
        elapsed = time.perf_counter() - started
    except AsrError as exc:
        raise click.ClickException(f"{exc.error_id}: {exc.message}") from exc
    out = t.to_dict()
    out["rtf"] = round(elapsed / t.duration_s, 4) if t.duration_s else 0.0
    if as_json:
        echo_json(out)
    else:
        click.echo(t.text)
