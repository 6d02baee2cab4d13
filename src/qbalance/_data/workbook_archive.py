"""An .xlsx file checked as an archive before openpyxl reads it, and its formula cells found without a second load.

An .xlsx is a zip of XML parts. A small file can unpack to hundreds of megabytes of XML (an 868 KB workbook that
unpacks to 215 MB took 3.8 GB to load), so before anything is parsed: the file must be a regular file within
``MAX_WORKBOOK_BYTES``, hold at most ``MAX_MEMBERS`` parts, declare at most ``MAX_UNPACKED_BYTES`` in all, and
actually unpack to no more than it declares (every part is streamed once, counting bytes, with a hard stop).

The same streaming pass finds the cells that hold a formula without a computed value (a workbook written by a
program and never opened in a spreadsheet): openpyxl then loads the workbook once, values only, and such a cell is
reported instead of being read as blank.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from xml.etree import ElementTree

from .._base.errors import InputError, Problem
from .._base.files import FileRefused, check_file
from .._base.messages import Msg, msg

__all__ = ["MAX_MEMBERS", "MAX_UNPACKED_BYTES", "MAX_WORKBOOK_BYTES", "WorkbookArchive", "check_workbook"]

MAX_WORKBOOK_BYTES = 50_000_000
MAX_UNPACKED_BYTES = 64_000_000
"""All XML parts together; a county's workbook (hundreds of schools, a teacher roster) is a few megabytes."""
MAX_MEMBERS = 2_000
_CHUNK = 1 << 16
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


@dataclass
class WorkbookArchive:
    """What the archive check learned: per sheet title, the cells (row, column) with a formula and no value."""

    pending_formulas: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)


class _Budget:
    """Bytes unpacked so far, against the limit for the whole archive."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.used = 0

    def take(self, n: int) -> None:
        self.used += n
        if self.used > MAX_UNPACKED_BYTES:
            raise _refuse(self.source, msg("files.workbook_unpacks_more", limit=MAX_UNPACKED_BYTES // 1_000_000))


class _Counted:
    """A readable stream over one zip member that counts what it unpacks and stops at its declared size."""

    def __init__(self, raw: IO[bytes], declared: int, budget: _Budget, name: str) -> None:
        self.raw, self.declared, self.budget, self.name = raw, declared, budget, name
        self.read_so_far = 0

    def read(self, n: int = _CHUNK) -> bytes:
        data = self.raw.read(min(n if n > 0 else _CHUNK, _CHUNK))
        self.read_so_far += len(data)
        if self.read_so_far > self.declared:
            raise _refuse(self.budget.source, msg("files.workbook_part_lies", name=self.name))
        self.budget.take(len(data))
        return data


def _refuse(source: str, message: Msg) -> InputError:
    return InputError(Problem.of(message, source=source))


def check_workbook(path: Path) -> WorkbookArchive:
    """Check the archive's sizes (declared and actual) and find formula cells without values; InputError if not."""
    source = str(path)
    try:
        check_file(path, MAX_WORKBOOK_BYTES)
    except FileRefused as exc:
        raise InputError(exc.problem) from None
    try:
        with zipfile.ZipFile(path) as archive:
            return _check_archive(archive, source)
    except zipfile.BadZipFile as exc:
        raise _refuse(source, msg("files.workbook_not_xlsx", detail=str(exc))) from None
    except ElementTree.ParseError as exc:
        raise _refuse(source, msg("files.workbook_broken_xml", detail=str(exc))) from None


def _check_archive(archive: zipfile.ZipFile, source: str) -> WorkbookArchive:
    infos = archive.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _refuse(source, msg("files.workbook_parts", n=len(infos)))
    declared = sum(i.file_size for i in infos)
    if declared > MAX_UNPACKED_BYTES:
        limit = MAX_UNPACKED_BYTES // 1_000_000
        raise _refuse(source, msg("files.workbook_declared", size=f"{declared / 1_000_000:.0f}", limit=limit))
    budget = _Budget(source)
    sheets = _sheet_parts(archive, budget)
    out = WorkbookArchive()
    for info in infos:
        stream = _Counted(archive.open(info), info.file_size, budget, info.filename)
        title = sheets.get(info.filename)
        if title is None:
            while stream.read():  # every part is unpacked once, so a lying size is caught
                pass
            continue
        data = _read_all(stream)
        pending = _pending_formulas(io.BytesIO(data)) if _may_hold_formulas(data) else {}
        if pending:
            out.pending_formulas[title] = pending
    return out


def _sheet_parts(archive: zipfile.ZipFile, budget: _Budget) -> dict[str, str]:
    """Zip member name → sheet title, from the workbook part and its relationships."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return {}
    targets: dict[str, str] = {}
    for el in _elements(archive, "xl/_rels/workbook.xml.rels", budget):
        if el.tag == f"{_PKG_REL}Relationship":
            target = el.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
            targets[el.get("Id", "")] = path
    out: dict[str, str] = {}
    for el in _elements(archive, "xl/workbook.xml", budget):
        if el.tag == f"{_MAIN}sheet":
            part = targets.get(el.get(f"{_REL}id", ""))
            if part is not None:
                out[part] = el.get("name", "")
    return out


def _elements(archive: zipfile.ZipFile, name: str, budget: _Budget) -> list[ElementTree.Element]:
    info = archive.getinfo(name)
    stream = _Counted(archive.open(info), info.file_size, budget, name)
    return [el for _, el in ElementTree.iterparse(stream, events=("end",))]


_FORMULA_TAG = re.compile(rb"<(?:[^\s<>/:!?]+:)?f[\s/>]")
"""The start of an element named ``f`` (a cell's formula), with or without a namespace prefix."""


def _read_all(stream: _Counted) -> bytes:
    """A sheet part's bytes, read through the counting stream (its size and the archive's budget are checked)."""
    chunks = []
    while chunk := stream.read():
        chunks.append(chunk)
    return b"".join(chunks)


def _may_hold_formulas(data: bytes) -> bool:
    """Whether a sheet part may hold a formula: it writes an ``f`` element's tag, or it is not ASCII-compatible text
    (UTF-16 has a zero byte in every ASCII character, so a tag search would miss it and the XML is parsed). A sheet
    without formulas — every template qbalance writes — is then not parsed as XML here at all."""
    return b"\x00" in data or _FORMULA_TAG.search(data) is not None


def _pending_formulas(stream: IO[bytes]) -> dict[tuple[int, int], str]:
    """Cells of one sheet holding a formula but no computed value, streamed (each row freed once read)."""
    out: dict[tuple[int, int], str] = {}
    for _, el in ElementTree.iterparse(stream, events=("end",)):
        if el.tag == f"{_MAIN}c":
            formula = el.find(f"{_MAIN}f")
            value = el.find(f"{_MAIN}v")
            if formula is not None and (value is None or value.text in (None, "")):
                out[_cell_index(el.get("r", ""))] = "=" + (formula.text or "")
        elif el.tag == f"{_MAIN}row":
            el.clear()
    return out


def _cell_index(ref: str) -> tuple[int, int]:
    """``"C7"`` → (7, 3)."""
    col = 0
    i = 0
    while i < len(ref) and ref[i].isalpha():
        col = col * 26 + (ord(ref[i].upper()) - 64)
        i += 1
    return int(ref[i:] or 0), col
