"""``liandong classify``: the router's classifier over JSON Lines, and its evaluation."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import click

from core.triage.ports import Classification
from liandong.errors import BadLine
from router.classifier import LexiconClassifier
from router.evaluate import evaluate


def _records(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | BadLine]]:
    """(line number, record or the reason it is unusable); blank lines are skipped."""
    for number, raw in enumerate(stream, start=1):
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
        except UnicodeDecodeError:
            yield number, BadLine("line is not UTF-8")
            continue
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, BadLine(f"not JSON: {exc.msg} (column {exc.colno})")
            continue
        if not isinstance(record, dict):
            yield number, BadLine("not a JSON object")
            continue
        yield number, record


def _contact(record: dict[str, Any]) -> tuple[Any, str, str | None]:
    contact_id = record.get("id")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise BadLine("missing or empty 'text' (a string is required)", contact_id)
    hotline = record.get("hotline")
    if isinstance(hotline, int) and not isinstance(hotline, bool):
        hotline = str(hotline)
    if hotline is not None and not isinstance(hotline, str):
        raise BadLine("'hotline' must be a string such as \"110\", or absent", contact_id)
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


@click.command("classify")
@click.option(
    "--eval",
    "eval_file",
    type=click.File("rb"),
    metavar="FILE",
    help="Score a labelled JSON Lines file (gold 'category', 'emergency', 'town') "
    "instead of classifying stdin.",
)
@click.option("--json", "as_json", is_flag=True, help="With --eval: print the figures as JSON.")
@click.option(
    "--show-misses", is_flag=True, help="With --eval: also list contacts classified wrongly."
)
@click.option(
    "--no-fuzzy", is_flag=True, help="Exact matching only (skip the pinyin sound-alike pass)."
)
@click.pass_context
def classify(
    ctx: click.Context,
    eval_file: IO[bytes] | None,
    as_json: bool,
    show_misses: bool,
    no_fuzzy: bool,
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

    A line that is not JSON or has no text gets {"id": ..., "line": N, "error": "..."}
    and the rest go on; the exit status is 1 if any line failed, else 0.
    """
    classifier = LexiconClassifier.from_data(fuzzy=not no_fuzzy)
    if eval_file is not None:
        ctx.exit(_evaluate(classifier, eval_file, as_json=as_json, show_misses=show_misses))
    out = sys.stdout.buffer
    failed = 0
    try:
        for number, record in _records(sys.stdin.buffer):
            try:
                if isinstance(record, BadLine):
                    raise record
                contact_id, text, hotline = _contact(record)
                _write(out, _output(contact_id, classifier.classify(text, hotline)))
            except BadLine as exc:
                failed += 1
                _write(out, {"id": exc.contact_id, "line": number, "error": str(exc)})
            out.flush()  # one answer per line as it comes: the CLI may sit in a pipe
    except BrokenPipeError:
        # The reader went away (``| head``): stop quietly, as Unix tools do.
        sys.stderr.close()
        ctx.exit(1 if failed else 0)
    ctx.exit(1 if failed else 0)


def _evaluate(
    classifier: LexiconClassifier, stream: IO[bytes], *, as_json: bool, show_misses: bool
) -> int:
    pairs: list[tuple[dict[str, Any], dict[str, Any]]] = []
    failed = 0
    for number, record in _records(stream):
        try:
            if isinstance(record, BadLine):
                raise record
            if not isinstance(record.get("category"), str):
                raise BadLine("missing gold 'category'", record.get("id"))
            contact_id, text, hotline = _contact(record)
            pairs.append((record, _output(contact_id, classifier.classify(text, hotline))))
        except BadLine as exc:
            failed += 1
            click.echo(f"line {number}: {exc}", err=True)
    report = evaluate(pairs)
    if as_json:
        figures = {
            "contacts": report.total,
            "accuracy": report.accuracy,
            "macro_f1": report.macro_f1,
            "emergency_accuracy": report.emergency_accuracy,
            "town_accuracy": report.town_accuracy,
            "confusion": report.confusion,
            "bad_lines": failed,
        }
        _write(sys.stdout.buffer, figures)
    else:
        click.echo(report.format())
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
