"""The reference documents stay honest: docs/pack-format.md and docs/report-schema.md are checked against the code.

* Every ```yaml block of docs/pack-format.md is one of: a complete pack (it contains ``format: qbalance-pack/1``),
  loaded the way ``qbalance evaluate`` loads it and linted without warnings; an excerpt of a shipped pack
  (``<!-- excerpt: standards/<id>/pack.yaml -->`` before it), which must appear in that file (modulo whitespace) and
  parse with the safe loader; a fragment file of the next complete pack (``<!-- file: parts/x.yaml -->``); a pack that
  must be refused (``<!-- invalid: message -->``); or a document the safe YAML loader must refuse
  (``<!-- invalid-yaml: message -->``). An unmarked block that is not a pack fails the test.
* The limits docs/pack-format.md quotes are the ones in the code.
* Every field table of docs/report-schema.md (``<!-- fields: Model -->`` before a table whose first column holds the
  JSON keys) lists exactly the properties of that object in the schema printed by ``qbalance schema report``, and
  every object of that schema has a table; the same for the plan (``<!-- plan-fields: Model -->``) against the
  plan model's schema; the abridged examples (``<!-- example: report -->`` / ``plan`` before a ```json block) are
  valid documents of their format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from qbalance._api.standard import load_standard
from qbalance._base.documents import PACK_LIMITS, YamlRefused, load_yaml
from qbalance._base.errors import PackError
from qbalance._cli.main import main as cli_main
from qbalance._dsl.parse import MAX_ARGS, MAX_DEPTH, MAX_LENGTH, MAX_NODES
from qbalance._packs.resolve import MAX_CHAIN, MAX_INCLUDES
from qbalance._report.plan import Plan
from qbalance._report.report import Report
from qbalance._workflow.pack_doc import lint_standard

ROOT = Path(__file__).resolve().parents[1]
PACK_DOC = ROOT / "docs" / "pack-format.md"
REPORT_DOC = ROOT / "docs" / "report-schema.md"

_MARKER = re.compile(r"^<!--\s*([a-z-]+)\s*:\s*(.*?)\s*-->$")
_TABLE_KEY = re.compile(r"^\|\s*`([^`]+)`")


@dataclass(frozen=True)
class Block:
    line: int
    text: str
    marker: str | None
    arg: str | None


def _yaml_blocks(path: Path) -> list[Block]:
    """The ```yaml blocks of a Markdown file, each with the HTML-comment marker just before it (blank lines allowed)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    out: list[Block] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```yaml":
            j = i - 1
            while j >= 0 and not lines[j].strip():
                j -= 1
            m = _MARKER.match(lines[j].strip()) if j >= 0 else None
            end = i + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            assert end < len(lines), f"{path.name}:{i + 1}: unterminated yaml block"
            body = "\n".join(lines[i + 1 : end]) + "\n"
            out.append(Block(i + 1, body, m.group(1) if m else None, m.group(2) if m else None))
            i = end + 1
            continue
        i += 1
    return out


BLOCKS = _yaml_blocks(PACK_DOC)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_the_document_has_examples_of_every_kind() -> None:
    kinds = {b.marker or ("pack" if "format: qbalance-pack/1" in b.text else "unmarked") for b in BLOCKS}
    assert {"pack", "excerpt", "file", "invalid", "invalid-yaml"} <= kinds
    assert "unmarked" not in kinds, [b.line for b in BLOCKS if b.marker is None and "format:" not in b.text]


def _pending_files(block: Block) -> list[Block]:
    """The fragment blocks that belong to the complete pack ``block`` (the ``file`` blocks just before it)."""
    idx = BLOCKS.index(block)
    files: list[Block] = []
    for prev in reversed(BLOCKS[:idx]):
        if prev.marker != "file":
            break
        files.insert(0, prev)
    return files


def _write_pack(block: Block, base: Path) -> Path:
    doc = load_yaml(block.text, f"pack-format.md:{block.line}").data
    directory = base / str(doc.get("id", "pack"))
    directory.mkdir(parents=True)
    for frag in _pending_files(block):
        assert frag.arg, f"line {frag.line}: a file block needs a path"
        target = directory / frag.arg
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(frag.text, encoding="utf-8")
    (directory / "pack.yaml").write_text(block.text, encoding="utf-8")
    return directory


@pytest.mark.parametrize("block", BLOCKS, ids=[f"line-{b.line}-{b.marker or 'pack'}" for b in BLOCKS])
def test_yaml_block(block: Block, tmp_path: Path) -> None:
    where = f"docs/pack-format.md line {block.line}"
    if block.marker == "excerpt":
        assert block.arg, f"{where}: name the shipped pack file"
        shipped = ROOT / block.arg
        assert shipped.is_file(), f"{where}: {block.arg} does not exist"
        assert _squash(block.text) in _squash(shipped.read_text(encoding="utf-8")), (
            f"{where}: the excerpt does not appear in {block.arg} (the pack changed; update the document)"
        )
        load_yaml(block.text, where)
    elif block.marker == "invalid-yaml":
        with pytest.raises(YamlRefused) as refused:
            load_yaml(block.text, where)
        assert block.arg and block.arg in str(refused.value), str(refused.value)
    elif block.marker == "invalid":
        directory = _write_pack(block, tmp_path)
        with pytest.raises(PackError) as pack_refused:
            load_standard(directory)
        assert block.arg and block.arg in str(pack_refused.value), str(pack_refused.value)
    elif block.marker == "file":
        idx = BLOCKS.index(block)
        following = [b for b in BLOCKS[idx + 1 :] if b.marker != "file"]
        assert following and following[0].marker is None, f"{where}: a file block must precede a complete pack"
        load_yaml(block.text, where)
    else:
        assert block.marker is None, f"{where}: unknown marker {block.marker!r}"
        assert "format: qbalance-pack/1" in block.text, (
            f"{where}: a yaml block must be a complete pack or be marked (excerpt, file, invalid, invalid-yaml)"
        )
        std = load_standard(_write_pack(block, tmp_path))
        warnings = lint_standard(std)
        assert warnings == [], [w.render() for w in warnings]


def test_complete_packs_cover_overlays_and_standalone_packs() -> None:
    packs = [b for b in BLOCKS if b.marker is None]
    assert any("extends: cn-moe-2017" in b.text for b in packs)
    assert any("extends:" not in b.text for b in packs)


def test_quoted_limits_are_the_code_limits() -> None:
    text = PACK_DOC.read_text(encoding="utf-8")
    expected = [
        f"| file size | {PACK_LIMITS.max_bytes:,} bytes |",
        f"| nesting depth | {PACK_LIMITS.max_depth} levels |",
        f"| one scalar | {PACK_LIMITS.max_scalar_chars:,} characters |",
        f"counted **after** alias expansion | {PACK_LIMITS.max_nodes:,} |",
        f"chains may be up to {MAX_CHAIN}",
        f"at most {MAX_INCLUDES}. A fragment",
        f"At most {MAX_LENGTH:,} characters, {MAX_NODES} parts (nodes), nesting depth {MAX_DEPTH} and {MAX_ARGS} "
        "arguments per call",
    ]
    missing = [phrase for phrase in expected if phrase not in text]
    assert not missing, missing


# -- docs/report-schema.md -------------------------------------------------------------------------------------------


def _field_tables(text: str, marker: str) -> dict[str, list[str]]:
    """``<!-- marker: Model -->`` followed by a Markdown table: the backticked keys of its first column."""
    lines = text.split("\n")
    out: dict[str, list[str]] = {}
    for i, line in enumerate(lines):
        m = _MARKER.match(line.strip())
        if not m or m.group(1) != marker:
            continue
        name = m.group(2)
        assert name not in out, f"two tables for {name}"
        j = i + 1
        while j < len(lines) and not lines[j].startswith("|"):
            j += 1
        keys: list[str] = []
        while j < len(lines) and lines[j].startswith("|"):
            k = _TABLE_KEY.match(lines[j])
            if k:
                keys.append(k.group(1))
            j += 1
        assert keys, f"no table after the marker for {name}"
        out[name] = keys
    return out


@pytest.fixture(scope="module")
def report_schema(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("schema") / "report.json"
    assert cli_main(["schema", "report", "-o", str(out)]) == 0
    schema: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return schema


def _objects(schema: dict[str, Any], root: str) -> dict[str, set[str]]:
    objects = {root: set(schema["properties"])}
    for name, definition in schema.get("$defs", {}).items():
        objects[name] = set(definition.get("properties", {}))
    return objects


def _compare(documented: dict[str, list[str]], objects: dict[str, set[str]], what: str) -> None:
    problems: list[str] = []
    for name, keys in documented.items():
        if name not in objects:
            problems.append(f"{what}: table for {name}, which is not an object of the schema")
            continue
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            problems.append(f"{what} {name}: listed twice: {dup}")
        extra = sorted(set(keys) - objects[name])
        if extra:
            problems.append(f"{what} {name}: documented but not in the schema: {extra}")
        undocumented = sorted(objects[name] - set(keys))
        if undocumented:
            problems.append(f"{what} {name}: in the schema but not documented: {undocumented}")
    assert not problems, "\n".join(problems)


def test_report_fields_match_the_schema(report_schema: dict[str, Any]) -> None:
    documented = _field_tables(REPORT_DOC.read_text(encoding="utf-8"), "fields")
    objects = _objects(report_schema, "Report")
    missing = sorted(set(objects) - set(documented))
    assert not missing, f"objects of `qbalance schema report` without a field table: {missing}"
    _compare(documented, objects, "report")


def test_plan_fields_match_the_plan_model(report_schema: dict[str, Any]) -> None:
    documented = _field_tables(REPORT_DOC.read_text(encoding="utf-8"), "plan-fields")
    plan_objects = _objects(Plan.model_json_schema(), "Plan")
    report_defs = report_schema["$defs"]
    shared = {n for n in plan_objects if n in report_defs}
    for name in shared:  # shared objects are documented once, with the report
        assert Plan.model_json_schema()["$defs"][name] == report_defs[name], f"{name} differs between report and plan"
    own = {n: keys for n, keys in plan_objects.items() if n not in shared}
    missing = sorted(set(own) - set(documented))
    assert not missing, f"objects of the plan without a field table: {missing}"
    _compare(documented, own, "plan")


def test_report_doc_names_the_formats_and_statuses(report_schema: dict[str, Any]) -> None:
    text = REPORT_DOC.read_text(encoding="utf-8")
    assert report_schema["properties"]["format"]["const"] in text
    assert Plan.model_fields["format"].default in text
    statuses = report_schema["$defs"]["AreaOut"]["properties"]["status"]["enum"]
    verdicts = report_schema["properties"]["verdict"]["enum"]
    for word in [*statuses, *verdicts]:
        assert f"`{word}`" in text, word


def test_report_doc_examples_are_valid_documents() -> None:
    lines = REPORT_DOC.read_text(encoding="utf-8").split("\n")
    found: dict[str, int] = {}
    for i, line in enumerate(lines):
        m = _MARKER.match(line.strip())
        if not m or m.group(1) != "example":
            continue
        start = i + 1
        while lines[start].strip() != "```json":
            start += 1
        end = start + 1
        while lines[end].strip() != "```":
            end += 1
        data = json.loads("\n".join(lines[start + 1 : end]))
        models: dict[str, type[BaseModel]] = {"report": Report, "plan": Plan}
        model = models[m.group(2)]
        model.model_validate(data)  # an abridged real document is still a valid one
        found[m.group(2)] = found.get(m.group(2), 0) + 1
    assert found == {"report": 1, "plan": 1}


def test_packs_shipped_names_every_item_of_every_shipped_pack() -> None:
    # docs/packs-shipped.md is what a reviewer reads first; an item added to a pack without a line there fails here.
    from qbalance import load_standard

    text = (Path(__file__).parents[1] / "docs" / "packs-shipped.md").read_text(encoding="utf-8")
    missing = [
        f"{pack}:{item_id}"
        for pack in ("cn-moe-2017", "cn-yn-wenshan-2024", "cn-moe-2012-basic")
        for item_id in load_standard(pack).pack.items
        if f"`{item_id}`" not in text
    ]
    assert missing == []


def test_the_input_formats_tables_evaluate_as_described(tmp_path: Path) -> None:
    # docs/input-format.md §17 shows one county as a long and as a wide table: both must evaluate, to the same JSON,
    # with the resource area passing and school 5300000001 exactly at the R6 threshold (960 000 / 480 = 2000, by hand).
    import re as _re

    from qbalance import evaluate

    text = (Path(__file__).parents[1] / "docs" / "input-format.md").read_text(encoding="utf-8")
    tables = dict(_re.findall(r"<!-- table: (\w+) -->\n```csv\n(.*?)```", text, _re.S))
    assert set(tables) == {"long", "wide"}
    reports = {}
    for name, body in tables.items():
        path = tmp_path / f"{name}.csv"
        path.write_text(body, encoding="utf-8")
        reports[name] = evaluate(path)
    assert reports["long"].to_json() == reports["wide"].to_json()
    report = reports["long"]
    assert report.area_status("resource") == "pass" and report.verdict == "incomplete"
    r6 = next(v for s in report.schools if s.school_id == "5300000001" for v in s.values if v.indicator == "R6")
    assert r6.value == 2000.0 and r6.met is True


# -- README.md and CI ------------------------------------------------------------------------------------------------

README = ROOT / "README.md"
CI = ROOT / ".ci" / "run"


def _bash_blocks_of(section: str) -> list[list[str]]:
    """The command lines (not blank, not comments) of each ```bash block of a README section."""
    text = README.read_text(encoding="utf-8")
    body = re.search(rf"^## {re.escape(section)}\n(.*?)(?=^## )", text, re.S | re.M)
    assert body is not None, f"README.md has no section {section!r}"
    blocks = re.findall(r"^```bash\n(.*?)^```", body.group(1), re.S | re.M)
    return [[ln for ln in b.splitlines() if ln.strip() and not ln.lstrip().startswith("#")] for b in blocks]


def test_the_readme_quick_start_makes_a_virtual_environment_first_in_two_commands() -> None:
    setup, tests = _bash_blocks_of("Quick start")
    assert len(setup) == 2  # two commands do all the set-up
    venv, install = setup
    assert venv.startswith("python3 -m venv .venv && ") and venv.endswith(". .venv/bin/activate")
    assert install == "pip install . && qbalance evaluate --demo"
    assert tests == ['pip install ".[test]" && python -m pytest']


def test_ci_runs_exactly_the_readme_test_command() -> None:
    (_, tests) = _bash_blocks_of("Quick start")
    script = CI.read_text(encoding="utf-8").splitlines()
    marker = script.index("# --- the README's test command, verbatim ---")
    assert script[marker + 1] == tests[0]
    assert any(line.startswith("python3 -m venv ") for line in script[:marker])  # CI, too, installs into a venv
