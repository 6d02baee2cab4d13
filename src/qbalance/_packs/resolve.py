"""Resolve a pack's ``extends`` chain and overlays into one effective pack document, remembering every rule's origin.

A local rule is an explicit exception to a labelled rule of the pack it extends (as in Catala): an overlay may *add*
new rules in its own blocks, but to change or remove an inherited rule it must say so in ``changes`` (``set``,
``add`` or ``retire`` a target such as ``parameters.training_spend_share.value``), each change citing its own
source. A pack may be split into fragments (``include``); fragments and the main file form one *level*, and two
changes at the same level that touch the same rule (or one inside the other) are a reported conflict naming both
files and places — never last-write-wins. Changes at a lower level (a city over its province) override by design.
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .._base.documents import Loaded
from .._base.errors import PackError, Problem
from .load import PackFile, pydantic_problems, read_pack_file
from .schema import Change

__all__ = ["MAX_CHAIN", "Origin", "Resolved", "canonical_hash", "parse_target", "resolve_pack"]


def canonical_hash(doc: Any) -> str:
    """sha256 of a document's canonical JSON (sorted keys): the same rules give the same hash, whatever the layout."""
    payload = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


MAX_CHAIN = 8
MAX_INCLUDES = 50
MAX_CHANGES = 500
RULE_BLOCKS = ("sources", "scales", "parameters", "inputs", "derived", "indicators", "scopes", "areas", "items")
SINGLE_BLOCKS = ("apportionment", "sections", "roster")
META_KEYS = (
    "format",
    "id",
    "version",
    "effective",
    "expires",
    "title",
    "issuer",
    "document",
    "description",
    "extends",
    "include",
    "changes",
    "tests",
)
_TARGET_TOKEN = re.compile(r'\["([^"\]]{1,120})"\]|([A-Za-z0-9_-]{1,64})')

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class Origin:
    """Where a rule (or a change to it) comes from: pack, version, file and place, and the source it cites."""

    pack: str
    version: str
    file: str
    location: str | None
    op: str
    """``define`` for a rule written in a pack's own blocks; ``set``, ``add`` or ``retire`` for a change."""
    cite: dict[str, Any] | None = None
    reason: str | None = None


@dataclass
class Resolved:
    """An effective pack document with its origins, the chain of packs (base first) and the files read."""

    doc: dict[str, Any]
    origins: dict[str, Origin] = field(default_factory=dict)
    chain: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    spans: list[tuple[Path_, Loaded, tuple[str | int, ...]]] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def locate(self, path: tuple[str | int, ...]) -> tuple[str | None, str | None]:
        """The file and line that produced the value at ``path`` of the resolved document."""
        for prefix, loaded, file_prefix in reversed(self.spans):
            if tuple(path[: len(prefix)]) == prefix:
                rest = tuple(path[len(prefix) :])
                return loaded.source, loaded.where((*file_prefix, *rest))
        return None, None


def parse_target(text: str) -> Path_:
    """Split a change target: ``items.G8.require`` or ``inputs["teachers.backbone"].max`` into its keys."""
    out: list[str] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TARGET_TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"cannot read target {text!r} at character {pos + 1}")
        out.append(m.group(1) or m.group(2))
        pos = m.end()
        if pos < len(text):
            if text[pos] == ".":
                pos += 1
            elif text[pos] != "[":
                raise ValueError(f"cannot read target {text!r} at character {pos + 1}")
    if not out:
        raise ValueError("empty target")
    return tuple(out)


def _dotted(path: Path_) -> str:
    return ".".join(f'["{p}"]' if "." in p else p for p in path).replace(".[", "[")


def _safe_child(base_dir: Path, rel: str) -> Path:
    """A file inside ``base_dir``; refuses absolute paths, '..' escapes and symlinks that lead outside."""
    if not rel or Path(rel).is_absolute() or rel.startswith(("/", "\\")) or ":" in rel:
        raise ValueError(f"{rel!r} must be a relative path inside the pack's directory")
    target = (base_dir / rel).resolve()
    root = base_dir.resolve()
    if target != root and root not in target.parents:
        raise ValueError(f"{rel!r} leads outside the pack's directory")
    return target


@dataclass
class _Part:
    file: PackFile
    doc: dict[str, Any]
    fragment: bool


def _level_parts(pf: PackFile, problems: list[Problem]) -> list[_Part]:
    parts = [_Part(pf, pf.doc, False)]
    includes = pf.doc.get("include") or []
    if not isinstance(includes, list) or len(includes) > MAX_INCLUDES:
        problems.append(Problem(f"include must be a list of at most {MAX_INCLUDES} files", *pf.locate(("include",))))
        return parts
    for i, rel in enumerate(includes):
        where = pf.locate(("include", i))
        try:
            path = _safe_child(pf.path.parent, str(rel))
            frag = read_pack_file(path)
        except ValueError as exc:
            problems.append(Problem(str(exc), source=where[0], location=where[1]))
            continue
        except PackError as exc:
            problems.extend(exc.problems)
            continue
        meta = [k for k in frag.doc if k in META_KEYS and k != "changes"]
        if meta:
            problems.append(
                Problem(f"a fragment may only hold rules and changes, not {', '.join(meta)}", *frag.locate((meta[0],)))
            )
        unknown = [k for k in frag.doc if k not in META_KEYS and k not in RULE_BLOCKS and k not in SINGLE_BLOCKS]
        for k in unknown:
            problems.append(Problem(f"unknown key {k!r}", *frag.locate((k,))))
        parts.append(_Part(frag, frag.doc, True))
    return parts


def resolve_pack(
    path: Path,
    *,
    as_of: dt.date | None = None,
    find: Any = None,
    _trail: tuple[str, ...] = (),
) -> Resolved:
    """Resolve the pack at ``path`` (and everything it extends) into one document.

    ``find(ref, as_of)`` maps a pack reference in ``extends`` to a pack file (the catalogue's ``find_pack``).
    Raises :class:`PackError` with every problem found at this level.
    """
    pf = read_pack_file(path)
    doc = pf.doc
    pid = str(doc.get("id", path.parent.name))
    problems: list[Problem] = []
    if pid in _trail:
        raise PackError(Problem(f"packs extend each other in a cycle: {' -> '.join((*_trail, pid))}", str(path)))
    if len(_trail) >= MAX_CHAIN:
        raise PackError(Problem(f"extends chain longer than {MAX_CHAIN} packs", str(path)))

    extends = doc.get("extends")
    if extends is not None:
        if not isinstance(extends, str) or "/" in extends or "\\" in extends or extends.endswith((".yaml", ".yml")):
            raise PackError(
                Problem("extends names a pack id (optionally id@version), not a file", *pf.locate(("extends",)))
            )
        if find is None:
            raise PackError(Problem("cannot resolve extends without a catalogue", str(path)))
        missing = [k for k in ("id", "version", "effective", "title") if k not in doc]
        if missing:
            # an overlay that inherited these would publish its reports under the name of the pack it extends
            raise PackError(
                Problem(
                    f"a pack that extends another states its own {', '.join(missing)} (they are not inherited)",
                    *pf.locate(("extends",)),
                )
            )
        base_path = find(extends, as_of)
        base = resolve_pack(base_path, as_of=as_of, find=find, _trail=(*_trail, pid))
        result = Resolved(
            copy.deepcopy(base.doc),
            dict(base.origins),
            list(base.chain),
            list(base.files),
            list(base.spans),
            list(base.retired),
        )
    else:
        result = Resolved({})
    result.files.append(path)
    version = str(doc.get("version", "?"))

    def origin(part: _Part, where: tuple[str | int, ...], op: str, **kw: Any) -> Origin:
        src, loc = part.file.locate(where)
        return Origin(pid, version, src or str(part.file.path), loc, op, **kw)

    parts = _level_parts(pf, problems)

    # 1. additions in the level's own blocks
    defined_here: dict[str, _Part] = {}
    for part in parts:
        for block in RULE_BLOCKS:
            entries = part.doc.get(block)
            if entries is None:
                continue
            if not isinstance(entries, dict):
                problems.append(Problem(f"{block} must be a mapping", *part.file.locate((block,))))
                continue
            target = result.doc.setdefault(block, {})
            for key, value in entries.items():
                rule = f"{block}.{key}"
                if rule in defined_here:
                    first = defined_here[rule].file.locate((block, key))
                    here = part.file.locate((block, key))
                    problems.append(
                        Problem(
                            f"conflict: {rule} is defined twice at the same level "
                            f"({first[0]}:{first[1]} and {here[0]}:{here[1]})",
                            *here,
                        )
                    )
                    continue
                if key in target:
                    prev = result.origins.get(rule)
                    by = f" by {prev.pack} ({prev.file}:{prev.location})" if prev else ""
                    problems.append(
                        Problem(
                            f"{rule} is already defined{by}; to change an inherited rule write a `changes:` entry "
                            f"(set/retire {rule}) citing your source",
                            *part.file.locate((block, key)),
                        )
                    )
                    continue
                target[key] = copy.deepcopy(value)
                defined_here[rule] = part
                result.origins[rule] = origin(part, (block, key), "define")
                result.spans.append(((block, key), part.file.loaded, (block, key)))
        for block in SINGLE_BLOCKS:
            if block in part.doc:
                if block in result.doc and extends is not None:
                    problems.append(
                        Problem(
                            f"{block} is inherited; change it with `changes: - set: {block}...`",
                            *part.file.locate((block,)),
                        )
                    )
                    continue
                if f"{block}" in defined_here:
                    problems.append(Problem(f"conflict: {block} is defined twice", *part.file.locate((block,))))
                    continue
                result.doc[block] = copy.deepcopy(part.doc[block])
                defined_here[block] = part
                result.origins[block] = origin(part, (block,), "define")
                result.spans.append(((block,), part.file.loaded, (block,)))

    # 2. explicit changes, checked for same-level conflicts before any is applied
    changes: list[tuple[_Part, int, Change, Path_]] = []
    for part in parts:
        raw = part.doc.get("changes") or []
        if not isinstance(raw, list):
            problems.append(Problem("changes must be a list", *part.file.locate(("changes",))))
            continue
        if len(raw) > MAX_CHANGES:
            problems.append(Problem(f"more than {MAX_CHANGES} changes in one file", *part.file.locate(("changes",))))
            continue
        if raw and extends is None:
            problems.append(
                Problem("only a pack that extends another can have changes", *part.file.locate(("changes",)))
            )
            continue
        for i, item in enumerate(raw):
            try:
                change = Change.model_validate(item)
            except ValidationError as exc:
                problems.extend(pydantic_problems(exc, part.file.locate, ("changes", i)))
                continue
            try:
                target = parse_target(change.target)
            except ValueError as exc:
                problems.append(Problem(str(exc), *part.file.locate(("changes", i, change.op))))
                continue
            cite_source = change.cite.source
            known_sources = set(result.doc.get("sources", {}))
            if cite_source not in known_sources:
                problems.append(
                    Problem(f"cite.source {cite_source!r} is not in sources", *part.file.locate(("changes", i, "cite")))
                )
            changes.append((part, i, change, target))
    for a in range(len(changes)):
        for b in range(a + 1, len(changes)):
            pa, ia, ca, ta = changes[a]
            pb, ib, cb, tb = changes[b]
            n = min(len(ta), len(tb))
            if ta[:n] == tb[:n]:
                la = pa.file.locate(("changes", ia))
                lb = pb.file.locate(("changes", ib))
                problems.append(
                    Problem(
                        f"conflict at the same level: `{ca.op} {_dotted(ta)}` ({la[0]}:{la[1]}) and "
                        f"`{cb.op} {_dotted(tb)}` ({lb[0]}:{lb[1]}) change the same rule; make one the exception "
                        "of the other by moving it to a pack that extends this one",
                        *lb,
                    )
                )
    if problems:
        raise PackError(problems)

    for part, i, change, target in changes:
        where = part.file.locate(("changes", i))
        parent: Any = result.doc
        ok = True
        for key in target[:-1]:
            if isinstance(parent, dict) and key in parent:
                parent = parent[key]
            else:
                ok = False
                break
        last = target[-1]
        if not ok or not isinstance(parent, dict):
            problems.append(Problem(f"{change.op} {_dotted(target)}: no such rule in the pack it extends", *where))
            continue
        if change.op == "add":
            if last in parent:
                problems.append(Problem(f"add {_dotted(target)}: it already exists (use set)", *where))
                continue
            parent[last] = copy.deepcopy(change.value)
        elif last not in parent:
            problems.append(Problem(f"{change.op} {_dotted(target)}: no such rule in the pack it extends", *where))
            continue
        elif change.op == "set":
            parent[last] = copy.deepcopy(change.value)
        else:
            del parent[last]
            result.retired.append(_dotted(target))
        cite = change.cite.model_dump(exclude_none=True)
        result.origins[_dotted(target)] = origin(part, ("changes", i), change.op, cite=cite, reason=change.reason)
        if change.op != "retire":
            result.spans.append((target, part.file.loaded, ("changes", i, "value")))
    if problems:
        raise PackError(problems)

    # 3. the level's own metadata
    for key in META_KEYS:
        if key in ("changes", "include"):
            continue
        if key in doc:
            result.doc[key] = copy.deepcopy(doc[key])
            result.spans.append(((key,), pf.loaded, (key,)))
        elif key in ("expires", "description", "tests", "extends", "issuer", "document"):
            result.doc.pop(key, None)
    result.chain.append(
        {
            "sha256": canonical_hash(result.doc),
            "id": pid,
            "version": version,
            "effective": str(doc.get("effective")),
            "file": str(path),
            "title": doc.get("title"),
            "document": doc.get("document"),
        }
    )
    return result
