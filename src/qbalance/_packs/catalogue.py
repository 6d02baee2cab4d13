"""Find rule packs: shipped with qbalance, on a search path, or published by other packages (entry points).

Packs are data: discovering them never imports third-party code. An entry point in the ``qbalance.standards``
group names a package directory (``"my_pkg:standards"`` → the ``standards`` folder inside ``my_pkg``), which is
located with :func:`importlib.util.find_spec` without running the package.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from .._base.errors import PackError, Problem
from .._base.messages import msg
from .catalogue_index import header_of, index_text, known_header
from .load import parse_pack_bytes, read_pack_bytes

__all__ = ["ENV_VAR", "PackEntry", "find_pack", "list_packs", "looks_like_path", "origin_of", "shipped_dir"]

ENV_VAR = "QBALANCE_STANDARDS_PATH"
ENTRY_POINT_GROUP = "qbalance.standards"
PACK_FILE = "pack.yaml"


@dataclass(frozen=True)
class PackEntry:
    """A pack found in the catalogue: enough to choose it without compiling it."""

    id: str
    version: str
    effective: dt.date | None
    expires: dt.date | None
    path: Path
    origin: str
    title_zh: str
    title_en: str | None
    extends: str | None


def shipped_dir() -> Path:
    """The directory of the packs shipped with qbalance (installed inside the package, or in a source checkout)."""
    here = Path(__file__).resolve().parent.parent  # the qbalance package directory
    installed = here / "standards"
    if installed.is_dir():
        return installed
    return here.parent.parent / "standards"


_EP_CACHE: dict[tuple[tuple[str, int], ...], list[tuple[str, Path]]] = {}


def _entry_point_dirs() -> list[tuple[str, Path]]:
    """The pack directories of the ``qbalance.standards`` entry points, found again whenever ``sys.path`` or the
    modification time of one of its directories has changed (installing or removing a distribution adds or removes
    its ``.dist-info`` directory there): reading every distribution's metadata at each pack lookup costs more than
    the rest of the lookup."""
    key = tuple((entry, _mtime(entry)) for entry in sys.path)
    found = _EP_CACHE.get(key)
    if found is None:
        _EP_CACHE.clear()
        found = _EP_CACHE[key] = _read_entry_point_dirs()
    return list(found)


def _mtime(entry: str) -> int:
    try:
        return os.stat(entry or ".").st_mtime_ns
    except OSError:
        return -1


def _read_entry_point_dirs() -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        module, _, attr = ep.value.partition(":")
        top = module.split(".")[0]
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.submodule_search_locations:
            continue
        base = Path(next(iter(spec.submodule_search_locations)))
        for part in module.split(".")[1:]:
            base = base / part
        directory = base / attr.replace(".", "/") if attr else base
        if directory.is_dir():
            out.append((f"entry point {ep.name}", directory))
    return out


def search_dirs(extra: list[Path] | None = None) -> list[tuple[str, Path]]:
    """Where packs are looked for, in order: explicit dirs, the environment variable, shipped, entry points."""
    dirs: list[tuple[str, Path]] = [("path", p) for p in (extra or [])]
    for part in os.environ.get(ENV_VAR, "").split(os.pathsep):
        if part.strip():
            dirs.append((ENV_VAR, Path(part.strip())))
    dirs.append(("shipped", shipped_dir()))
    dirs.extend(_entry_point_dirs())
    return dirs


def _pack_files(directory: Path) -> list[Path]:
    if (directory / PACK_FILE).is_file():
        return [directory / PACK_FILE]
    if not directory.is_dir():
        return []
    return sorted(p / PACK_FILE for p in directory.iterdir() if (p / PACK_FILE).is_file())


_ENTRY_CACHE: dict[tuple[Path, int, int, str], PackEntry | None] = {}


def _entry(path: Path, origin: str) -> PackEntry | None:
    """The catalogue entry of one pack file, remembered while the file is unchanged (same size and mtime), so that
    listing the catalogue again does not parse every pack again."""
    st = path.stat()
    key = (path.resolve(), st.st_mtime_ns, st.st_size, origin)
    if key not in _ENTRY_CACHE:
        if len(_ENTRY_CACHE) > 1024:
            _ENTRY_CACHE.clear()
        _ENTRY_CACHE[key] = _read_entry(path, origin)
    return _ENTRY_CACHE[key]


def _read_entry(path: Path, origin: str) -> PackEntry | None:
    """The catalogue entry of a pack file: its header from the index of shipped packs when its bytes are one of
    them, else from parsing it."""
    raw = read_pack_bytes(path)
    header = known_header(raw)
    if header is None:
        header = header_of(parse_pack_bytes(path, raw).doc)
    if header is None:
        return None
    effective, expires = header["effective"], header["expires"]
    return PackEntry(
        str(header["id"]),
        str(header["version"]),
        dt.date.fromisoformat(effective) if effective else None,
        dt.date.fromisoformat(expires) if expires else None,
        path,
        origin,
        str(header["title_zh"]),
        header["title_en"],
        header["extends"],
    )


def shipped_index_text() -> str:
    """The text of the index of shipped pack headers (:mod:`.catalogue_index`), each parsed from its YAML now: what
    ``tools/build_pack_index.py`` writes, and what the index file must hold."""
    root = shipped_dir()
    packs = []
    for path in sorted(root.glob(f"*/{PACK_FILE}")):
        raw = read_pack_bytes(path)
        packs.append((path.relative_to(root).as_posix(), raw, header_of(parse_pack_bytes(path, raw).doc)))
    return index_text(packs)


def list_packs(extra: list[Path] | None = None) -> list[PackEntry]:
    """Every pack the catalogue can see, in search order (unreadable files are skipped, not fatal)."""
    out: list[PackEntry] = []
    seen: set[Path] = set()
    for origin, directory in search_dirs(extra):
        for path in _pack_files(directory):
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            try:
                entry = _entry(path, origin)
            except (PackError, OSError):
                continue
            if entry is not None:
                out.append(entry)
    return out


def find_pack(
    ref: str | Path, as_of: dt.date | None = None, extra: list[Path] | None = None, *, paths: bool = True
) -> Path:
    """The pack file for ``ref``: a path, ``id``, or ``id@version``; with ``as_of``, the version in force that day.

    Without ``as_of`` (and without ``@version``) the newest version by effective date is chosen. A bare id is always
    looked up in the catalogue, never in the working directory: a path must look like one (``./cn-moe-2017``,
    ``packs/x/pack.yaml``) or be a :class:`~pathlib.Path`. A shipped id always means the shipped pack: another pack
    in the catalogue with the same id is an error naming both files. ``paths=False`` looks in the catalogue only (a
    pack's ``extends``).
    """
    if paths and (isinstance(ref, Path) or looks_like_path(ref)):
        return _pack_path(Path(ref))
    ref = str(ref)
    pid, _, version = ref.partition("@")
    entries = [e for e in list_packs(extra) if e.id == pid]
    _refuse_shadowed(pid, entries)
    if not entries:
        known = sorted({e.id for e in list_packs(extra)})
        raise PackError(Problem.of(msg("packs.not_found", ref=ref, known=", ".join(known) or "-")))
    if version:
        entries = [e for e in entries if e.version == version]
        if not entries:
            raise PackError(Problem.of(msg("packs.no_version", pack=pid, version=version)))
    if as_of is not None:
        in_force = [
            e
            for e in entries
            if (e.effective is None or e.effective <= as_of) and (e.expires is None or as_of < e.expires)
        ]
        if not in_force:
            raise PackError(Problem.of(msg("packs.not_in_force", pack=pid, date=as_of.isoformat())))
        entries = in_force
    first_origin = entries[0].origin
    entries = [e for e in entries if e.origin == first_origin] or entries  # earlier search dirs take precedence
    entries.sort(key=lambda e: (e.effective or dt.date.min, _version_key(e.version)))
    return entries[-1].path


def looks_like_path(ref: str) -> bool:
    """Whether ``ref`` names a file or directory rather than a pack id: it has a path separator, a YAML suffix, or
    starts with ``.`` or ``~``. A bare ``cn-moe-2017`` is an id, even if a folder of that name is in the working
    directory."""
    return (
        "/" in ref
        or os.sep in ref
        or (os.altsep is not None and os.altsep in ref)
        or ref.startswith((".", "~"))
        or ref.lower().endswith((".yaml", ".yml"))
    )


def _pack_path(candidate: Path) -> Path:
    """The pack file named by a path: a .yaml/.yml file, or a directory holding pack.yaml."""
    candidate = candidate.expanduser()
    if candidate.suffix.lower() in (".yaml", ".yml") and candidate.is_file():
        return candidate
    if candidate.is_dir() and (candidate / PACK_FILE).is_file():
        return candidate / PACK_FILE
    raise PackError(Problem.of(msg("packs.no_pack_at", path=str(candidate), file=PACK_FILE)))


def _refuse_shadowed(pid: str, entries: list[PackEntry]) -> None:
    """A shipped id belongs to the shipped pack: the same id elsewhere in the catalogue is an error naming both."""
    shipped = [e for e in entries if e.origin == "shipped"]
    others = [e for e in entries if e.origin != "shipped"]
    if shipped and others:
        listed = "; ".join(f"{e.path} ({e.origin})" for e in others)
        raise PackError(
            Problem(
                f"pack id {pid!r} belongs to the pack shipped with qbalance ({shipped[0].path}), but another pack "
                f"uses it too: {listed}. Give that pack its own id, or load it by its path",
                source=str(others[0].path),
            )
        )


def origin_of(path: Path) -> tuple[str, str]:
    """Where a pack file came from, for report provenance: ``("shipped", "cn-moe-2017/pack.yaml")``, or
    (``QBALANCE_STANDARDS_PATH``, ``entry point NAME`` or ``path``, the absolute file)."""
    real = Path(path).resolve()
    shipped = shipped_dir().resolve()
    if shipped in real.parents:
        return "shipped", real.relative_to(shipped).as_posix()
    for origin, directory in search_dirs():
        if origin != "shipped" and (directory.resolve() == real.parent or directory.resolve() in real.parents):
            return origin, str(real)
    return "path", str(real)


def _version_key(version: str) -> tuple[tuple[int, str], ...]:
    parts = version.replace("-", ".").replace("+", ".").split(".")
    return tuple((int(p), "") if p.isdigit() else (-1, p) for p in parts)
