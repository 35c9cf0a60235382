"""``liandong classify`` as a subprocess: JSON Lines in and out, bad lines, --eval."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from .lexicon_support import DEV_SET

pytestmark = pytest.mark.slow  # each run starts the CLI and builds the classifier


def _classify(stdin: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "liandong", "classify", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
        check=False,
    )


def test_classify_turns_json_lines_into_classifications() -> None:
    lines = [
        {"id": "a1", "text": "喂 新仁乡这边 着 火 了", "hotline": "110"},
        {"id": 2, "text": "我想问一下社保卡掉了去哪里补办"},
        {"id": "a3", "text": "出车祸了 有人受伤", "hotline": 122},
    ]
    proc = _classify("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    assert proc.returncode == 0, proc.stderr
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == ["a1", 2, "a3"]
    first = out[0]
    assert {"id", "category", "subtype", "emergency", "priority", "town", "keywords"} <= set(first)
    assert (first["category"], first["emergency"], first["priority"]) == ("fire", True, 1)
    assert first["town"] == "新仁苗族乡"
    kw = first["keywords"][0]
    assert kw["word"] == "着火"
    assert str(lines[0]["text"])[kw["start"] : kw["end"]] == "着 火"
    assert (out[1]["category"], out[1]["priority"], out[1]["town"]) == ("government", 4, None)
    assert out[2]["subtype"] == "collision_injury"


def test_bad_lines_get_an_error_object_and_a_failing_exit_status() -> None:
    stdin = (
        '{"id": 1, "text": "着火了"}\nnot json\n\n{"id": 3}\n[1, 2]\n{"id": 5, "text": "停水了"}\n'
    )
    proc = _classify(stdin)
    assert proc.returncode == 1
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o.get("id") for o in out] == [1, None, 3, None, 5]
    assert out[1]["line"] == 2 and "not JSON" in out[1]["error"]
    assert "text" in out[2]["error"]
    assert "object" in out[3]["error"]
    assert out[4]["category"] == "government"


def test_eval_prints_every_figure_for_the_dev_set() -> None:
    proc = _classify("", "--eval", str(DEV_SET))
    assert proc.returncode == 0, proc.stderr
    for figure in (
        "accuracy:",
        "macro-F1:",
        "emergency accuracy:",
        "town accuracy:",
        "confusion matrix",
    ):
        assert figure in proc.stdout
    accuracy = float(proc.stdout.split("accuracy: ")[1].split()[0])
    assert accuracy >= 0.95


def test_eval_json_gives_the_figures_as_one_object() -> None:
    proc = _classify("", "--eval", str(DEV_SET), "--json")
    assert proc.returncode == 0, proc.stderr
    figures = json.loads(proc.stdout)
    assert figures["contacts"] >= 400
    assert figures["accuracy"] >= 0.95
    assert set(figures["confusion"]) == {
        "police",
        "fire",
        "medical",
        "traffic",
        "consumer",
        "government",
    }


def test_help_documents_input_and_output() -> None:
    proc = _classify("", "--help")
    assert proc.returncode == 0
    assert "--eval" in proc.stdout
    assert "keywords" in proc.stdout


def test_bad_input_gets_a_typed_error_line_and_nothing_else_is_affected() -> None:
    good = json.dumps(
        {"id": "g1", "text": "楼下着火了 烟好大", "hotline": "119"}, ensure_ascii=False
    )
    huge = json.dumps({"id": "big", "text": "着" * 100_000}, ensure_ascii=False)  # ~300 KB
    lines = [
        good.encode(),
        json.dumps({"id": "e", "text": "   "}).encode(),
        huge.encode(),
        b"\x89PNG\r\x1a\x00\xff\xfe binary \xc3\x28",
        json.dumps({"id": "h", "text": "停水了", "hotline": ["110"]}, ensure_ascii=False).encode(),
        good.replace("g1", "g2").encode(),
    ]
    proc = subprocess.run(
        [sys.executable, "-m", "liandong", "classify"],
        input=b"\n".join(lines) + b"\n",
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    out = [json.loads(x) for x in proc.stdout.decode("utf-8").splitlines()]
    errors = {o.get("id"): o.get("error_id") for o in out if "error" in o}
    assert errors == {
        "e": "empty-text",
        "big": "text-too-long",
        None: "not-utf8",
        "h": "bad-hotline",
    }
    classified = [o for o in out if "error" not in o]
    assert [o["id"] for o in classified] == ["g1", "g2"]
    assert classified[0] == {**classified[1], "id": "g1"}  # the bad lines changed nothing
    assert classified[0]["category"] == "fire" and classified[0]["emergency"] is True


def test_info_prints_the_model_card() -> None:
    proc = _classify("", "--info")
    assert proc.returncode == 0, proc.stderr
    for part in ("trained on", "router_train.jsonl", "sha256", "emergency threshold", "dev"):
        assert part in proc.stdout
    card = json.loads(_classify("", "--info", "--json").stdout)
    assert card["data"]["test"].startswith("router_test.jsonl is never read")


def test_eval_prints_the_emergency_precision_recall_curve_and_slices() -> None:
    proc = _classify("", "--eval", str(DEV_SET))
    assert proc.returncode == 0, proc.stderr
    assert "emergency precision/recall curve" in proc.stdout
    assert "<- in use" in proc.stdout
    assert "emergency recall:" in proc.stdout and "false-alarm rate:" in proc.stdout
    assert "accuracy by slice:" in proc.stdout and "long" in proc.stdout


def test_train_and_export_have_help() -> None:
    for sub in ("train", "export-corrections"):
        proc = _classify("", sub, "--help")
        assert proc.returncode == 0, proc.stderr
        assert "Usage:" in proc.stdout
