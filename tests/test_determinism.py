"""Determinism: the same input and pack give a byte-identical report, in one process, across fresh processes with
different hash seeds, through the CLI and the API; and the report's provenance is enough to re-run it.

School order (documented in docs/semantics.md, "Determinism and provenance"): the report lists schools in the order
of the input file, and the input digest is computed over the data in that order. Reordering the schools changes
neither the verdict, nor any school's values and results, nor any CV beyond floating-point rounding of the sums
(relative 1e-12); it changes the listing order and the digest.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

import qbalance
from conftest import county, school

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "small-county.yaml"

_SCRIPT = """
import sys, qbalance
report = qbalance.evaluate(sys.argv[1], sys.argv[2])
sys.stdout.write(report.to_json())
"""


_CLI = "import sys; from qbalance._cli.main import main; sys.exit(main(sys.argv[1:]))"


def _fresh_process(path: Path, standard: str, seed: str) -> str:
    env = dict(os.environ, PYTHONHASHSEED=seed)
    out = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(path), standard],
        capture_output=True,
        env=env,
        check=True,
        timeout=120,
    )
    return out.stdout.decode("utf-8")


def _mixed_county() -> dict[str, Any]:
    """Several school types, a shared-facility school with a senior part, a warning and a missing value."""
    twelve = school(
        "T12",
        "twelve_year",
        sections={
            "primary": {"students": 700, "teachers": {"full_time": 45, "above_qualified": 30, "backbone": 7}},
            "junior": {"students": 500, "teachers": {"full_time": 40, "above_qualified": 28, "backbone": 5}},
            "senior": {"students": 400},
        },
    )
    zero = school("Z0")
    zero["sections"]["primary"]["students"] = 0
    zero["sections"]["primary"]["teachers"] = {"full_time": 0}
    rural = school("R1", location="rural")
    rural["facilities"].pop("equipment_value")
    return county(
        school("A1"),
        twelve,
        zero,
        rural,
        school(
            "N9",
            "nine_year",
            sections={
                "primary": {"students": 600, "teachers": {"full_time": 40}},
                "junior": {"students": 400, "teachers": {"full_time": 30}},
            },
        ),
    )


@pytest.fixture(scope="module")
def mixed_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("det") / "county.yaml"
    path.write_text(yaml.safe_dump(_mixed_county(), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


# -- byte-identical JSON ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["demo", "example", "mixed"])
def test_two_runs_in_one_process_give_identical_bytes(which: str, mixed_path: Path) -> None:
    path = {"demo": qbalance.demo_path(), "example": EXAMPLE, "mixed": mixed_path}[which]
    first = qbalance.evaluate(path).to_json()
    second = qbalance.evaluate(path, qbalance.load_standard("cn-moe-2017")).to_json()
    assert first.encode("utf-8") == second.encode("utf-8")


@pytest.mark.parametrize("standard", ["cn-moe-2017", "cn-yn-wenshan-2024"])
def test_fresh_processes_with_different_hash_seeds_give_identical_bytes(mixed_path: Path, standard: str) -> None:
    a = _fresh_process(mixed_path, standard, "0")
    b = _fresh_process(mixed_path, standard, "12345")
    assert a == b
    assert a == qbalance.evaluate(mixed_path, standard).to_json()  # and the same as in this process


def test_cli_json_is_byte_identical_across_hash_seeds(tmp_path: Path) -> None:
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"report-{seed}.json"
        subprocess.run(
            [sys.executable, "-c", _CLI, "evaluate", "--demo", "--format", "json", "--output", str(out)],
            env=dict(os.environ, PYTHONHASHSEED=seed),
            capture_output=True,
            timeout=120,
        )
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["provenance"]["input_digest"].startswith("sha256:")


def test_yaml_json_and_dict_give_the_same_report(tmp_path: Path) -> None:
    data = _mixed_county()
    as_json = tmp_path / "c.json"
    as_json.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    as_yaml = tmp_path / "c.yaml"
    as_yaml.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    reports = [qbalance.evaluate(x).to_json() for x in (data, as_json, as_yaml)]
    assert reports[0] == reports[1] == reports[2]


def test_batch_and_single_evaluation_agree(national: qbalance.Standard) -> None:
    from qbalance._data.columns import county_to_columns

    model = qbalance.County.model_validate(_mixed_county())
    single = national.evaluate(model)
    batch = qbalance.evaluate_many(county_to_columns(model), national).report(model.code)
    assert batch.provenance.input_digest == single.provenance.input_digest
    assert batch.to_dict()["schools"] == single.to_dict()["schools"]
    assert batch.verdict == single.verdict


def _unordered(item: dict[str, Any]) -> dict[str, Any]:
    """An item with the school lists in its missing-data notes ("R3 primary: T12, N9") sorted."""
    out = dict(item)
    out["missing"] = sorted(
        f"{head}: {', '.join(sorted(ids.split(', ')))}" for head, _, ids in (m.partition(": ") for m in item["missing"])
    )
    return out


# -- school order -------------------------------------------------------------------------------------------------


def test_school_order_changes_only_the_listing_and_the_digest(national: qbalance.Standard) -> None:
    data = _mixed_county()
    reordered = copy.deepcopy(data)
    reordered["schools"].reverse()
    a = national.evaluate(data)
    b = national.evaluate(reordered)
    # the listing follows the input
    listed = {s.school_id for s in a.schools}
    assert [s["id"] for s in data["schools"] if s["id"] in listed] == list(
        dict.fromkeys(s.school_id for s in a.schools)
    )
    assert [s["id"] for s in reordered["schools"] if s["id"] in listed] == list(
        dict.fromkeys(s.school_id for s in b.schools)
    )
    # ...and nothing else changes
    assert a.verdict == b.verdict
    key = lambda s: (s["school_id"], s["section"])  # noqa: E731
    assert sorted(a.to_dict()["schools"], key=key) == sorted(b.to_dict()["schools"], key=key)
    assert sorted(a.to_dict()["excluded"], key=key) == sorted(b.to_dict()["excluded"], key=key)
    for ia, ib in zip(a.indicators, b.indicators, strict=True):
        for ca, cb in zip(ia.sections, ib.sections, strict=True):
            assert ca.result == cb.result
            for name in ("cv", "county_value", "std", "students"):
                va, vb = getattr(ca, name), getattr(cb, name)
                assert (va is None and vb is None) or va == pytest.approx(vb, rel=1e-12, abs=1e-15)
    assert [_unordered(i.model_dump()) for i in a.items] == [_unordered(i.model_dump()) for i in b.items]
    assert sorted(w.model_dump_json() for w in a.warnings) == sorted(w.model_dump_json() for w in b.warnings)
    # the digest is of the data as listed
    assert a.provenance.input_digest != b.provenance.input_digest
    assert national.evaluate(copy.deepcopy(data)).provenance.input_digest == a.provenance.input_digest


# -- provenance is enough to re-run -------------------------------------------------------------------------------


def test_provenance_names_version_pack_hash_and_input_digest(mixed_path: Path) -> None:
    report = qbalance.evaluate(mixed_path, "cn-yn-wenshan-2024")
    prov = report.provenance
    assert prov.qbalance_version == qbalance.__version__
    assert prov.pack.id == "cn-yn-wenshan-2024" and prov.pack.version and prov.pack.sha256.startswith("sha256:")
    assert [p.id for p in prov.chain] == ["cn-moe-2017", "cn-yn-2022", "cn-yn-wenshan-2024"]  # base first
    assert all(p.sha256.startswith("sha256:") and p.version for p in prov.chain)
    assert prov.input_digest.startswith("sha256:") and len(prov.input_digest) == len("sha256:") + 64


@pytest.mark.parametrize("standard", ["cn-moe-2017", "cn-yn-wenshan-2024", "cn-moe-2012-basic"])
def test_rerunning_from_the_provenance_reproduces_the_report(mixed_path: Path, standard: str) -> None:
    try:
        first = qbalance.evaluate(mixed_path, standard)
    except qbalance.InputError:
        pytest.skip(f"the mixed county lacks inputs {standard} requires")
    prov = first.provenance
    again_std = qbalance.load_standard(f"{prov.pack.id}@{prov.pack.version}", as_of=prov.as_of)
    assert again_std.sha256 == prov.pack.sha256
    assert [c.sha256 for c in again_std.chain] == [c.sha256 for c in prov.chain]
    again = again_std.evaluate(mixed_path)
    assert again.provenance.input_digest == prov.input_digest
    assert again.to_json() == first.to_json()


def test_the_digest_changes_with_any_value_and_not_with_layout(tmp_path: Path) -> None:
    data = _mixed_county()
    base = qbalance.evaluate(data).provenance.input_digest
    changed = copy.deepcopy(data)
    changed["schools"][0]["facilities"]["teaching_aux_area"] += 1
    assert qbalance.evaluate(changed).provenance.input_digest != base
    same = copy.deepcopy(data)
    same["schools"][0]["facilities"]["teaching_aux_area"] = (
        f"{data['schools'][0]['facilities']['teaching_aux_area']} m²"
    )
    assert qbalance.evaluate(same).provenance.input_digest == base  # the same number, written with its unit
    flow = tmp_path / "flow.yaml"
    flow.write_text(yaml.safe_dump(data, allow_unicode=True, default_flow_style=True), encoding="utf-8")
    assert qbalance.evaluate(flow).provenance.input_digest == base


def test_provenance_as_of_is_recorded_and_reused() -> None:
    report = qbalance.evaluate(qbalance.demo_path(), as_of="2024-06-01")
    assert report.provenance.as_of == "2024-06-01"
    again = qbalance.evaluate(qbalance.demo_path(), as_of=report.provenance.as_of)
    assert again.to_json() == report.to_json()
