"""``liandong classify``: the router's classifier over JSON Lines, its evaluation, its
model card, training, and the export of call takers' corrections."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import click

from core.errors import InvalidInput
from core.triage.ports import MAX_CLASSIFY_CHARS, Classification, Classifier
from liandong.errors import BadLine
from router.classifier import LexiconClassifier
from router.evaluate import emergency_curve, evaluate, format_curve
from router.hybrid import HybridClassifier

CURVE_THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(1, 20))
DATA = Path(__file__).resolve().parents[2] / "tests" / "data"


def _records(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(line number, record or the reason it is unusable); blank lines are skipped."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError:
            yield number, BadLine("line is not UTF-8", error_id="not-utf8")
            continue
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, BadLine(f"not JSON: {exc.msg} (column {exc.colno})", error_id="not-json")
            continue
        if not isinstance(record, dict):
            yield number, BadLine("not a JSON object", error_id="not-an-object")
            continue
        yield number, record


def _contact(record: dict[str, Any]) -> tuple[Any, str, str | None]:
    contact_id = record.get("id")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadLine(
            "missing or empty 'text' (a string is required)", contact_id, error_id="empty-text"
        )
    if len(text) > MAX_CLASSIFY_CHARS:
        raise BadLine(
            f"text of {len(text)} characters; at most {MAX_CLASSIFY_CHARS}",
            contact_id,
            error_id="text-too-long",
        )
    hotline = record.get("hotline")
    if isinstance(hotline, int) and not isinstance(hotline, bool):
        hotline = str(hotline)
    if hotline is not None and not isinstance(hotline, str):
        raise BadLine(
            "'hotline' must be a string such as \"110\", or absent",
            contact_id,
            error_id="bad-hotline",
        )
    return contact_id, text, (hotline or "").strip() or None


def _output(contact_id: Any, result: Classification) -> dict[str, Any]:
    return {
        "id": contact_id,
        "category": result.category,
        "subtype": result.subtype,
        "emergency": result.emergency,
        "priority": result.priority,
        "town": result.town,
        "keywords": [{"word": w, "start": s, "end": e} for w, s, e in result.keywords],
        "explanation": result.explanation,
    }


def _write(out: IO[bytes], obj: Any) -> None:
    # Bytes, not text: the output is UTF-8 whatever the locale of the shell says.
    out.write((json.dumps(obj, ensure_ascii=False) + "\n").encode("utf-8"))


def build_classifier(*, fuzzy: bool = True, lexicon_only: bool = False) -> Classifier:
    if lexicon_only:
        return LexiconClassifier.from_data(fuzzy=fuzzy)
    return HybridClassifier.from_data(fuzzy=fuzzy)


@click.group("classify", invoke_without_command=True)
@click.option(
    "--eval",
    "eval_file",
    type=click.File("rb"),
    metavar="FILE",
    help="Score a labelled JSON Lines file (gold 'category', 'emergency', 'town', "
    "optional 'slice') instead of classifying stdin; prints the emergency "
    "precision/recall curve too.",
)
@click.option("--json", "as_json", is_flag=True, help="With --eval or --info: print JSON.")
@click.option(
    "--show-misses", is_flag=True, help="With --eval: also list contacts classified wrongly."
)
@click.option(
    "--no-fuzzy", is_flag=True, help="Exact matching only (skip the pinyin sound-alike pass)."
)
@click.option("--lexicon-only", is_flag=True, help="The lexicon alone, without the learned model.")
@click.option("--info", is_flag=True, help="Print the model card (data, date, figures).")
@click.pass_context
def classify(
    ctx: click.Context,
    eval_file: IO[bytes] | None,
    as_json: bool,
    show_misses: bool,
    no_fuzzy: bool,
    lexicon_only: bool,
    info: bool,
) -> None:
    """Classify contacts: JSON Lines in on stdin, JSON Lines out on stdout.

    \b
    Input, one object per line:  {"id": ..., "text": "...", "hotline": "110"}
      (hotline optional: 110 119 120 122 12315 12345; it is a prior, not the answer)
    Output, one object per line:
      {"id", "category", "subtype", "emergency", "priority", "town",
       "keywords": [{"word", "start", "end"}, ...], "explanation"}
    category is one of police fire medical traffic consumer government; priority is
    1 (most urgent) .. 4; town is the official township name the text mentions, or
    null; each keyword is the lexicon word and [start, end) its span in the
    ORIGINAL text (a sound-alike such as 着伙 is reported as the word 着火).

    A line that cannot be classified gets {"id", "line", "error", "error_id"}
    (error_id: not-utf8, not-json, not-an-object, empty-text, text-too-long,
    bad-hotline) and the rest go on; the exit status is 1 if any line failed.

    \b
    Subcommands: train (fit the learned model), export-corrections (call takers'
    corrections as labelled examples).
    """
    if ctx.invoked_subcommand is not None:
        return
    if info:
        model = HybridClassifier.from_data(fuzzy=False)
        ctx.exit(_info(model.info(), as_json=as_json))
    classifier = build_classifier(fuzzy=not no_fuzzy, lexicon_only=lexicon_only)
    if eval_file is not None:
        ctx.exit(_evaluate(classifier, eval_file, as_json=as_json, show_misses=show_misses))
    out = sys.stdout.buffer
    failed = 0
    try:
        for number, record in _records(sys.stdin.buffer):
            contact_id: Any = None
            try:
                if isinstance(record, BadLine):
                    raise record
                contact_id, text, hotline = _contact(record)
                _write(out, _output(contact_id, classifier.classify(text, hotline)))
            except BadLine as exc:
                failed += 1
                _write(out, exc.as_line(number))
            except InvalidInput as exc:  # the classifier's own refusal (text-too-long)
                failed += 1
                _write(out, BadLine(exc.message, contact_id, error_id=exc.error_id).as_line(number))
            out.flush()  # one answer per line as it comes: the CLI may sit in a pipe
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as Unix tools do.
        sys.stderr.close()
        ctx.exit(1 if failed else 0)
    ctx.exit(1 if failed else 0)


def _info(card: dict[str, Any], *, as_json: bool) -> int:
    if as_json:
        _write(sys.stdout.buffer, card)
        return 0
    model, policy, data = card.get("model", {}), card.get("policy", {}), card.get("data", {})
    lines = [
        f"model: {card.get('name')}  trained on {card.get('trained_on')}  ({card.get('library')})",
        f"file: {model.get('file')} sha256 {model.get('sha256')}",
        f"features: {model.get('features')}  heads: {model.get('heads')}  C={model.get('C')}",
        f"policy: lexicon weight alpha={policy.get('alpha')}, "
        f"emergency threshold={policy.get('emergency_threshold')} (chosen on the dev set)",
        "data:",
    ]
    for t in data.get("train", []):
        lines.append(f"  train {t['file']}: {t['contacts']} contacts, sha256 {t['sha256']}")
    lines.append(f"  training rows with variants: {data.get('training_rows_with_variants')}")
    dev = data.get("dev", {})
    lines.append(
        f"  dev {dev.get('file')}: {dev.get('contacts')} contacts, sha256 {dev.get('sha256')}"
    )
    lines.append(f"  test: {data.get('test')}")
    lines.append("figures on the dev set (what the policy was chosen on):")
    for part, f in card.get("figures", {}).get("dev", {}).items():
        lines.append(
            f"  {part:<12} n={f['contacts']:<5} accuracy {f['accuracy']:.4f}  "
            f"macro-F1 {f['macro_f1']:.4f}  emergency recall {f['emergency_recall']}  "
            f"false-alarm rate {f['false_alarm_rate']}"
        )
    click.echo("\n".join(lines))
    return 0


def _evaluate(
    classifier: Classifier, stream: IO[bytes], *, as_json: bool, show_misses: bool
) -> int:
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    signals: list[tuple[bool, bool, float]] = []
    failed = 0
    for number, record in _records(stream):
        try:
            if isinstance(record, BadLine):
                raise record
            if not isinstance(record.get("category"), str):
                raise BadLine("missing gold 'category'", record.get("id"))
            contact_id, text, hotline = _contact(record)
            if isinstance(classifier, HybridClassifier):
                decision = classifier.decide(text, hotline)
                result = decision.classification
                if record.get("emergency") is not None:
                    signals.append(
                        (bool(record["emergency"]), decision.by_rule, decision.p_emergency)
                    )
            else:
                result = classifier.classify(text, hotline)
            pairs.append((record, _output(contact_id, result)))
        except BadLine as exc:
            failed += 1
            click.echo(f"line {number}: {exc}", err=True)
    report = evaluate(pairs)
    in_use = (
        classifier.model.policy.emergency_threshold
        if isinstance(classifier, HybridClassifier)
        else None
    )
    thresholds = sorted({*CURVE_THRESHOLDS, *([in_use] if in_use is not None else [])})
    curve = emergency_curve(signals, thresholds) if signals else []
    if as_json:
        figures = {
            "contacts": report.total,
            "accuracy": report.accuracy,
            "macro_f1": report.macro_f1,
            "emergency_accuracy": report.emergency_accuracy,
            "emergency_recall": report.emergency_recall,
            "false_alarm_rate": report.false_alarm_rate,
            "emergency_precision": report.emergency_precision,
            "town_accuracy": report.town_accuracy,
            "confusion": report.confusion,
            "slices": {k: {"contacts": n, "accuracy": a} for k, (n, a) in report.slices.items()},
            "emergency_curve": [
                {
                    "threshold": p.threshold,
                    "precision": p.precision,
                    "recall": p.recall,
                    "false_alarm_rate": p.false_alarm_rate,
                }
                for p in curve
            ],
            "emergency_threshold": in_use,
            "bad_lines": failed,
        }
        _write(sys.stdout.buffer, figures)
    else:
        click.echo(report.format())
        if curve:
            click.echo("")
            click.echo(format_curve(curve, in_use))
        if failed:
            click.echo(f"bad lines skipped: {failed}")
    if show_misses:
        by_id = {str(gold.get("id", "")): (gold, pred) for gold, pred in pairs}
        for contact_id, gold_cat, pred_cat in report.misses:
            gold, pred = by_id[contact_id]
            click.echo(
                f"MISS {contact_id} gold={gold_cat} pred={pred_cat}: {gold['text']}", err=True
            )
            click.echo(f"     {pred['explanation']}", err=True)
    sys.stdout.flush()
    return 1 if failed else 0


@classify.command("train")
@click.option(
    "--train",
    "train_files",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="Labelled JSON Lines to train on (repeatable; default tests/data/router_train.jsonl). "
    "Add exported corrections here.",
)
@click.option(
    "--dev",
    "dev_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=DATA / "router_dev.jsonl",
    show_default=True,
    help="The dev set the blend and the emergency threshold are chosen on.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write model.npz and card.json (default: the package's own "
    "router/data/zh/model, which is versioned in the repository).",
)
def train_cmd(train_files: tuple[Path, ...], dev_file: Path, out: Path | None) -> None:
    """Train the learned model (scikit-learn; a few minutes on one core) and print its card.

    Deterministic: the same files give a byte-identical model.npz. The frozen test
    split (tests/data/router_test.jsonl) is never read; score it afterwards with
    `liandong classify --eval tests/data/router_test.jsonl`.
    """
    from router.training import train

    files = list(train_files) or [DATA / "router_train.jsonl"]
    target = out or Path(__file__).resolve().parents[2] / "router" / "data" / "zh" / "model"
    card = train(files, dev_file, target, log=lambda msg: click.echo(msg, err=True))
    _info(card, as_json=False)
    click.echo(f"written to {target}")


@classify.command("export-corrections")
@click.option("--since", default=None, help="Only corrections at or after this ISO date.")
@click.option("--changed-only", is_flag=True, help="Only corrections that changed the suggestion.")
def export_corrections_cmd(since: str | None, changed_only: bool) -> None:
    """Call takers' corrections as labelled examples, JSON Lines on stdout, in the
    training files' format (id, text, hotline, category, subtype, emergency, slice)
    plus what the classifier had said. Feed them to `classify train --train`."""
    from liandong.cli.corrections import export

    export(since=since, changed_only=changed_only)
