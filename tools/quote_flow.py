"""Quote values in one-line YAML flow mappings ({zh: ..., en: ...}) that contain commas (a pack-authoring aid)."""

from __future__ import annotations

import re
import sys

KEYS = "zh|en|source|clause|text|note"
LINE = re.compile(r"^(\s*[\w.-]+: )\{(.*)\}\s*$")
SPLIT = re.compile(rf"(?:^|, )({KEYS}): ")


def fix_line(line: str) -> str:
    m = LINE.match(line)
    if not m:
        return line
    head, body = m.groups()
    starts = list(SPLIT.finditer(body))
    if not starts or starts[0].start() != 0:
        return line
    pairs = []
    for i, s in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(body)
        key, value = s.group(1), body[s.end() : end]
        if ("," in value or ": " in value or value.startswith(("'", "[", "{", "&", "*", "!", "%", "@", "`"))) and not (
            value.startswith('"') and value.endswith('"')
        ):
            value = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        pairs.append(f"{key}: {value}")
    return f"{head}{{{', '.join(pairs)}}}"


def main(paths: list[str]) -> None:
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().split("\n")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("\n".join(fix_line(ln) for ln in lines))


if __name__ == "__main__":
    main(sys.argv[1:])
