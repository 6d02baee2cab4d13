"""The index of shipped pack headers (``_packs/catalogue_index.json``) that spares the catalogue parsing every shipped
pack: it is current, it gives the same entries as parsing, and it is never used for a file it was not made from."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

import qbalance
from qbalance._packs import catalogue, catalogue_index
from qbalance._packs.catalogue_index import header_of, known_header
from qbalance._packs.load import read_pack_file

SHIPPED = sorted(catalogue.shipped_dir().glob("*/pack.yaml"))


def test_the_index_file_is_what_parsing_the_shipped_packs_gives() -> None:
    """When this fails after editing or adding a shipped pack, run ``python tools/build_pack_index.py``."""
    assert catalogue_index.INDEX_PATH.read_text(encoding="utf-8") == catalogue.shipped_index_text()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_every_shipped_pack_is_in_the_index_with_the_header_parsing_gives(path: Path) -> None:
    parsed = header_of(read_pack_file(path).doc)
    assert parsed is not None and known_header(path.read_bytes()) == parsed


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_an_entry_from_the_index_equals_the_entry_made_by_parsing(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from_index = catalogue._read_entry(path, "shipped")
    monkeypatch.setattr(catalogue, "known_header", lambda raw: None)
    assert catalogue._read_entry(path, "shipped") == from_index


def test_the_national_entry_reads_as_its_yaml_says() -> None:
    """By hand from standards/cn-moe-2017/pack.yaml: id, version, effective date, no expiry, no base pack."""
    entry = catalogue._read_entry(catalogue.shipped_dir() / "cn-moe-2017" / "pack.yaml", "shipped")
    assert entry is not None
    assert (entry.id, entry.version, entry.effective, entry.expires, entry.extends) == (
        "cn-moe-2017",
        "1.0.0",
        dt.date(2017, 4, 19),
        None,
        None,
    )
    assert entry.title_zh == "县域义务教育优质均衡发展督导评估办法"


def test_an_edited_copy_of_a_shipped_pack_is_parsed_not_read_from_the_index(tmp_path: Path) -> None:
    """One changed byte in the title: the entry shows the new title, so the index answered nothing for it."""
    src = catalogue.shipped_dir() / "cn-moe-2017"
    copy = tmp_path / "mine"
    shutil.copytree(src, copy)
    pack = copy / "pack.yaml"
    text = pack.read_text(encoding="utf-8")
    assert "id: cn-moe-2017" in text
    pack.write_text(text.replace("id: cn-moe-2017", "id: cn-moe-2017-local", 1), encoding="utf-8")
    assert known_header(pack.read_bytes()) is None
    entry = catalogue._read_entry(pack, "path")
    assert entry is not None and entry.id == "cn-moe-2017-local"
    assert qbalance.load_standard(copy).pack.id == "cn-moe-2017-local"


def test_a_missing_index_file_only_means_parsing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(catalogue_index, "INDEX_PATH", tmp_path / "absent.json")
    catalogue_index._index.cache_clear()
    try:
        assert known_header((SHIPPED[0]).read_bytes()) is None
        entry = catalogue._read_entry(SHIPPED[0], "shipped")
        assert entry is not None and entry.path == SHIPPED[0]
    finally:
        catalogue_index._index.cache_clear()


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"version": "1"}, None),  # no id
        ({"id": "x"}, None),  # no version
        ({"id": 5, "version": "1"}, None),  # an id that is not text
        (
            {"id": "x", "version": 2, "effective": "2024-13-01", "expires": dt.date(2030, 1, 1), "title": {"en": 3}},
            {
                "id": "x",
                "version": "2",
                "effective": None,  # month 13: not a date
                "expires": "2030-01-01",
                "title_zh": "x",  # no Chinese title: the id
                "title_en": None,  # not text
                "extends": None,
            },
        ),
    ],
)
def test_a_header_is_read_as_the_catalogue_reads_a_pack(doc: dict[str, object], expected: object) -> None:
    assert header_of(doc) == expected


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"headers": [1]}',
        '{"headers": {"DIGEST": {"id": "cn-moe-2017"}}}',  # not a header's form: missing keys
        '{"headers": {"DIGEST": {"id": 1, "version": "1", "title_zh": "x", "effective": null, "expires": null,'
        ' "title_en": null, "extends": null}}}',  # an id that is not text
    ],
)
def test_a_broken_index_answers_nothing_and_the_pack_is_parsed(
    text: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    raw = SHIPPED[0].read_bytes()
    index = tmp_path / "index.json"
    index.write_text(text.replace("DIGEST", hashlib.sha256(raw).hexdigest()), encoding="utf-8")
    monkeypatch.setattr(catalogue_index, "INDEX_PATH", index)
    catalogue_index._index.cache_clear()
    try:
        assert known_header(raw) is None
        entry = catalogue._read_entry(SHIPPED[0], "shipped")
        assert entry is not None and entry.id == SHIPPED[0].parent.name  # parsed: each shipped pack's id is its folder
    finally:
        catalogue_index._index.cache_clear()
