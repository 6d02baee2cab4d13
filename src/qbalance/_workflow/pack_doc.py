"""Read-only views of a resolved pack: the effective YAML with every rule's origin, a literate Markdown document
for supervision experts (each rule beside the clause text it encodes), and lint checks that evaluate nothing."""

from __future__ import annotations

from typing import Any

import yaml

from .._api.standard import Standard
from .._base.errors import Problem
from .._base.messages import Msg, msg, place, text
from .._packs.compile import STRUCTURAL
from .._packs.compute_rules import computation_cites, computed_from
from .._packs.resolve import Origin
from .._packs.schema import Cite, Item, Label
from .._report.markdown import md, md_block
from .pack_doc_computed import computations_md

__all__ = ["lint_standard", "render_markdown", "render_resolved"]

_Lint = tuple[tuple[str | int, ...], Msg]
"""A lint finding before it is located in the pack files: the rule's path and the message."""

BLOCKS = ("sources", "scales", "parameters", "inputs", "derived", "indicators", "scopes", "areas", "items")


def _where(o: Origin, lang: str) -> str:
    """The pack, version, file and place a rule comes from: ``cn-moe-2017 1.0.0 (pack.yaml 第12行第3列)``."""
    loc = f" {place(o.location, lang)}" if o.location else ""
    return f"{o.pack} {o.version} ({o.file}{loc})"


_BY = {"define": "packdoc.by_define", "set": "packdoc.by_set", "add": "packdoc.by_add", "retire": "packdoc.by_retire"}


def _by(o: Origin, lang: str) -> str:
    """Which pack defined or changed a rule, and where: ``defined by cn-moe-2017 1.0.0 (pack.yaml line 3)``."""
    key = _BY.get(o.op)
    return text(key, lang, where=_where(o, lang)) if key is not None else f"{o.op}: {_where(o, lang)}"


def render_resolved(std: Standard, lang: str = "zh") -> str:
    """The effective pack as YAML, each rule preceded by comments (in ``lang``) saying which pack defined or changed
    it."""
    assert std.resolved is not None
    doc = std.resolved.doc
    origins = std.resolved.origins
    chain = " → ".join(f"{c.id} {c.version}" for c in std.chain)
    out: list[str] = [
        text("packdoc.resolved_head", lang, pack=std.id, version=std.version, chain=chain),
        text("packdoc.resolved_sha", lang, sha=std.sha256),
    ]
    if std.resolved.retired:
        out.append(text("packdoc.resolved_retired", lang, rules=", ".join(std.resolved.retired)))
    meta = {k: v for k, v in doc.items() if k not in BLOCKS and k not in ("apportionment", "sections")}
    out.append(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False).rstrip())
    for single in ("sections", "apportionment"):
        if single in doc:
            o = origins.get(single)
            if o:
                out.append(f"# {single}: {text('packdoc.by_define', lang, where=_where(o, lang))}")
            out.extend(_changed_lines(origins, single, lang))
            out.append(yaml.safe_dump({single: doc[single]}, allow_unicode=True, sort_keys=False, width=120).rstrip())
    for block in BLOCKS:
        entries = doc.get(block) or {}
        if not entries:
            continue
        out.append(f"{block}:")
        for key, value in entries.items():
            rule = f"{block}.{key}"
            o = origins.get(rule)
            if o is not None:
                out.append(f"  # {key}: {_by(o, lang)}")
            out.extend("  " + line for line in _changed_lines(origins, rule, lang))
            dumped = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=116).rstrip()
            out.extend("  " + line for line in dumped.splitlines())
    return "\n".join(out) + "\n"


def _changed_lines(origins: dict[str, Origin], rule: str, lang: str) -> list[str]:
    lines = []
    for path, o in origins.items():
        if path.startswith(rule + ".") or (path == rule and o.op != "define"):
            cite = o.cite or {}
            src = text("packdoc.citing", lang, source=cite.get("source"), clause=cite.get("clause") or "").rstrip()
            lines.append(f"# {path}: {_by(o, lang)}{src if cite else ''}")
    return lines


def _code(text: str) -> str:
    """A code span (units, expressions): Markdown inside it is shown as written; a backtick cannot close it early."""
    return "`" + text.replace("`", "'") + "`"


def _lbl(label: Label | None, lang: str) -> str:
    return md(label.text(lang)) if label else ""


def _cite_md(std: Standard, cite: Cite | None, lang: str) -> list[str]:
    if cite is None:
        return []
    src = std.pack.sources.get(cite.source)
    doc = md(src.document or src.title.text(lang)) if src else md(cite.source)
    clause = f" {md(cite.clause)}" if cite.clause else ""
    out = []
    if cite.text:
        out.append(f"> {md(cite.text)}")
        out.append(">")
        out.append(f"> — {doc}{clause}")
    else:
        out.append(f"*{text('packdoc.source', lang)}: {doc}{clause}*")
    if cite.note:
        out.append("")
        out.append(f"*{text('packdoc.note', lang)}: {md(cite.note.strip())}*")
    return out


def _origin_md(std: Standard, rule: str, lang: str) -> list[str]:
    assert std.resolved is not None
    out = []
    for path, o in std.resolved.origins.items():
        if (path.startswith(rule + ".") or path == rule) and o.op != "define":
            cite = o.cite or {}
            src = std.pack.sources.get(str(cite.get("source")))
            doc = md(src.document or src.title.text(lang)) if src else md(cite.get("source"))
            word = text("packdoc.local_change", lang)
            quoted = f": {md(cite['text'])}" if cite.get("text") else ""
            out.append(f"- **{word}** ({o.pack} {o.op} `{path}`; {doc} {md(cite.get('clause') or '')}){quoted}")
    return out


def render_markdown(std: Standard, lang: str = "zh") -> str:
    """A literate rendering of the resolved pack for review by supervision experts."""
    out = [
        *_header_md(std, lang),
        *_sources_md(std, lang),
        *_areas_md(std, lang),
        *_indicators_md(std, lang),
        *_scopes_md(std, lang),
        *_apportionment_md(std, lang),
        *_parameter_table_md(std, lang),
        *_input_table_md(std, lang),
        *_roster_md(std, lang),
        *computations_md(std, lang, _cite_md),
        *_retired_md(std, lang),
    ]
    return "\n".join(out) + "\n"


def _header_md(std: Standard, lang: str) -> list[str]:
    """The title, the pack's identity (id, document, effective date, chain, hash) and its description."""
    pack = std.pack
    out: list[str] = [f"# {md(pack.title.text(lang))}", ""]
    out.append(f"- **{text('packdoc.pack', lang)}**: `{pack.id}` {pack.version}")
    if pack.document:
        out.append(f"- **{text('packdoc.document', lang)}**: {md(pack.document)}")
    out.append(f"- **{text('packdoc.effective', lang)}**: {pack.effective.isoformat()}")
    chain = " → ".join(f"`{c.id}` {c.version}" for c in std.chain)
    out.append(f"- **{text('packdoc.chain', lang)}**: {chain}")
    out.append(f"- **sha256**: `{std.sha256}`")
    if pack.description:
        out += ["", md_block(pack.description.text(lang))]
    return out


def _sources_md(std: Standard, lang: str) -> list[str]:
    """The documents the pack cites, by source id."""
    out = ["", f"## {text('packdoc.sources', lang)}", ""]
    for sid, src in std.pack.sources.items():
        doc = f" {md(src.document)}" if src.document else ""
        out.append(f"- `{sid}`: {md(src.title.text(lang))}{doc}" + (f" — {md(src.note.strip())}" if src.note else ""))
    return out


def _areas_md(std: Standard, lang: str) -> list[str]:
    """Each area in order with its citation, then each of its items: clause, rule, parameters and local changes."""
    pack = std.pack
    out: list[str] = []
    for aid, area in sorted(pack.areas.items(), key=lambda kv: kv[1].order):
        req = "" if area.required else text("packdoc.not_in_verdict", lang)
        out += ["", f"## {md(area.label.text(lang))}{req}", ""]
        out += _cite_md(std, area.cite, lang)
        items = sorted(((i, it) for i, it in pack.items.items() if it.area == aid), key=lambda kv: kv[1].order)
        for iid, item in items:
            out += ["", f"### {iid} {md(item.label.text(lang))}", ""]
            out += _cite_md(std, item.cite, lang)
            out.append("")
            out += _item_rule_md(std, iid, lang)
            out += _params_md(std, iid, lang)
            out += _origin_md(std, f"items.{iid}", lang)
            for ind_id in item.indicators or ():
                out += _origin_md(std, f"indicators.{ind_id}", lang)
    return out


def _indicators_md(std: Standard, lang: str) -> list[str]:
    """The indicator table (threshold per section, unit, expression), then the clause of each cited indicator."""
    pack = std.pack
    if not pack.indicators:
        return []
    out = ["", f"## {text('packdoc.indicators', lang)}", ""]
    secs = pack.sections
    head = ["ID", text("packdoc.indicator", lang), *secs, text("packdoc.unit", lang), text("packdoc.expression", lang)]
    out += ["| " + " | ".join(head) + " |", "|" + "---|" * (len(secs) + 4)]
    for iid, ind in pack.indicators.items():
        thr = ind.threshold if isinstance(ind.threshold, dict) else {s: ind.threshold for s in secs}
        cells = " | ".join(f"{ind.compare} {thr.get(s)}" if thr.get(s) is not None else "—" for s in secs)
        unit = md(ind.unit_label.text(lang)) if ind.unit_label else _code(ind.unit)
        out.append(f"| {iid} | {md(ind.label.text(lang))} | {cells} | {unit} | `{ind.expression}` |")
    for iid, ind in pack.indicators.items():
        if ind.cite and ind.cite.text:
            out += ["", f"**{iid}**", "", *_cite_md(std, ind.cite, lang)]
            out += _origin_md(std, f"indicators.{iid}", lang)
    return out


def _scopes_md(std: Standard, lang: str) -> list[str]:
    """Each calculation scope with the schools it excludes, why and when."""
    if not std.pack.scopes:
        return []
    out = ["", f"## {text('packdoc.scopes', lang)}", ""]
    for sid, scope in std.pack.scopes.items():
        out.append(f"**{md(scope.label.text(lang))}** (`{sid}`)")
        out.append("")
        for eid, exc in scope.exclude.items():
            out.append(f"- `{eid}`: {md(exc.reason.text(lang))} — `{exc.when}`")
        out.append("")
    return out


def _apportionment_md(std: Standard, lang: str) -> list[str]:
    """How shared facilities of a multi-section school are apportioned: weights, fields and citation."""
    ap = std.pack.apportionment
    if not ap:
        return []
    out = [f"## {text('packdoc.apportionment', lang)}", ""]
    for key, table in ap.weights.items():
        out.append(f"- {key}: " + " : ".join(f"{s} {w:g}" for s, w in table.items()))
    out.append(f"- {text('packdoc.apportioned_fields', lang)}: " + ", ".join(f"`{f}`" for f in ap.fields))
    out += ["", *_cite_md(std, ap.cite, lang)]
    return out


def _parameter_table_md(std: Standard, lang: str) -> list[str]:
    """Every parameter with its value, unit and the pack that set it (and how)."""
    out = ["", f"## {text('packdoc.parameters', lang)}", ""]
    head = [text(k, lang) for k in ("packdoc.parameter", "packdoc.value", "packdoc.unit", "packdoc.set_by")]
    out += ["| " + " | ".join(head) + " |", "|---|---|---|---|"]
    assert std.resolved is not None
    for pid, p in std.pack.parameters.items():
        o = std.resolved.origins.get(f"parameters.{pid}.value") or std.resolved.origins.get(f"parameters.{pid}")
        by = f"{o.pack} ({o.op})" if o else ""
        value = p.value if not isinstance(p.value, dict) else ", ".join(f"{k} {v:g}" for k, v in p.value.items())
        out.append(f"| `{pid}` {_lbl(p.label, lang)} | {value} | {p.unit} | {by} |")
    return out


def _input_table_md(std: Standard, lang: str) -> list[str]:
    """Every input field the pack reads: level, type, unit and meaning."""
    out = ["", f"## {text('packdoc.inputs', lang)}", ""]
    keys = ("packdoc.field", "packdoc.level", "packdoc.type", "packdoc.unit", "packdoc.meaning")
    out += ["| " + " | ".join(text(k, lang) for k in keys) + " |", "|---|---|---|---|---|"]
    for name, decl in std.pack.inputs.items():
        level, kind = _word(_LEVELS, decl.level, lang), _word(_TYPES, decl.type, lang)
        out.append(f"| `{name}` | {level} | {kind} | {_code(decl.unit)} | {md(decl.label.text(lang))} |")
    return out


_LEVELS = {"county": "packdoc.level_county", "school": "packdoc.level_school", "section": "packdoc.level_section"}
_TYPES = {
    "number": "packdoc.type_number",
    "flag": "packdoc.type_flag",
    "rating": "packdoc.type_rating",
    "category": "packdoc.type_category",
}


def _word(words: dict[str, str], value: str, lang: str) -> str:
    """A fixed value of the pack format (a level, a type) as the reader says it; as written when it has no word."""
    key = words.get(value)
    return text(key, lang) if key is not None else value


def _roster_md(std: Standard, lang: str) -> list[str]:
    """How the teacher roster is counted: each count's rule and clause, and what empty cells mean."""
    pack = std.pack
    if pack.roster is None or not pack.roster.counts:
        return []
    out = ["", f"## {text('packdoc.roster', lang)}", ""]
    for cname, count in pack.roster.counts.items():
        label = f" {md(count.label.text(lang))}" if count.label else ""
        rule = f"`{count.where}`" if count.where else text("packdoc.every_row", lang)
        ccite = count.cite
        csrc = pack.sources.get(ccite.source) if ccite else None
        where_from = ""
        if csrc is not None and ccite is not None:
            where_from = f" ({md(csrc.document or csrc.title.text(lang))} {md(ccite.clause or '')}".rstrip() + ")"
        out.append(f"- `{cname}`{label}: {rule}{where_from}")
    blanks = [f"`{f}` → `{spec.blank}`" for f, spec in pack.roster.fields.items() if spec.blank is not None]
    if blanks:
        out.append(f"- {text('packdoc.empty_cells', lang)}: " + ", ".join(blanks))
    return out


def _retired_md(std: Standard, lang: str) -> list[str]:
    """The rules an overlay retired, each with the overlay, its citation and its reason."""
    retired = std.resolved.retired if std.resolved is not None else []
    if not retired:
        return []
    out = ["", f"## {text('packdoc.retired', lang)}", ""]
    for target in retired:
        o = std.resolved.origins.get(target) if std.resolved is not None else None
        why = ""
        if o is not None:
            rcite: dict[str, Any] = o.cite or {}
            rsrc = std.pack.sources.get(str(rcite.get("source", "")))
            doc = md(rsrc.document or rsrc.title.text(lang)) if rsrc else md(rcite.get("source", ""))
            why = f" — {o.pack} {o.version}; {doc} {md(rcite.get('clause', ''))}".rstrip()
            if o.reason:
                why += f": {md(o.reason)}"
        out.append(f"- `{target}`{why}")
    return out


def _params_md(std: Standard, iid: str, lang: str) -> list[str]:
    """The parameters an item uses, with their values and which pack (and clause) set them."""
    item = std.pack.items[iid]
    used: set[str] = set()
    for c in std.compiled.items[iid].exprs.values():
        used |= set(c.params)
    for key in ("k", "floor", "target", "limit"):
        raw = getattr(item, key)
        if isinstance(raw, str) and raw.startswith("params."):
            used.add(raw.removeprefix("params."))
    assert std.resolved is not None
    out = []
    for name in sorted(used):
        p = std.pack.parameters.get(name)
        if p is None:
            continue
        value = p.value if not isinstance(p.value, dict) else ", ".join(f"{k} {v:g}" for k, v in p.value.items())
        unit = f" {_code(p.unit)}" if p.unit not in ("1", "") else ""
        o = std.resolved.origins.get(f"parameters.{name}.value") or std.resolved.origins.get(f"parameters.{name}")
        cite = (Cite.model_validate(o.cite) if o and o.cite else None) if o and o.op != "define" else p.cite
        src = std.pack.sources.get(cite.source) if cite else None
        doc = md(src.document or src.title.text(lang)) if src else ""
        by = f"{o.pack}" if o else ""
        clause = f" {md(cite.clause)}" if cite and cite.clause else ""
        out.append(f"- `params.{name}` = {value}{unit} ({by}; {doc}{clause})")
    return out


def _item_rule_md(std: Standard, iid: str, lang: str) -> list[str]:
    """The rule of one item in words, its expressions and parameters as code."""
    item = std.pack.items[iid]
    inds = ", ".join(item.indicators or [])
    if item.kind == "k_of_n":
        return [
            text(
                "packdoc.rule_k_of_n",
                lang,
                k=f"`{item.k}`",
                n=len(item.indicators or []),
                indicators=inds,
                floor=f"`{item.floor}`",
            )
        ]
    if item.kind in ("cv_limit", "composite_cv"):
        decimals = item.rounding.decimals if item.rounding else None
        key = "packdoc.rule_composite_cv" if item.kind == "composite_cv" else "packdoc.rule_cv"
        rounded = text("packdoc.rounded", lang, decimals=decimals) if decimals is not None else ""
        return [text(key, lang, limit=f"`{item.limit}`", indicators=inds) + rounded]
    if item.kind in ("every", "county"):
        require = f"`{(item.require or '').strip()}`"
        if item.kind == "county":
            return [text("packdoc.rule_county", lang, require=require)]
        where = text("packdoc.rule_where", lang, where=f"`{item.where}`") if item.where else ""
        key = "packdoc.rule_every_section" if item.level == "section" else "packdoc.rule_every_school"
        return [text(key, lang, where=where, require=require)]
    return _progress_rule_md(item, lang)


def _progress_rule_md(item: Item, lang: str) -> list[str]:
    """A progress item's road in words: value against target, the deadline with the text that gives it, the
    baseline and the yearly milestones (docs/history.md §6 says how they judge on track)."""
    deadline = text("packdoc.deadline", lang, deadline=item.deadline) if item.deadline else ""
    progress = text("packdoc.progress", lang, value=f"`{item.value}`", target=item.target, unit=item.unit or "")
    out = [progress + deadline]
    if item.deadline_cite is not None:
        c = item.deadline_cite
        out.append("- " + text("packdoc.deadline_cite", lang, clause=md(c.clause or ""), quote=md(c.text or "")))
    b = item.baseline
    if b is not None and b.year == "first_stored":
        out.append("- " + text("packdoc.baseline_first_stored", lang))
    elif b is not None:
        value = "—" if b.value is None else f"{b.value:g}"
        out.append("- " + text("packdoc.baseline", lang, year=b.year, value=value, unit=item.unit or ""))
    for m in item.milestones or ():
        out.append("- " + text("packdoc.milestone", lang, year=m.year, value=f"{m.value:g}", unit=item.unit or ""))
    return out


def lint_standard(std: Standard) -> list[Problem]:
    """Warnings about a pack that loads cleanly: unused inputs, parameters and sources, rules without citations,
    and shared school amounts used per section without apportionment (the "nine-year school counted twice" bug)."""
    assert std.resolved is not None
    locate = std.resolved.locate
    warnings: list[Problem] = []
    for path, message in [*_unused_declarations(std), *_missing_citations(std), *_unapportioned_amounts(std)]:
        src, loc = locate(path)
        warnings.append(Problem.of(message, source=src, location=loc, path=".".join(str(p) for p in path)))
    return warnings


def _used_names_and_params(std: Standard) -> tuple[set[str], set[str]]:
    """The input/derived names and the parameters that some rule of the compiled pack reads."""
    cp = std.compiled
    exprs: list[Any] = [*cp.derived.values(), *cp.fallbacks.values()]
    for ind in cp.indicators.values():
        exprs += [ind.value, ind.weight]
    for scope in cp.exclusions.values():
        exprs += list(scope.values())
    for item in cp.items.values():
        exprs += list(item.exprs.values())
    used_names: set[str] = set()
    used_params: set[str] = set()
    for c in exprs:
        used_names |= set(c.deps)
        used_params |= set(c.params)
    for spec_item in std.pack.items.values():
        used_names |= set(spec_item.evidence or ())
        for key in ("k", "floor", "target", "limit"):
            raw = getattr(spec_item, key)
            if isinstance(raw, str) and raw.startswith("params."):
                used_params.add(raw.removeprefix("params."))
    used_params.add("comparison_tolerance")
    used_names |= _computed_inputs(std)
    return used_names, used_params


def _computed_inputs(std: Standard) -> set[str]:
    """Inputs filled by a computation (the survey's rate, the roster's totals) and those a computed input is computed
    from (also in a term a zero parameter switches off): what the county gives for them is read."""
    pack = std.pack
    out = set(pack.roster.totals) if pack.roster is not None else set()
    if pack.survey is not None:
        out.add(pack.survey.input)
    return out | computed_from(pack)


def _unused_declarations(std: Standard) -> list[_Lint]:
    """Inputs and parameters that the pack declares but no rule uses."""
    pack = std.pack
    used_names, used_params = _used_names_and_params(std)
    out: list[_Lint] = []
    for name in pack.inputs:
        if (
            name not in used_names
            and name not in STRUCTURAL
            and not any(name in (i.addition or "") for i in pack.indicators.values())
        ):
            out.append((("inputs", name), msg("packdoc.unused_input", name=name)))
    for name in pack.parameters:
        if name not in used_params:
            out.append((("parameters", name), msg("packdoc.unused_parameter", name=name)))
    return out


def _cited_sources(std: Standard) -> set[str]:
    """The source ids cited anywhere: by rules, scope exclusions, the apportionment or an overlay's change."""
    pack = std.pack
    assert std.resolved is not None
    cited: set[str] = set()
    for coll in (pack.parameters, pack.indicators, pack.items, pack.areas):
        for v in coll.values():
            if v.cite is not None:
                cited.add(v.cite.source)
    for scope_spec in pack.scopes.values():
        for e in scope_spec.exclude.values():
            if e.cite is not None:
                cited.add(e.cite.source)
    if pack.apportionment and pack.apportionment.cite:
        cited.add(pack.apportionment.cite.source)
    cited |= {c.source for _, c in computation_cites(pack) if c is not None}
    if pack.roster is not None:
        cited |= {c.cite.source for c in pack.roster.counts.values() if c.cite is not None}
    for o in std.resolved.origins.values():
        if o.cite and o.cite.get("source"):
            cited.add(str(o.cite["source"]))
    return cited


def _missing_citations(std: Standard) -> list[_Lint]:
    """Sources never cited, and items and indicators without a citation."""
    pack = std.pack
    cited = _cited_sources(std)
    out: list[_Lint] = []
    for sid in pack.sources:
        if sid not in cited:
            out.append((("sources", sid), msg("packdoc.uncited_source", name=sid)))
    for iid, it in pack.items.items():
        if it.cite is None:
            out.append((("items", iid), msg("packdoc.uncited_item", name=iid)))
    for iid, ind_spec in pack.indicators.items():
        if ind_spec.cite is None:
            out.append((("indicators", iid), msg("packdoc.uncited_indicator", name=iid)))
    return out


def _unapportioned_amounts(std: Standard) -> list[_Lint]:
    """School-level amounts (area, money, rooms, people) read per section without apportionment: a school with two
    sections would count them in full for each."""
    cp = std.compiled
    amount_dims = {"[length] ** 2", "[currency]", "[room]", "[teacher]", "[student]"}
    out: list[_Lint] = []
    for iid, ind in cp.indicators.items():
        for dep in ind.value.deps:
            sym = cp.table.symbols.get(dep)
            if (
                sym is not None
                and sym.level == "school"
                and sym.dtype.kind == "number"
                and not sym.apportioned
                and str(sym.dtype.dims) in amount_dims
            ):
                out.append((("indicators", iid, "expression"), msg("packdoc.unapportioned", name=dep)))
    return out
