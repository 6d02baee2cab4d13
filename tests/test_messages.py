"""The message catalogue: every sentence a person reads has a Chinese and an English text, Chinese is the default,
and no user-facing code writes a sentence of its own instead of naming a catalogue key.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import qbalance
from qbalance._base import messages
from qbalance._base.derived_json import digest
from qbalance._base.messages import Category, Field, Unit, catalogue, language, msg, text

SRC = Path(__file__).resolve().parents[1] / "src" / "qbalance"
CJK = re.compile(r"[\u3400-\u9fff]")

USER_FACING = [
    "_base/documents.py",
    "_base/files.py",
    "_units",
    "_data",
    "_api",
    "_workflow/plan.py",
    "_workflow/scenario.py",
    "_workflow/scenario_eval.py",
    "_workflow/template.py",
    "_workflow/history",
    "_workflow/looking_back.py",
    "_report/ledger_view.py",
    "_report/ledger_excel.py",
    "_report/html_ledger.py",
    "_report/html_trend_charts.py",
    "_workflow/workbook_check.py",
    "_report/build_lookback.py",
    "_report/progress_view.py",
    "_report/tracking.py",
    "_cli",
]
"""Where a problem is always a catalogue message (code that reports to people, not to pack authors)."""


def _files(entries: list[str]) -> list[Path]:
    out: list[Path] = []
    for e in entries:
        p = SRC / e
        out.extend(sorted(p.rglob("*.py")) if p.is_dir() else [p])
    return out


def test_every_entry_has_both_languages_and_the_chinese_is_chinese() -> None:
    for key, entry in catalogue().items():
        assert set(entry) == {"zh", "en"}, key
        if key == "unit.1":
            continue  # a dimensionless number has no unit word in either language
        assert entry["zh"].strip() and entry["en"].strip(), key
        if not key.startswith(("problem.separator", "unit.", "field.in_section")):
            assert CJK.search(entry["zh"]), f"{key}: no Chinese text: {entry['zh']!r}"
        assert not CJK.search(entry["en"].replace("万元", "").replace("中文", "")) or key.startswith("data.chinese"), (
            key
        )


def test_every_entry_renders_in_both_languages() -> None:
    placeholders = re.compile(r"{(\w+)")
    for key, entry in catalogue().items():
        for lang in ("zh", "en"):
            args = {name: "X" for name in placeholders.findall(entry[lang])}
            rendered = text(key, lang, **args)
            assert "{" not in rendered.replace("{{", ""), (key, lang, rendered)


def _keys_used_in_code() -> set[str]:
    keys: set[str] = set()
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("msg", "text")
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                keys.add(node.args[0].value)
    return keys


def test_every_key_the_code_names_is_in_the_catalogue() -> None:
    missing = sorted(k for k in _keys_used_in_code() if k not in catalogue())
    assert missing == []


def _written(node: ast.expr) -> bool:
    """A sentence written in the code: a string literal or an f-string."""
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _own_sentences(path: Path) -> list[str]:
    """Places in ``path`` that show people a sentence of their own instead of a catalogue message: a problem built
    directly (``Problem(...)`` rather than ``Problem.of(msg(...))``), an error or refusal raised with a written
    sentence, or a written sentence printed."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        first = node.args[0] if node.args else None
        if isinstance(node.func, ast.Name) and name == "Problem":
            found.append(f"{path.relative_to(SRC)}:{node.lineno} Problem(...)")
        elif (
            first is not None
            and _written(first)
            and name in ("InputError", "UnitError", "InvalidValue", "ValueError", "print")
        ):
            found.append(f"{path.relative_to(SRC)}:{node.lineno} {name}(...)")
    return found


def test_user_facing_code_names_messages_by_key() -> None:
    found = [hit for path in _files(USER_FACING) for hit in _own_sentences(path)]
    assert found == []


@pytest.mark.zh
def test_chinese_is_the_default_and_english_is_one_argument_away() -> None:
    bad = {
        "code": "1",
        "name": "x",
        "schools": [
            {
                "id": "A",
                "name": "a",
                "type": "小学",
                "ownership": "公办",
                "location": "城区",
                "sections": {"小学": {"students": -5}},
            }
        ],
    }
    with pytest.raises(qbalance.InputError) as info:
        qbalance.load_county(bad)
    assert "不能为负数" in str(info.value) and "小学在校学生数" in str(info.value)
    assert "must not be negative" in info.value.render("en")
    problem = info.value.problems[0]
    assert problem.key == "data.negative" and problem.message == "must not be negative"
    with language("en"):
        assert "must not be negative" in str(info.value)


@pytest.mark.zh
def test_arguments_render_in_the_message_language() -> None:
    m = msg("data.whole_number", unit=Unit("teacher"))
    assert m.text("zh") == "应为整数(人)" and m.text("en") == "must be a whole number of teachers"
    assert f"{Field('facilities.teaching_aux_area')}" == "教学及辅助用房面积"
    assert f"{Category('school_type', 'nine_year')}" == "九年一贯制学校"
    with language("en"):
        assert f"{Category('school_type', 'nine_year')}" == "nine-year school"


@pytest.mark.zh
def test_places_read_as_people_say_them() -> None:
    assert messages.place("row 7") == "第7行" and messages.place("line 3, column 5") == "第3行第5列"
    assert messages.place("学段!C7") == "学段!C7"


def test_field_labels_match_the_models() -> None:
    from qbalance._data.models import Facilities, TeacherCounts

    for group, model in (("facilities", Facilities), ("teachers", TeacherCounts)):
        for name, info in model.model_fields.items():
            extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
            assert text(f"field.{group}.{name}", "zh") == extra["label_zh"], name
            assert text(f"field.{group}.{name}", "en") == info.description, name


def test_the_shipped_compiled_catalogue_is_the_yaml_catalogue() -> None:
    """catalogue.json (read at start instead of parsing the YAML) records the digest of the YAML files as they are
    and holds exactly what parsing them gives; when this fails, run ``python tools/build_catalogue.py``."""
    import json

    shipped = json.loads((SRC / "_base" / "catalogue.json").read_text(encoding="utf-8"))
    files = messages._catalogue_files()
    assert shipped["sha256"] == digest(files)
    assert shipped["messages"] == messages.parse_catalogue(files)
    assert catalogue() == messages.parse_catalogue()


def test_a_stale_compiled_catalogue_is_never_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalogue.json whose digest does not match the YAML files (edited after it was made) is ignored: the
    messages come from the YAML. Checked on a copy of one catalogue file with a JSON that says something else."""
    import json
    import shutil

    (tmp_path / "catalogue").mkdir()
    shutil.copy(SRC / "_base" / "catalogue" / "units.yaml", tmp_path / "catalogue" / "units.yaml")
    key = next(iter(messages.parse_catalogue([("units.yaml", (tmp_path / "catalogue" / "units.yaml").read_bytes())])))
    stale = {"sha256": "0" * 64, "messages": {key: {"zh": "过期", "en": "stale"}}}
    (tmp_path / "catalogue.json").write_text(json.dumps(stale), encoding="utf-8")
    monkeypatch.setattr(messages, "_HERE", tmp_path)
    fresh = messages.catalogue.__wrapped__()
    assert fresh[key]["en"] != "stale" and fresh[key] == catalogue()[key]
    # the same JSON with the digest of these files is used as it is
    stale["sha256"] = digest(messages._catalogue_files())
    (tmp_path / "catalogue.json").write_text(json.dumps(stale), encoding="utf-8")
    assert messages.catalogue.__wrapped__()[key]["en"] == "stale"
