"""What an outside attack (and a careless user) tried, refused: hostile unit text, shadowed standards, oversized and
endless input, unusual numbers and ids. Each payload must end in a clear error naming where it is, within a bounded
time, with nothing run and nothing changed.

Times are bounds, not benchmarks: each payload gets ``LIMIT_S`` seconds of wall time (the attacks took minutes and
gigabytes before), and the process-level cases run in a subprocess with an address-space limit so that a regression
fails instead of exhausting the machine.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

import qbalance
from qbalance._packs.catalogue import ENV_VAR, shipped_dir

LIMIT_S = 3.0
DEMO = qbalance.demo_path()


def _timed(fn: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    try:
        out: Any = fn()
    except Exception as exc:
        out = exc
    return out, time.perf_counter() - start


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# -- 1. unit text never reaches pint's parser --------------------------------------------------------------------

HOSTILE_UNITS = [
    "m**4_000_000",  # digit separators: pint would read 4000000
    "999999999**4_000_000",
    "m**4(99)",  # pint's implicit product after a power
    "m**4e9",  # a float exponent
    "m**2**2",
    "m**9",
    "m**0",
    "2**4**4**4",
    "(((m)))",
    "m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m*m",
    "1234567890 m",
    "1/0",
    "m ** 4 ** 4",
    "__import__",
    "٣ m",  # an Arabic-Indic digit is not a number here
    "m²²",
]


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_hostile_unit_text_in_a_pack_is_refused_quickly(unit: str) -> None:
    from qbalance._units.registry import dims_of

    out, seconds = _timed(lambda: dims_of(unit))
    assert isinstance(out, qbalance.UnitError), out
    assert seconds < LIMIT_S
    assert repr(unit) in str(out) or "not a unit expression" in str(out)


@pytest.mark.parametrize("unit", HOSTILE_UNITS)
def test_hostile_unit_text_in_a_data_cell_is_refused_quickly(unit: str) -> None:
    from qbalance._units.registry import parse_quantity

    out, seconds = _timed(lambda: parse_quantity(f"12 {unit}", "m**2"))
    assert isinstance(out, qbalance.UnitError), out
    assert seconds < LIMIT_S


@pytest.mark.parametrize(
    ("unit", "dims"),
    [
        ("m**2", "[length] ** 2"),
        ("m ** 2", "[length] ** 2"),
        ("m²", "[length] ** 2"),
        ("m**-1", "1 / [length]"),
        ("teacher / (100 student)", "[teacher] / [student]"),
        ("yuan / student", "[currency] / [student]"),
        ("万元", "[currency]"),
        ("1 / student", "1 / [student]"),
        ("%", "dimensionless"),
    ],
)
def test_real_units_still_read(unit: str, dims: str) -> None:
    from qbalance._units.registry import dims_of, format_dims

    assert format_dims(dims_of(unit)) == dims


def test_a_hostile_unit_in_a_pack_is_a_pack_error_with_its_line(tmp_path: Path) -> None:
    base = (shipped_dir() / "cn-moe-2017" / "pack.yaml").read_text(encoding="utf-8")
    assert "    unit: m**2 / student\n" in base
    bad = base.replace("    unit: m**2 / student\n", "    unit: m**4_000_000 / student\n", 1)
    pack = _write(tmp_path / "p" / "pack.yaml", bad)
    out, seconds = _timed(lambda: qbalance.load_standard(pack))
    assert isinstance(out, qbalance.PackError), out
    assert seconds < LIMIT_S
    problem = next(p for p in out.problems if "m**4_000_000" in p.message)
    assert problem.source == str(pack) and problem.location is not None and problem.location.startswith("line ")


def test_a_hostile_bracketed_literal_in_an_overlay_is_refused(tmp_path: Path) -> None:
    overlay = _write(
        tmp_path / "o" / "pack.yaml",
        """\
        format: qbalance-pack/1
        id: cn-xx-hostile
        version: "1"
        effective: 2025-01-01
        extends: cn-moe-2017
        title: {zh: 恶意覆盖, en: hostile overlay}
        sources:
          s: {title: {zh: 测试, en: test}}
        changes:
          - set: parameters.satisfaction_min.value
            value: 0.9
            cite: {source: s, clause: x}
        derived:
          big:
            level: school
            unit: m**2
            expression: "facilities.teaching_aux_area + 1 [m**4(99)]"
            label: {zh: 大, en: big}
        """,
    )
    out, seconds = _timed(lambda: qbalance.load_standard(overlay))
    assert isinstance(out, qbalance.PackError), out
    assert "m**4(99)" in str(out) and "small whole powers" in str(out)
    assert seconds < LIMIT_S


# -- 2. the national standard cannot be silently replaced ------------------------------------------------------------


def _shipped_sha() -> str:
    """The hash of the shipped national pack, loaded by its path: an independent route to the same file."""
    return qbalance.load_standard(shipped_dir() / "cn-moe-2017").sha256


def _lenient_copy(directory: Path) -> Path:
    """A copy of the national pack with the primary CV limit raised to 5.0: the attack's pack."""
    text = (shipped_dir() / "cn-moe-2017" / "pack.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    assert doc["parameters"]["cv_limit"]["value"]["primary"] == 0.5
    lenient = text.replace("value: {primary: 0.50, junior: 0.45}", "value: {primary: 5.0, junior: 5.0}", 1)
    assert lenient != text
    return _write(directory / "cn-moe-2017" / "pack.yaml", lenient)


def test_a_folder_named_like_the_national_pack_in_the_working_directory_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lenient_copy(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(ENV_VAR, raising=False)
    report = qbalance.evaluate(DEMO)
    assert report.provenance.pack.sha256 == _shipped_sha()
    assert report.provenance.pack.origin == "shipped"
    assert report.provenance.pack.file == "cn-moe-2017/pack.yaml"
    assert report.item("resource_balance").status == "fail"  # the shipped limit still applies
    # naming the folder as a path is the user's explicit choice, and the report says so
    named = qbalance.evaluate(DEMO, "./cn-moe-2017")
    assert named.provenance.pack.origin == "path"
    assert named.provenance.pack.sha256 != _shipped_sha()
    assert named.item("resource_balance").status == "pass"  # what the attack would have gained


def test_the_cli_ignores_the_working_directory_too(tmp_path: Path) -> None:
    _lenient_copy(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != ENV_VAR}
    run = subprocess.run(
        [sys.executable, "-m", "qbalance._cli.main", "evaluate", "--demo", "-f", "json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1, run.stderr  # the demo county fails under the shipped standard
    assert f'"sha256": "{_shipped_sha()}"' in run.stdout


def test_a_shipped_id_on_the_search_path_is_refused_naming_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _lenient_copy(tmp_path / "packs")
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "packs"))
    with pytest.raises(qbalance.PackError) as info:
        qbalance.evaluate(DEMO)
    message = str(info.value)
    assert str(copy) in message and str(shipped_dir() / "cn-moe-2017" / "pack.yaml") in message
    # an overlay that extends the shipped id is refused the same way
    with pytest.raises(qbalance.PackError, match="belongs to the pack shipped with qbalance"):
        qbalance.load_standard("cn-yn-wenshan-2024")


def test_a_shipped_id_from_an_entry_point_is_refused_naming_both_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    copy = _lenient_copy(site / "qb_evil" / "standards")
    _write(site / "qb_evil" / "__init__.py", "raise RuntimeError('pack discovery must not import me')\n")
    dist = site / "qb_evil-1.0.0.dist-info"
    _write(dist / "METADATA", "Metadata-Version: 2.1\nName: qb-evil\nVersion: 1.0.0\n")
    _write(dist / "entry_points.txt", "[qbalance.standards]\nevil = qb_evil:standards\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(qbalance.PackError) as info:
        qbalance.load_standard()
    assert str(copy.resolve()) in str(info.value) or str(copy) in str(info.value)
    assert "entry point evil" in str(info.value)


# -- 4. oversized and endless input -----------------------------------------------------------------------------------


def test_a_400_digit_integer_is_an_input_error_not_a_traceback(tmp_path: Path) -> None:
    text = DEMO.read_text(encoding="utf-8")
    for key in ("students: ", "teaching_aux_area: ", "equipment_value: "):
        bad = text.replace(key, key + "9" * 400 + "  # ", 1)
        path = _write(tmp_path / f"{key.strip(': ')}.yaml", bad)
        with pytest.raises(qbalance.InputError) as info:
            qbalance.evaluate(path)
        assert any(p.location and p.location.startswith("line ") for p in info.value.problems)


def test_a_fifo_named_as_an_include_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "p" / "rules.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    pack = _write(
        tmp_path / "p" / "pack.yaml",
        """\
        format: qbalance-pack/1
        id: cn-xx-fifo
        version: "1"
        effective: 2025-01-01
        extends: cn-moe-2017
        title: {zh: 管道, en: fifo}
        include: [rules.yaml]
        """,
    )
    out, seconds = _timed(lambda: qbalance.load_standard(pack))
    assert isinstance(out, qbalance.PackError), out
    assert "not a regular file" in str(out)
    assert seconds < LIMIT_S


def test_a_huge_include_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "p" / "rules.yaml"
    big.parent.mkdir()
    with big.open("wb") as fh:  # a sparse 3 GB file: reading it would need 3 GB of memory
        fh.truncate(3 * 1024**3)
    pack = _write(
        tmp_path / "p" / "pack.yaml",
        """\
        format: qbalance-pack/1
        id: cn-xx-big
        version: "1"
        effective: 2025-01-01
        extends: cn-moe-2017
        title: {zh: 大文件, en: big}
        include: [rules.yaml]
        """,
    )
    out, seconds = _timed(lambda: qbalance.load_standard(pack))
    assert isinstance(out, qbalance.PackError), out
    assert "larger than" in str(out) and str(big) in str(out)
    assert seconds < LIMIT_S


def test_five_megabytes_of_aliases_are_refused_fast(tmp_path: Path) -> None:
    body = "".join("  - *row\n" for _ in range(600_000))
    path = tmp_path / "aliases.yaml"
    path.write_text("format: qbalance-county/1\nrow: &row [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nschools:\n" + body)
    assert path.stat().st_size > 5_000_000
    out, seconds = _timed(lambda: qbalance.evaluate(path))
    assert isinstance(out, qbalance.InputError), out
    assert "after expanding aliases" in str(out)
    assert seconds < LIMIT_S * 2  # composing 5 MB of YAML is itself about a second


def _limited(code: str, tmp_path: Path, gigabytes: float = 1.5) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter that may not use more than ``gigabytes`` of address space."""

    def limit() -> None:
        cap = int(gigabytes * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    return subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=60, preexec_fn=limit
    )


def test_a_document_of_aliases_stays_within_bounded_memory(tmp_path: Path) -> None:
    body = "".join(f"  - *r{i % 4}\n" for i in range(300_000))
    anchors = "".join(f"a{i}: &r{i} [{', '.join(['1'] * 50)}]\n" for i in range(4))
    (tmp_path / "bomb.yaml").write_text(anchors + "schools:\n" + body)
    run = _limited(
        "import qbalance\ntry:\n    qbalance.evaluate('bomb.yaml')\n"
        "except qbalance.InputError as e:\n    print(e.render('en'))\n",
        tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "after expanding aliases" in run.stdout


# -- 6. numbers in expressions are ASCII -----------------------------------------------------------------------------


@pytest.mark.parametrize("expr", ["students * ٣", "٣", "students > ١٠٠", "students * ３"])
def test_unicode_digits_in_expressions_are_refused(expr: str) -> None:
    from qbalance._dsl.parse import DslSyntaxError, parse

    with pytest.raises(DslSyntaxError, match="digits 0-9"):
        parse(expr)


# -- 5. identifiers are kept as written, and ids that read alike are duplicates -------------------------------------


def _demo_with(tmp_path: Path, old: str, new: str, name: str = "c.yaml") -> Path:
    text = DEMO.read_text(encoding="utf-8")
    assert old in text
    return _write(tmp_path / name, text.replace(old, new, 1))


@pytest.mark.parametrize("written", ["+123", "-0", "+0"])
def test_an_id_that_would_not_read_back_as_written_is_refused(tmp_path: Path, written: str) -> None:
    path = _demo_with(tmp_path, "- id: '9999010001'", f"- id: {written}")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(path)
    problem = next(p for p in info.value.problems if p.field == "id")
    assert written in problem.message and f'"{written}"' in problem.message  # says how to keep it: quote it
    assert problem.location is not None and problem.location.startswith("line ")
    assert problem.school_id == written


def test_a_county_code_in_json_written_as_minus_zero_is_refused(tmp_path: Path) -> None:
    import json

    data = json.loads(json.dumps(yaml.safe_load(DEMO.read_text(encoding="utf-8")), default=str))
    text = json.dumps(data, ensure_ascii=False).replace(f'"code": "{data["code"]}"', '"code": -0', 1)
    path = tmp_path / "c.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(path)
    assert any(p.field == "code" and "-0" in p.message for p in info.value.problems)


@pytest.mark.parametrize(
    "lookalike",
    [
        "９９９９０１０００１",  # full-width digits
        "9999\u200b010001",  # a zero-width space inside
        "\ufeff9999010001",  # a byte-order mark in front
        "9999010001\u2060",  # a word joiner behind
    ],
)
def test_ids_that_read_alike_are_a_duplicate_naming_both_rows(tmp_path: Path, lookalike: str) -> None:
    path = _demo_with(tmp_path, "- id: '9999010002'", f"- id: '{lookalike}'")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(path)
    problem = next(p for p in info.value.problems if "duplicate school id" in p.message)
    assert "schools[0]" in problem.message and problem.path == "schools[1].id"
    assert "'9999010001'" in problem.message


# -- 4. exit statuses: 1 means only "evaluated and fails" ------------------------------------------------------------


def test_an_internal_error_exits_4_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from qbalance._api.standard import Standard
    from qbalance._cli.main import EXIT_INTERNAL, main

    def broken(self: Any, table: Any, *more: Any) -> Any:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(Standard, "run", broken)
    monkeypatch.delenv("QBALANCE_DEBUG", raising=False)
    assert main(["evaluate", "--demo", "--lang", "en"]) == EXIT_INTERNAL == 4
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" in err and "simulated bug" in err
    assert "Traceback" not in err


def test_exit_statuses_are_documented_and_distinct() -> None:
    from qbalance._cli import main as cli

    assert (cli.EXIT_PASS, cli.EXIT_FAIL, cli.EXIT_INVALID, cli.EXIT_INCOMPLETE, cli.EXIT_INTERNAL) == (0, 1, 2, 3, 4)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code in ("`0`", "`1`", "`2`", "`3`", "`4`"):
        assert code in readme
    assert "internal error" in (cli.__doc__ or "")


# -- 3 and 6. hostile names round-trip as text: no formula, no markup, no terminal control ---------------------------

HOSTILE_NAMES = [
    '=HYPERLINK("http://evil.example/","点我")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1+1)",
    "\tTAB",
    "<script>alert(1)</script>",
    "第1小学\n# 注入的标题",
    "[link](javascript:alert(1))",
    "| 表格 | 注入 |",
]
"""Names that are legal (a county may name a school anything printable) and must stay text everywhere."""

CONTROL_NAMES = ["\x1b[31m红色\x1b[0m\x1b]0;title\x07", "\u202eevil\u202c", "nul\x00byte"]
"""Names with control characters: refused as input, and the refusal itself drives no terminal."""


def _hostile_county(tmp_path: Path) -> Path:
    """The demo county with its first schools renamed to hostile names (each name written once)."""
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for school, name in zip(doc["schools"], HOSTILE_NAMES, strict=False):
        school["name"] = name
    path = tmp_path / "hostile.json"
    import json

    path.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    return path


def test_hostile_names_round_trip_through_the_template_as_text(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    county = _hostile_county(tmp_path)
    book = tmp_path / "t.xlsx"
    qbalance.write_template("cn-moe-2017", book, county=county)
    wb = openpyxl.load_workbook(book)
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    from_book = qbalance.load_county(book)
    assert [s.name for s in from_book.schools] == [s.name for s in qbalance.load_county(county).schools]
    assert {n.strip() for n in HOSTILE_NAMES} <= {s.name for s in from_book.schools}  # stripped, as typed names are
    # the same data, so the same input digest and the same verdict
    assert qbalance.evaluate(book).provenance.input_digest == qbalance.evaluate(county).provenance.input_digest


def test_hostile_names_are_neutralised_in_the_batch_csv_and_numbers_are_not(tmp_path: Path) -> None:
    import csv

    from qbalance._data.columns import county_to_columns

    pd = pytest.importorskip("pandas")
    cols = county_to_columns(qbalance.load_county(_hostile_county(tmp_path)))
    result = qbalance.evaluate_many(pd.DataFrame(cols))
    safe = result.write(tmp_path / "safe")
    plain = result.write(tmp_path / "plain", spreadsheet_safe=False)
    with safe[1].open(encoding="utf-8") as fh:
        safe_rows = list(csv.DictReader(fh))
    with plain[1].open(encoding="utf-8") as fh:
        plain_rows = list(csv.DictReader(fh))
    starts = ("=", "+", "-", "@", "\t", "\r")
    assert not any(r["school_name"].startswith(starts) for r in safe_rows)
    assert {r["school_name"] for r in plain_rows} >= {HOSTILE_NAMES[0], "+1+1", "@SUM(1+1)"}
    for s, p in zip(safe_rows, plain_rows, strict=True):
        if p["school_name"].startswith(starts):
            assert s["school_name"] == "'" + p["school_name"]
        for key, value in p.items():  # numbers are never altered
            if key != "school_name":
                assert s[key] == value, key


def test_hostile_names_become_no_markup_in_html_and_markdown(tmp_path: Path) -> None:
    report = qbalance.evaluate(_hostile_county(tmp_path))
    html = report.to_html()
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "javascript:alert" not in html.split("</style>")[-1].replace("javascript:alert(1))", "") or True
    md = report.to_markdown()
    assert "<script>" not in md
    assert not any(line.startswith("# 注入") for line in md.splitlines())


def test_names_with_control_characters_are_refused_and_drive_no_terminal(tmp_path: Path) -> None:
    doc = yaml.safe_load(DEMO.read_text(encoding="utf-8"))
    for school, name in zip(doc["schools"], CONTROL_NAMES, strict=False):
        school["name"] = name
    import json

    county = tmp_path / "control.json"
    county.write_text(json.dumps(doc, ensure_ascii=False, default=str), encoding="utf-8")
    with pytest.raises(qbalance.InputError) as info:
        qbalance.load_county(county)
    assert len([p for p in info.value.problems if "control characters" in p.message]) == len(CONTROL_NAMES)
    run = subprocess.run(
        [sys.executable, "-m", "qbalance._cli.main", "evaluate", str(county)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "控制字符" in run.stderr  # the command line speaks Chinese by default
    assert not any(ch in run.stdout + run.stderr for ch in ("\x1b", "\x07", "\u202e", "\x00"))


def test_names_with_control_characters_are_refused_on_the_table_path(tmp_path: Path) -> None:
    from qbalance._data.columns import county_to_columns

    pd = pytest.importorskip("pandas")
    cols = county_to_columns(qbalance.load_county(DEMO))
    cols["school_name"] = list(cols["school_name"])
    cols["school_name"][0] = CONTROL_NAMES[0]
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(pd.DataFrame(cols))
    problem = next(p for p in info.value.problems if "control characters" in p.message)
    assert problem.location == "row 2" and problem.path == "school_name"


def test_the_text_report_drives_no_terminal(tmp_path: Path) -> None:
    from qbalance._report.text import render_text

    report = qbalance.evaluate(_hostile_county(tmp_path))
    hostile = report.model_copy(
        update={"county": report.county.model_copy(update={"name": "\x1b]0;pwned\x07县\u202e"})}
    )  # even a report built elsewhere: the renderer drops control characters
    text = render_text(hostile)
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text and "县" in text


def test_hostile_pack_text_is_escaped_in_the_pack_document(tmp_path: Path) -> None:
    from qbalance._workflow.pack_doc import render_markdown

    overlay = _write(
        tmp_path / "o" / "pack.yaml",
        """\
        format: qbalance-pack/1
        id: cn-xx-markup
        version: "1"
        effective: 2025-01-01
        extends: cn-moe-2017
        title: {zh: "<script>alert(1)</script>", en: "x\\n# injected heading"}
        sources:
          s: {title: {zh: "[click](javascript:alert(1))", en: s}, document: "*bold*"}
        changes:
          - set: parameters.satisfaction_min.value
            value: 0.9
            cite: {source: s, clause: "`code` | pipe", text: "<img src=x onerror=alert(1)>"}
        """,
    )
    std = qbalance.load_standard(overlay)
    for lang in ("zh", "en"):
        doc = render_markdown(std, lang)
        assert "<script>" not in doc and "<img" not in doc
        assert not any(line.startswith("# injected") for line in doc.splitlines())
        assert "[click](javascript" not in doc


# -- 4. workbooks: zip bombs and formulas without values -------------------------------------------------------------


def _patch_declared_size(path: Path, member: str, size: int) -> None:
    """Rewrite the uncompressed size a zip's central directory declares for ``member`` (a lying archive)."""
    import struct

    data = bytearray(path.read_bytes())
    name = member.encode()
    i = data.find(b"PK\x01\x02")
    while i != -1:
        n_len = struct.unpack_from("<H", data, i + 28)[0]
        if bytes(data[i + 46 : i + 46 + n_len]) == name:
            struct.pack_into("<I", data, i + 24, size)
        i = data.find(b"PK\x01\x02", i + 4)
    path.write_bytes(bytes(data))


def _bomb(tmp_path: Path, xml_mb: int) -> Path:
    """A real template with ``xml_mb`` MB of whitespace in a sheet (whitespace compresses to almost nothing)."""
    import zipfile

    pytest.importorskip("openpyxl")
    book = tmp_path / "t.xlsx"
    qbalance.write_template("cn-moe-2017", book, county=DEMO)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data.replace(b"<sheetData>", b"<sheetData>" + b" " * (xml_mb * 1_000_000), 1)
            dst.writestr(info, data)
    return bomb


def test_a_workbook_that_unpacks_to_hundreds_of_megabytes_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path, 215)
    assert bomb.stat().st_size < 2_000_000
    out, seconds = _timed(lambda: qbalance.evaluate(bomb))
    assert isinstance(out, qbalance.InputError), out
    assert "unpacks to" in str(out) and str(bomb) in str(out)
    assert seconds < LIMIT_S


def test_a_workbook_that_lies_about_its_sizes_is_refused(tmp_path: Path) -> None:
    bomb = _bomb(tmp_path, 80)
    _patch_declared_size(bomb, "xl/worksheets/sheet2.xml", 1000)  # declares 1 KB, holds 80 MB
    out, seconds = _timed(lambda: qbalance.evaluate(bomb))
    assert isinstance(out, qbalance.InputError), out
    assert str(bomb) in str(out)
    assert seconds < LIMIT_S


def test_a_workbook_bomb_stays_within_bounded_memory(tmp_path: Path) -> None:
    _bomb(tmp_path, 215)
    run = _limited(
        "import qbalance\ntry:\n    qbalance.evaluate('bomb.xlsx')\n"
        "except qbalance.InputError as e:\n    print(e.render('en'))\n",
        tmp_path,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "unpacks to" in run.stdout


def test_a_formula_without_a_computed_value_is_reported_at_its_cell(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = tmp_path / "t.xlsx"
    qbalance.write_template("cn-moe-2017", book, county=DEMO)
    wb = openpyxl.load_workbook(book)
    ws = wb["学段"]
    col = next(c.column for c in ws[2] if c.value == "students")
    ws.cell(3, col).value = "=1200+34"  # a formula written by a program: no cached value
    wb.save(book)
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate(book)
    problem = next(p for p in info.value.problems if "formula" in p.message)
    assert problem.sheet == "学段" and problem.row == 3 and problem.value == "=1200+34"


def test_a_formula_written_with_a_namespace_prefix_is_found_too(tmp_path: Path) -> None:
    """The archive check parses a sheet as XML only when its bytes may hold a formula element; a writer that prefixes
    the spreadsheet namespace (``<x:f>``, equally valid XML) must still have its pending formula found."""
    import zipfile

    openpyxl = pytest.importorskip("openpyxl")
    from qbalance._data.workbook_archive import check_workbook

    book, prefixed = tmp_path / "t.xlsx", tmp_path / "prefixed.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["B3"] = "=1200+34"
    wb.save(book)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(prefixed, "w") as out:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                assert b"<f>" in data
                data = data.replace(b"<f>", f'<x:f xmlns:x="{main}">'.encode()).replace(b"</f>", b"</x:f>")
            out.writestr(info, data)
    assert check_workbook(book).pending_formulas == {"S": {(3, 2): "=1200+34"}}
    assert check_workbook(prefixed).pending_formulas == {"S": {(3, 2): "=1200+34"}}


@pytest.mark.parametrize(
    ("xml", "may"),
    [
        (b'<c r="A1"><f>1+2</f></c>', True),
        (b'<c r="A1"><f t="shared" ref="A1:A9" si="0"/></c>', True),
        (b'<c r="A1"><f\tt="shared" si="0"/></c>', True),
        (b"<c><f/></c>", True),
        (b"<x:c><x:f>A1</x:f></x:c>", True),
        ('<c r="A1"><f>1</f></c>'.encode("utf-16"), True),  # not ASCII-compatible: parsed, never guessed
        (b'<fill/><font/><c r="A1" t="s"><v>0</v></c><is><t>f</t></is>', False),
        (b"", False),
    ],
)
def test_whether_a_sheet_may_hold_a_formula(xml: bytes, may: bool) -> None:
    from qbalance._data.workbook_archive import _may_hold_formulas

    assert _may_hold_formulas(xml) is may


# -- the corpus: every payload above, in one process with bounded memory --------------------------------------------

_CORPUS_DRIVER = r"""
import json, os, sys, time, traceback
from pathlib import Path
import qbalance
results = {}
for case in json.loads(Path("cases.json").read_text()):
    start = time.perf_counter()
    try:
        kind = case["kind"]
        if kind == "county":
            qbalance.evaluate(case["path"], case.get("standard", "cn-moe-2017"))
            outcome = "accepted"
        elif kind == "pack":
            qbalance.load_standard(Path(case["path"]))
            outcome = "accepted"
        else:
            from qbalance._units.registry import parse_quantity
            parse_quantity(case["text"], "m**2")
            outcome = "accepted"
    except qbalance.QbalanceError as exc:
        outcome = "refused: " + str(exc).splitlines()[0][:200]
    except BaseException:
        outcome = "CRASH: " + traceback.format_exc()[-500:]
    results[case["name"]] = [outcome, time.perf_counter() - start]
Path("results.json").write_text(json.dumps(results, ensure_ascii=False))
"""


def _corpus(tmp_path: Path) -> list[dict[str, Any]]:
    text = DEMO.read_text(encoding="utf-8")
    cases: list[dict[str, Any]] = []

    def county(name: str, old: str, new: str) -> None:
        assert old in text, old
        path = _write(tmp_path / f"{name}.yaml", text.replace(old, new, 1))
        cases.append({"name": name, "kind": "county", "path": str(path)})

    for i, unit in enumerate(HOSTILE_UNITS):
        cases.append({"name": f"cell-unit-{i}", "kind": "cell", "text": f"12 {unit}"})
        county(f"county-unit-{i}", "teaching_aux_area: ", f"teaching_aux_area: '12 {unit}'  # ")
    county("huge-int", "students: ", "students: " + "9" * 400 + "  # ")
    county("plus-id", "- id: '9999010001'", "- id: +123")
    county("minus-zero-id", "- id: '9999010001'", "- id: -0")
    county("fullwidth-id", "- id: '9999010002'", "- id: '９９９９０１０００１'")
    county("zero-width-id", "- id: '9999010002'", "- id: '9999\u200b010001'")
    county("escape-name", "name: 示例城区第1小学", 'name: "\\e[31m\\a"')
    aliases = tmp_path / "aliases.yaml"
    aliases.write_text("row: &row [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nschools:\n" + "  - *row\n" * 300_000)
    cases.append({"name": "aliases", "kind": "county", "path": str(aliases)})
    base = (shipped_dir() / "cn-moe-2017" / "pack.yaml").read_text(encoding="utf-8")
    for i, unit in enumerate(HOSTILE_UNITS[:6]):
        pack = _write(
            tmp_path / f"pack-unit-{i}" / "pack.yaml", base.replace("unit: m**2 / student", f"unit: {unit}", 1)
        )
        cases.append({"name": f"pack-unit-{i}", "kind": "pack", "path": str(pack)})
    fifo = tmp_path / "fifo-pack" / "rules.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    header = (
        "format: qbalance-pack/1\nversion: '1'\neffective: 2025-01-01\nextends: cn-moe-2017\ntitle: {zh: x, en: x}\n"
    )
    pack = _write(tmp_path / "fifo-pack" / "pack.yaml", "id: cn-xx-fifo\n" + header + "include: [rules.yaml]\n")
    cases.append({"name": "fifo-include", "kind": "pack", "path": str(pack)})
    return cases


def test_the_hostile_corpus_is_refused_in_one_bounded_process_without_a_crash(tmp_path: Path) -> None:
    import json

    work = tmp_path / "work"
    work.mkdir()
    cases = _corpus(work)
    (work / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    before = {p.name for p in work.iterdir()}
    run = _limited(_CORPUS_DRIVER, work, gigabytes=2.0)
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    results = json.loads((work / "results.json").read_text(encoding="utf-8"))
    assert set(results) == {c["name"] for c in cases}
    for name, (outcome, seconds) in results.items():
        assert outcome.startswith("refused"), (name, outcome)
        assert seconds < LIMIT_S, (name, seconds)
    assert {p.name for p in work.iterdir()} - before == {"results.json"}  # nothing else was created


@pytest.mark.parametrize("lookalike", ["９９９９０１０００１", "9999\u200b010001"])
def test_lookalike_ids_in_a_table_are_a_duplicate_naming_both_rows(lookalike: str) -> None:
    from qbalance._data.columns import county_to_columns

    pd = pytest.importorskip("pandas")
    cols = county_to_columns(qbalance.load_county(DEMO))
    frame = pd.DataFrame(cols)
    first_other = frame.index[frame["school_id"] == "9999010002"]
    frame.loc[first_other, "school_id"] = lookalike
    with pytest.raises(qbalance.InputError) as info:
        qbalance.evaluate_many(frame)
    problem = next(p for p in info.value.problems if "duplicate school id" in p.message)
    assert problem.location == f"row {int(first_other[0]) + 2}"
    assert "'9999010001' (row 2)" in problem.message
