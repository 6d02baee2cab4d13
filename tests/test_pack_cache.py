"""A pack is parsed, resolved and compiled once per process, and read again as soon as a file of it changes
(src/qbalance/_packs/pack_cache.py). The edits here keep the file's size and modification time, so only the hash
of the bytes can tell — the strictest case. Expected values: the thresholds written into the edited files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import qbalance

SHIPPED = Path(__file__).resolve().parent.parent / "standards" / "cn-moe-2017" / "pack.yaml"


def _copy(tmp_path: Path) -> Path:
    d = tmp_path / "pack"
    d.mkdir()
    shutil.copy(SHIPPED, d / "pack.yaml")
    return d / "pack.yaml"


def _edit_same_size(path: Path, old: str, new: str) -> None:
    assert len(old.encode()) == len(new.encode())
    st = path.stat()
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # the same time and size: only the bytes differ
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def test_an_unchanged_pack_is_not_read_again(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    a, b = qbalance.load_standard(path), qbalance.load_standard(path)
    assert a.compiled is b.compiled
    assert qbalance.load_standard("cn-moe-2017").compiled is qbalance.load_standard("cn-moe-2017").compiled


def test_an_edited_pack_is_read_again(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    before = qbalance.load_standard(path)
    assert before.pack.indicators["R6"].threshold["primary"] == 2000
    _edit_same_size(path, "threshold: {primary: 2000, junior: 2500}", "threshold: {primary: 2100, junior: 2500}")
    after = qbalance.load_standard(path)
    assert after.compiled is not before.compiled
    assert after.pack.indicators["R6"].threshold["primary"] == 2100
    assert qbalance.load_standard(path).compiled is after.compiled  # and cached again


def test_an_edited_fragment_and_a_new_file_are_read_again(tmp_path: Path) -> None:
    d = tmp_path / "overlay"
    d.mkdir()
    (d / "pack.yaml").write_text(
        "format: qbalance-pack/1\nid: cn-xx-cache\nversion: '1'\neffective: 2025-01-01\nextends: cn-moe-2017\n"
        "title: {zh: 缓存, en: cache}\ninclude: [more.yaml]\n",
        encoding="utf-8",
    )
    change = "changes:\n  - set: parameters.cv_limit.value.junior\n    value: {v}\n    cite: {{source: moe-2017}}\n"
    (d / "more.yaml").write_text(change.format(v="0.41"), encoding="utf-8")
    first = qbalance.load_standard(d / "pack.yaml")
    assert first.pack.parameters["cv_limit"].value["junior"] == 0.41
    _edit_same_size(d / "more.yaml", "0.41", "0.42")
    second = qbalance.load_standard(d / "pack.yaml")
    assert second.compiled is not first.compiled
    assert second.pack.parameters["cv_limit"].value["junior"] == 0.42
    assert (d / "notes.yaml").write_text("x: 1\n", encoding="utf-8")
    assert qbalance.load_standard(d / "pack.yaml").compiled is not second.compiled
