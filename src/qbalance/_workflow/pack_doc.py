"""Read-only views of a resolved pack: the effective YAML with every rule's origin, a literate Markdown document
for supervision experts (each rule beside the clause text it encodes), and lint checks that evaluate nothing."""

from __future__ import annotations

from typing import Any

import yaml

from .._api.standard import Standard
from .._base.errors import Problem
from .._packs.compile import STRUCTURAL
from .._packs.compute_rules import computation_cites, computed_from
from .._packs.resolve import Origin
from .._packs.schema import Cite, Label
from .._report.markdown import md, md_block
from .pack_doc_computed import computations_md

__all__ = ["lint_standard", "render_markdown", "render_resolved"]

_Lint = tuple[tuple[str | int, ...], str]
"""A lint finding before it is located in the pack files: the rule's path and the message."""

BLOCKS = ("sources", "scales", "parameters", "inputs", "derived", "indicators", "scopes", "areas", "items")


def _where(o: Origin) -> str:
    loc = f" {o.location}" if o.location else ""
    return f"{o.pack} {o.version} ({o.file}{loc})"


def render_resolved(std: Standard) -> str:
    """The effective pack as YAML, each rule preceded by comments saying which pack defined or changed it."""
    assert std.resolved is not None
    doc = std.resolved.doc
    origins = std.resolved.origins
    out: list[str] = [
        f"# Resolved pack {std.id} {std.version} — chain: " + " → ".join(f"{c.id} {c.version}" for c in std.chain),
        f"# sha256 of the resolved rules: {std.sha256}",
    ]
    if std.resolved.retired:
        out.append("# retired by an overlay: " + ", ".join(std.resolved.retired))
    meta = {k: v for k, v in doc.items() if k not in BLOCKS and k not in ("apportionment", "sections")}
    out.append(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=120, default_flow_style=False).rstrip())
    for single in ("sections", "apportionment"):
        if single in doc:
            o = origins.get(single)
            if o:
                out.append(f"# {single}: defined by {_where(o)}")
            out.extend(_changed_lines(origins, single))
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
                out.append(f"  # {key}: {'defined' if o.op == 'define' else o.op} by {_where(o)}")
            out.extend("  " + line for line in _changed_lines(origins, rule))
            text = yaml.safe_dump({key: value}, allow_unicode=True, sort_keys=False, width=116).rstrip()
            out.extend("  " + line for line in text.splitlines())
    return "\n".join(out) + "\n"


def _changed_lines(origins: dict[str, Origin], rule: str) -> list[str]:
    lines = []
    for path, o in origins.items():
        if path.startswith(rule + ".") or (path == rule and o.op != "define"):
            cite = o.cite or {}
            src = f" citing {cite.get('source')} {cite.get('clause') or ''}".rstrip() if cite else ""
            lines.append(f"# {path}: {o.op} by {_where(o)}{src}")
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
        out.append(f"*{'来源' if lang == 'zh' else 'Source'}: {doc}{clause}*")
    if cite.note:
        out.append("")
        out.append(f"*{'说明' if lang == 'zh' else 'Note'}: {md(cite.note.strip())}*")
    return out


def _origin_md(std: Standard, rule: str, lang: str) -> list[str]:
    assert std.resolved is not None
    out = []
    for path, o in std.resolved.origins.items():
        if (path.startswith(rule + ".") or path == rule) and o.op != "define":
            cite = o.cite or {}
            src = std.pack.sources.get(str(cite.get("source")))
            doc = md(src.document or src.title.text(lang)) if src else md(cite.get("source"))
            word = "地方调整" if lang == "zh" else "Local change"
            text = f": {md(cite['text'])}" if cite.get("text") else ""
            out.append(f"- **{word}** ({o.pack} {o.op} `{path}`; {doc} {md(cite.get('clause') or '')}){text}")
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
    zh = lang == "zh"
    out: list[str] = [f"# {md(pack.title.text(lang))}", ""]
    out.append(f"- **{'标识' if zh else 'Pack'}**: `{pack.id}` {pack.version}")
    if pack.document:
        out.append(f"- **{'文号' if zh else 'Document'}**: {md(pack.document)}")
    out.append(f"- **{'生效日期' if zh else 'Effective'}**: {pack.effective.isoformat()}")
    out.append(f"- **{'继承链' if zh else 'Chain'}**: " + " → ".join(f"`{c.id}` {c.version}" for c in std.chain))
    out.append(f"- **sha256**: `{std.sha256}`")
    if pack.description:
        out += ["", md_block(pack.description.text(lang))]
    return out


def _sources_md(std: Standard, lang: str) -> list[str]:
    """The documents the pack cites, by source id."""
    out = ["", f"## {'依据文件' if lang == 'zh' else 'Sources'}", ""]
    for sid, src in std.pack.sources.items():
        doc = f" {md(src.document)}" if src.document else ""
        out.append(f"- `{sid}`: {md(src.title.text(lang))}{doc}" + (f" — {md(src.note.strip())}" if src.note else ""))
    return out


def _areas_md(std: Standard, lang: str) -> list[str]:
    """Each area in order with its citation, then each of its items: clause, rule, parameters and local changes."""
    pack = std.pack
    out: list[str] = []
    for aid, area in sorted(pack.areas.items(), key=lambda kv: kv[1].order):
        req = "" if area.required else (" (不计入认定)" if lang == "zh" else " (not part of the verdict)")
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
    zh = lang == "zh"
    out = ["", f"## {'资源配置指标' if zh else 'Indicators'}", ""]
    secs = pack.sections
    head = "| ID | " + ("指标" if zh else "Indicator") + " | " + " | ".join(secs) + " | " + ("单位" if zh else "Unit")
    out += [head + " | " + ("计算式" if zh else "Expression") + " |", "|" + "---|" * (len(secs) + 4)]
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
    out = ["", f"## {'计算范围' if lang == 'zh' else 'Scopes'}", ""]
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
    zh = lang == "zh"
    out = [f"## {'共用设施分摊' if zh else 'Apportionment of shared facilities'}", ""]
    for key, table in ap.weights.items():
        out.append(f"- {key}: " + " : ".join(f"{s} {w:g}" for s, w in table.items()))
    out.append(f"- {'分摊字段' if zh else 'fields'}: " + ", ".join(f"`{f}`" for f in ap.fields))
    out += ["", *_cite_md(std, ap.cite, lang)]
    return out


def _parameter_table_md(std: Standard, lang: str) -> list[str]:
    """Every parameter with its value, unit and the pack that set it (and how)."""
    zh = lang == "zh"
    out = ["", f"## {'参数' if zh else 'Parameters'}", ""]
    out += [
        "| " + " | ".join(["参数", "取值", "单位", "来源"] if zh else ["Parameter", "Value", "Unit", "Set by"]) + " |",
        "|---|---|---|---|",
    ]
    assert std.resolved is not None
    for pid, p in std.pack.parameters.items():
        o = std.resolved.origins.get(f"parameters.{pid}.value") or std.resolved.origins.get(f"parameters.{pid}")
        by = f"{o.pack} ({o.op})" if o else ""
        value = p.value if not isinstance(p.value, dict) else ", ".join(f"{k} {v:g}" for k, v in p.value.items())
        out.append(f"| `{pid}` {_lbl(p.label, lang)} | {value} | {p.unit} | {by} |")
    return out


def _input_table_md(std: Standard, lang: str) -> list[str]:
    """Every input field the pack reads: level, type, unit and meaning."""
    zh = lang == "zh"
    out = ["", f"## {'输入数据' if zh else 'Inputs'}", ""]
    out += [
        "| "
        + " | ".join(["字段", "层级", "类型", "单位", "含义"] if zh else ["Field", "Level", "Type", "Unit", "Meaning"])
        + " |",
        "|---|---|---|---|---|",
    ]
    for name, decl in std.pack.inputs.items():
        out.append(f"| `{name}` | {decl.level} | {decl.type} | {_code(decl.unit)} | {md(decl.label.text(lang))} |")
    return out


def _roster_md(std: Standard, lang: str) -> list[str]:
    """How the teacher roster is counted: each count's rule and clause, and what empty cells mean."""
    pack = std.pack
    if pack.roster is None or not pack.roster.counts:
        return []
    zh = lang == "zh"
    out = ["", f"## {'教师名册统计口径' if zh else 'Teacher roster: how the counts are made'}", ""]
    for cname, count in pack.roster.counts.items():
        label = f" {md(count.label.text(lang))}" if count.label else ""
        rule = f"`{count.where}`" if count.where else ("每一行" if zh else "every row")
        ccite = count.cite
        csrc = pack.sources.get(ccite.source) if ccite else None
        where_from = ""
        if csrc is not None and ccite is not None:
            where_from = f" ({md(csrc.document or csrc.title.text(lang))} {md(ccite.clause or '')}".rstrip() + ")"
        out.append(f"- `{cname}`{label}: {rule}{where_from}")
    blanks = [f"`{f}` → `{spec.blank}`" for f, spec in pack.roster.fields.items() if spec.blank is not None]
    if blanks:
        out.append(f"- {'空白单元格的含义' if zh else 'Empty cells mean'}: " + ", ".join(blanks))
    return out


def _retired_md(std: Standard, lang: str) -> list[str]:
    """The rules an overlay retired, each with the overlay, its citation and its reason."""
    retired = std.resolved.retired if std.resolved is not None else []
    if not retired:
        return []
    out = ["", f"## {'叠加包废止的规则' if lang == 'zh' else 'Rules retired by an overlay'}", ""]
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
    item = std.pack.items[iid]
    zh = lang == "zh"
    out = []
    if item.kind == "k_of_n":
        out.append(
            f"{'规则' if zh else 'Rule'}: {'每个学段至少' if zh else 'at least'} `{item.k}` "
            f"/ {len(item.indicators or [])} "
            f"({', '.join(item.indicators or [])}), {'余项不低于' if zh else 'the rest at least'} `{item.floor}` × "
            f"{'标准' if zh else 'threshold'}"
        )
    elif item.kind in ("cv_limit", "composite_cv"):
        decimals = item.rounding.decimals if item.rounding else None
        what = "综合差异系数" if item.kind == "composite_cv" else "差异系数"
        out.append(
            f"{'规则' if zh else 'Rule'}: {what if zh else 'CV'} ≤ `{item.limit}` ({', '.join(item.indicators or [])})"
            + (f", {'比较前保留' if zh else 'rounded to'} {decimals}" if decimals is not None else "")
        )
    elif item.kind == "every":
        level = {"school": "每所学校" if zh else "every school", "section": "每个学段" if zh else "every section"}[
            item.level or "school"
        ]
        where = f" ({'适用于' if zh else 'where'} `{item.where}`)" if item.where else ""
        out.append(f"{'规则' if zh else 'Rule'}: {level}{where}: `{(item.require or '').strip()}`")
    elif item.kind == "county":
        out.append(f"{'规则' if zh else 'Rule'}: `{(item.require or '').strip()}`")
    else:
        out.append(
            f"{'进度' if zh else 'Progress'}: `{item.value}` / {item.target} {item.unit or ''}"
            + (f" ({'期限' if zh else 'by'} {item.deadline})" if item.deadline else "")
        )
    return out


def lint_standard(std: Standard) -> list[Problem]:
    """Warnings about a pack that loads cleanly: unused inputs, parameters and sources, rules without citations,
    and shared school amounts used per section without apportionment (the "nine-year school counted twice" bug)."""
    assert std.resolved is not None
    locate = std.resolved.locate
    warnings: list[Problem] = []
    for path, message in [*_unused_declarations(std), *_missing_citations(std), *_unapportioned_amounts(std)]:
        src, loc = locate(path)
        warnings.append(Problem(message, source=src, location=loc, path=".".join(str(p) for p in path)))
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
            out.append((("inputs", name), f"input {name!r} is declared but no rule uses it"))
    for name in pack.parameters:
        if name not in used_params:
            out.append((("parameters", name), f"parameter {name!r} is declared but no rule uses it"))
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
            out.append((("sources", sid), f"source {sid!r} is never cited"))
    for iid, it in pack.items.items():
        if it.cite is None:
            out.append((("items", iid), f"item {iid!r} has no citation"))
    for iid, ind_spec in pack.indicators.items():
        if ind_spec.cite is None:
            out.append((("indicators", iid), f"indicator {iid!r} has no citation"))
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
                out.append(
                    (
                        ("indicators", iid, "expression"),
                        f"{dep!r} is a school-level amount used per section without apportionment: a school with "
                        "two sections would count it in full for each (add it to apportionment.fields)",
                    )
                )
    return out
