"""Classifier throughput and latency vs the lexicon alone and two naive matchers, same
texts, same run.

Subjects (each runs on one core, in this process):

* ``classifier``       — ``HybridClassifier.classify`` as deployed (issue 17): the
                         lexicon (normalisation, Aho-Corasick matching, negation,
                         scoring, town, the pinyin sound-alike pass when the exact pass
                         is not decisive) plus the learned model (n-gram rows, two
                         heads, the emergency decision, the model's evidence);
* ``lexicon``          — ``LexiconClassifier.classify`` alone (the classifier before
                         issue 17: the baseline the model's cost is measured against);
* ``classifier-exact`` — the deployed classifier without the sound-alike pass;
* ``naive-loop``       — ``for kw in keywords: if kw in text`` over every exact
                         pattern of the lexicon (it only finds words; it decides nothing);
* ``regex``            — one ``re`` alternation of the same patterns, ``findall``;
* ``matching-only``    — ``LexiconClassifier.find_words``: normalisation and the two
                         Aho-Corasick scans, no decision — the same job as the two
                         baselines (for reference; the verdicts are on ``classifier``).

Rounds interleave the subjects so that a noisy neighbour slows all of them alike; the
best round of each counts. Throughput is texts per second of CPU time of this process
(``time.process_time``), i.e. per core. Latency: every text classified once more, one
at a time, timed with ``perf_counter`` (wall clock: includes what a busy machine adds).
Targets (issue 17): classifier ≥ 20,000 texts/s on one core, p99 of one classification
≤ 2 ms. Exit status 0 even when a target is missed: benchmarks report.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common as c

sys.path.insert(0, str(c.REPO))

from router.hybrid import HybridClassifier

TARGET_RATE = 20_000.0
TARGET_P99_MS = 2.0
DEFAULT_DATA = c.REPO / "tests" / "data" / "router_dev.jsonl"


def load_texts(path: Path) -> list[tuple[str, str | None]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            out.append((record["text"], record.get("hotline")))
    return out


def measure(
    fn: Callable[[str, str | None], Any], texts: list[tuple[str, str | None]], seconds: float
) -> float:
    """Texts per CPU second, over whole passes of the text list, for ~``seconds``."""
    done = 0
    start = time.process_time()
    elapsed = 0.0
    while elapsed < seconds:
        for text, hotline in texts:
            fn(text, hotline)
        done += len(texts)
        elapsed = time.process_time() - start
    return done / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="JSON Lines with 'text' (and 'hotline')"
    )
    parser.add_argument(
        "--duration", type=float, default=2.0, help="seconds per subject per round (default 2)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved rounds; the best counts (default 3)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    args = parser.parse_args(argv)

    texts = load_texts(args.data)
    c.log(f"{len(texts)} texts from {args.data}")
    t0 = time.perf_counter()
    full = HybridClassifier.from_data()
    exact = HybridClassifier.from_data(fuzzy=False)
    lexicon = full.lexicon
    c.log(f"classifiers built in {time.perf_counter() - t0:.2f} s")
    keywords = lexicon.patterns()
    alternation = re.compile(
        "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
    )

    def naive(text: str, _hotline: str | None) -> list[str]:
        found = []
        for kw in keywords:
            if kw in text:
                found.append(kw)
        return found

    def regex(text: str, _hotline: str | None) -> list[str]:
        return alternation.findall(text)

    subjects: dict[str, Callable[[str, str | None], Any]] = {
        "classifier": full.classify,
        "lexicon": lexicon.classify,
        "classifier-exact": exact.classify,
        "naive-loop": naive,
        "regex": regex,
        "matching-only": lambda text, _hotline: lexicon.find_words(text),
    }
    for fn in subjects.values():  # warm-up: caches (pinyin of new characters), branch paths
        for text, hotline in texts:
            fn(text, hotline)
    best: dict[str, float] = dict.fromkeys(subjects, 0.0)
    for round_no in range(1, args.rounds + 1):
        for name, fn in subjects.items():
            rate = measure(fn, texts, args.duration)
            best[name] = max(best[name], rate)
            c.log(f"round {round_no} {name:<17} {rate:>12,.0f} texts/s")

    latencies = []
    for text, hotline in texts:
        start = time.perf_counter()
        full.classify(text, hotline)
        latencies.append((time.perf_counter() - start) * 1000)
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    vs_lexicon = c.ratio(best["classifier"], best["lexicon"])
    vs_naive = c.ratio(best["classifier"], best["naive-loop"])
    ok_rate = best["classifier"] >= TARGET_RATE
    ok_p99 = p99 <= TARGET_P99_MS
    report = {
        "texts": len(texts),
        "patterns": len(keywords),
        "model_features": len(full.model.vocabulary),
        "texts_per_s": best,
        "ratio_vs_lexicon": vs_lexicon,
        "ratio_vs_naive": vs_naive,
        "latency_ms": {"p50": p50, "p99": p99, "max": latencies[-1]},
        "target_texts_per_s": TARGET_RATE,
        "target_p99_ms": TARGET_P99_MS,
        "pass_rate": ok_rate,
        "pass_p99": ok_p99,
    }
    if args.json:
        print(json.dumps(c.json_safe(report)))
        return 0
    print(
        f"classifier benchmark: {len(texts)} texts, {len(keywords)} lexicon patterns, "
        f"{len(full.model.vocabulary)} model features, one core"
    )
    for name, rate in best.items():
        per_text = c.fmt(1e6 / rate if rate else float("nan"), 1)
        print(f"  {name:<17} {c.fmt(rate, 0):>10} texts/s   {per_text:>7} µs/text")
    print(f"  classifier / lexicon alone = {c.fmt(vs_lexicon, 2)}x  (the model's cost)")
    print(f"  classifier / naive-loop    = {c.fmt(vs_naive, 1)}x  (for reference)")
    print(
        f"  classifier texts/s         = {c.fmt(best['classifier'], 0)}"
        f"  (target >= {TARGET_RATE:,.0f})  {c.verdict(ok_rate)}"
    )
    print(
        f"  one classification: p50 {p50:.3f} ms, p99 {p99:.3f} ms, max {latencies[-1]:.3f} ms"
        f"  (target p99 <= {TARGET_P99_MS} ms)  {c.verdict(ok_p99)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
