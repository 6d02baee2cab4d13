"""Message arguments for the data readers: a pack input's label, a list of fields, the place of a fact, and the
"did you mean" guess for a name that is not known.

The readers name a pack's fact by the pack's label (a :class:`~qbalance._base.errors.Problem` carries it in
``label``), and list fields by their labels in Chinese while keeping the keys, as before, in English.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._base.messages import Category, Msg, current_language, field_label, msg

__all__ = ["FieldList", "closest", "label_of", "where_msg"]


def label_of(decl: Any) -> dict[str, str] | None:
    """The label of a pack input (``InputDecl.label``) as a problem carries it: ``{"zh": ..., "en": ...}``."""
    label = getattr(decl, "label", None)
    if label is None:
        return None
    return {"zh": label.zh, "en": label.en or label.zh}


@dataclass(frozen=True)
class FieldList:
    """Fields as a message argument: their keys joined by commas in English (``classes, teachers.full_time``), their
    labels joined by 、 in Chinese (班级数、专任教师数). ``labels`` are the pack's labels of its facts."""

    names: tuple[str, ...]
    labels: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __format__(self, spec: str) -> str:
        if current_language() == "en":
            return format(", ".join(self.names), spec)
        shown = [field_label(n, extra={k: dict(v) for k, v in self.labels.items()}) for n in self.names]
        return format("、".join(shown), spec)

    def __str__(self) -> str:
        return format(self, "")


def where_msg(level: str, section: str | None) -> Msg:
    """Where a fact was written: the section (初中学段, the junior section), or the level (学校级, school level)."""
    if section:
        return msg("data.where_section", section=Category("section", section), section_en=section)
    return msg(f"data.where_level.{level}")


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name`` (a typing slip: ``teaching_aux_aera``), or None when none is close."""
    found = difflib.get_close_matches(name, list(known), n=1, cutoff=0.75)
    return found[0] if found else None
