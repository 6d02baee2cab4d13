"""Resolve a pack's ``extends`` chain and overlays into one effective pack document, remembering every rule's origin.

A local rule is an explicit exception to a labelled rule of the pack it extends (as in Catala): an overlay may *add*
new rules in its own blocks, but to change or remove an inherited rule it must say so in ``changes`` (``set``,
``add`` or ``retire`` a target such as ``parameters.training_spend_share.value``), each change citing its own
source. A pack may be split into fragments (``include``); fragments and the main file form one *level*, and two
changes at the same level that touch the same rule (or one inside the other) are a reported conflict naming both
files and places — never last-write-wins. Changes at a lower level (a city over its province) override by design.
"""

from __future__ import annotations

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


def _copied(value: Any) -> Any:
    """A copy of parsed pack data (mappings, lists and scalars; the YAML reader makes every alias a value of its own,
    so nothing in it is shared): the resolved pack never shares a mapping or list with a file's document. Several
    times faster than ``copy.deepcopy``, whose memo and type dispatch this data does not need."""
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value


def canonical_hash(doc: Any) -> str:
    """sha256 of a document's canonical JSON (sorted keys): the same rules give the same hash, whatever the layout."""
    payload = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()


MAX_CHAIN = 8
MAX_INCLUDES = 50
MAX_CHANGES = 500
RULE_BLOCKS = (
    "sources",
    "scales",
    "parameters",
    "inputs",
    "derived",
    "indicators",
    "scopes",
    "areas",
    "items",
    "eligibility",
)
SINGLE_BLOCKS = ("apportionment", "sections", "roster", "survey")
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
    pid = str(pf.doc.get("id", path.parent.name))
    _check_chain_length(path, pid, _trail)
    result = _inherited(pf, pid, as_of, find, _trail)
    result.files.append(path)
    level = _Level(pf, pid, result)
    parts = _level_parts(pf, level.problems)
    for part in parts:
        level.define_rule_blocks(part)
        level.define_single_blocks(part)
    changes = level.read_changes(parts)
    level.check_change_conflicts(changes)
    level.raise_problems()
    for change in changes:
        level.apply_change(*change)
    level.raise_problems()
    level.take_metadata()
    result.chain.append(level.chain_entry())
    return result


def _check_chain_length(path: Path, pid: str, trail: tuple[str, ...]) -> None:
    """Refuse a pack that (through its bases) extends itself, or a chain longer than :data:`MAX_CHAIN`."""
    if pid in trail:
        raise PackError(Problem(f"packs extend each other in a cycle: {' -> '.join((*trail, pid))}", str(path)))
    if len(trail) >= MAX_CHAIN:
        raise PackError(Problem(f"extends chain longer than {MAX_CHAIN} packs", str(path)))


def _inherited(pf: PackFile, pid: str, as_of: dt.date | None, find: Any, trail: tuple[str, ...]) -> Resolved:
    """What this level starts from: a copy of the resolved pack it extends (checked and found with ``find``), or an
    empty document for a pack that extends none."""
    doc = pf.doc
    extends = doc.get("extends")
    if extends is None:
        return Resolved({})
    if not isinstance(extends, str) or "/" in extends or "\\" in extends or extends.endswith((".yaml", ".yml")):
        raise PackError(
            Problem("extends names a pack id (optionally id@version), not a file", *pf.locate(("extends",)))
        )
    if find is None:
        raise PackError(Problem("cannot resolve extends without a catalogue", str(pf.path)))
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
    base = resolve_pack(base_path, as_of=as_of, find=find, _trail=(*trail, pid))
    return Resolved(
        _copied(base.doc),
        dict(base.origins),
        list(base.chain),
        list(base.files),
        list(base.spans),
        list(base.retired),
    )


_PendingChange = tuple[_Part, int, Change, Path_]
"""A validated change: the file part it is written in, its index under ``changes``, the change and its target."""


class _Level:
    """One level of an extends chain (a main file and its fragments) applied onto ``result``, the resolved document
    of the packs below; problems are collected in ``problems`` and raised together between the stages."""

    def __init__(self, pf: PackFile, pid: str, result: Resolved) -> None:
        self.pf = pf
        self.doc = pf.doc
        self.pid = pid
        self.version = str(self.doc.get("version", "?"))
        self.extends = self.doc.get("extends")
        self.result = result
        self.problems: list[Problem] = []
        self.defined_here: dict[str, _Part] = {}

    def origin(self, part: _Part, where: tuple[str | int, ...], op: str, **kw: Any) -> Origin:
        """The origin of a rule or change written at ``where`` in ``part``."""
        src, loc = part.file.locate(where)
        return Origin(self.pid, self.version, src or str(part.file.path), loc, op, **kw)

    def raise_problems(self) -> None:
        """Stop with every problem found so far, if any."""
        if self.problems:
            raise PackError(self.problems)

    # -- 1. additions in the level's own blocks --------------------------------------------------------------------

    def define_rule_blocks(self, part: _Part) -> None:
        """Add the new rules ``part`` writes in its rule blocks (``parameters``, ``items`` …)."""
        for block in RULE_BLOCKS:
            entries = part.doc.get(block)
            if entries is None:
                continue
            if not isinstance(entries, dict):
                self.problems.append(Problem(f"{block} must be a mapping", *part.file.locate((block,))))
                continue
            target = self.result.doc.setdefault(block, {})
            for key, value in entries.items():
                self._define_rule(part, block, key, value, target)

    def _define_rule(self, part: _Part, block: str, key: str, value: Any, target: dict[str, Any]) -> None:
        """Add one rule to its block ``target``; a rule defined twice at this level or inherited is a problem."""
        rule = f"{block}.{key}"
        if rule in self.defined_here:
            first = self.defined_here[rule].file.locate((block, key))
            here = part.file.locate((block, key))
            self.problems.append(
                Problem(
                    f"conflict: {rule} is defined twice at the same level "
                    f"({first[0]}:{first[1]} and {here[0]}:{here[1]})",
                    *here,
                )
            )
            return
        if key in target:
            prev = self.result.origins.get(rule)
            by = f" by {prev.pack} ({prev.file}:{prev.location})" if prev else ""
            self.problems.append(
                Problem(
                    f"{rule} is already defined{by}; to change an inherited rule write a `changes:` entry "
                    f"(set/retire {rule}) citing your source",
                    *part.file.locate((block, key)),
                )
            )
            return
        target[key] = _copied(value)
        self.defined_here[rule] = part
        self.result.origins[rule] = self.origin(part, (block, key), "define")
        self.result.spans.append(((block, key), part.file.loaded, (block, key)))

    def define_single_blocks(self, part: _Part) -> None:
        """Take the whole-block rules (``apportionment``, ``sections``, ``roster``) ``part`` writes; an inherited
        one can only be changed with ``changes``."""
        for block in SINGLE_BLOCKS:
            if block not in part.doc:
                continue
            if block in self.result.doc and self.extends is not None:
                self.problems.append(
                    Problem(
                        f"{block} is inherited; change it with `changes: - set: {block}...`",
                        *part.file.locate((block,)),
                    )
                )
                continue
            if f"{block}" in self.defined_here:
                self.problems.append(Problem(f"conflict: {block} is defined twice", *part.file.locate((block,))))
                continue
            self.result.doc[block] = _copied(part.doc[block])
            self.defined_here[block] = part
            self.result.origins[block] = self.origin(part, (block,), "define")
            self.result.spans.append(((block,), part.file.loaded, (block,)))

    # -- 2. explicit changes ---------------------------------------------------------------------------------------

    def read_changes(self, parts: list[_Part]) -> list[_PendingChange]:
        """Validate the ``changes`` of every part of this level, in file order, without applying any."""
        changes: list[_PendingChange] = []
        for part in parts:
            raw = part.doc.get("changes") or []
            if not isinstance(raw, list):
                self.problems.append(Problem("changes must be a list", *part.file.locate(("changes",))))
                continue
            if len(raw) > MAX_CHANGES:
                self.problems.append(
                    Problem(f"more than {MAX_CHANGES} changes in one file", *part.file.locate(("changes",)))
                )
                continue
            if raw and self.extends is None:
                self.problems.append(
                    Problem("only a pack that extends another can have changes", *part.file.locate(("changes",)))
                )
                continue
            for i, item in enumerate(raw):
                change = self._read_change(part, i, item)
                if change is not None:
                    changes.append(change)
        return changes

    def _read_change(self, part: _Part, i: int, item: Any) -> _PendingChange | None:
        """Validate change ``i`` of ``part`` and parse its target; its cited source must be declared (a problem that
        does not drop the change)."""
        try:
            change = Change.model_validate(item)
        except ValidationError as exc:
            self.problems.extend(pydantic_problems(exc, part.file.locate, ("changes", i)))
            return None
        try:
            target = parse_target(change.target)
        except ValueError as exc:
            self.problems.append(Problem(str(exc), *part.file.locate(("changes", i, change.op))))
            return None
        cite_source = change.cite.source
        known_sources = set(self.result.doc.get("sources", {}))
        if cite_source not in known_sources:
            self.problems.append(
                Problem(f"cite.source {cite_source!r} is not in sources", *part.file.locate(("changes", i, "cite")))
            )
        return part, i, change, target

    def check_change_conflicts(self, changes: list[_PendingChange]) -> None:
        """Two changes at this level touching the same rule (or one inside the other) conflict: report each pair at
        the later one, naming both."""
        for a in range(len(changes)):
            for b in range(a + 1, len(changes)):
                pa, ia, ca, ta = changes[a]
                pb, ib, cb, tb = changes[b]
                n = min(len(ta), len(tb))
                if ta[:n] == tb[:n]:
                    la = pa.file.locate(("changes", ia))
                    lb = pb.file.locate(("changes", ib))
                    self.problems.append(
                        Problem(
                            f"conflict at the same level: `{ca.op} {_dotted(ta)}` ({la[0]}:{la[1]}) and "
                            f"`{cb.op} {_dotted(tb)}` ({lb[0]}:{lb[1]}) change the same rule; make one the exception "
                            "of the other by moving it to a pack that extends this one",
                            *lb,
                        )
                    )

    def apply_change(self, part: _Part, i: int, change: Change, target: Path_) -> None:
        """Apply one change (``set``, ``add`` or ``retire``) to the inherited document and record its origin; a
        target that does not exist (or, for ``add``, already exists) is a problem."""
        where = part.file.locate(("changes", i))
        parent = _parent_of(self.result.doc, target)
        last = target[-1]
        if parent is None:
            self.problems.append(Problem(f"{change.op} {_dotted(target)}: no such rule in the pack it extends", *where))
            return
        if change.op == "add":
            if last in parent:
                self.problems.append(Problem(f"add {_dotted(target)}: it already exists (use set)", *where))
                return
            parent[last] = _copied(change.value)
        elif last not in parent:
            self.problems.append(Problem(f"{change.op} {_dotted(target)}: no such rule in the pack it extends", *where))
            return
        elif change.op == "set":
            parent[last] = _copied(change.value)
        else:
            del parent[last]
            self.result.retired.append(_dotted(target))
        cite = change.cite.model_dump(exclude_none=True)
        self.result.origins[_dotted(target)] = self.origin(
            part, ("changes", i), change.op, cite=cite, reason=change.reason
        )
        if change.op != "retire":
            self.result.spans.append((target, part.file.loaded, ("changes", i, "value")))

    # -- 3. the level's own metadata -------------------------------------------------------------------------------

    def take_metadata(self) -> None:
        """Take this level's metadata (id, version, title …); drop inherited metadata that belongs to one pack only."""
        for key in META_KEYS:
            if key in ("changes", "include"):
                continue
            if key in self.doc:
                self.result.doc[key] = _copied(self.doc[key])
                self.result.spans.append(((key,), self.pf.loaded, (key,)))
            elif key in ("expires", "description", "tests", "extends", "issuer", "document"):
                self.result.doc.pop(key, None)

    def chain_entry(self) -> dict[str, Any]:
        """This level's entry in the chain: its identity and the hash of the document resolved so far."""
        return {
            "sha256": canonical_hash(self.result.doc),
            "id": self.pid,
            "version": self.version,
            "effective": str(self.doc.get("effective")),
            "file": str(self.pf.path),
            "title": self.doc.get("title"),
            "document": self.doc.get("document"),
        }


def _parent_of(doc: dict[str, Any], target: Path_) -> dict[str, Any] | None:
    """The mapping that holds ``target``'s last key, or None when a key on the way is missing or not a mapping."""
    parent: Any = doc
    for key in target[:-1]:
        if isinstance(parent, dict) and key in parent:
            parent = parent[key]
        else:
            return None
    return parent if isinstance(parent, dict) else None
