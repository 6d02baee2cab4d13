"""Write src/qbalance/_base/catalogue.json from the message catalogue's YAML files (run after editing them).

    python tools/build_catalogue.py

The JSON is only a faster way to read the same messages: qbalance uses it only when the SHA-256 it records matches
the YAML files, and tests/test_messages.py fails while it is stale.
"""

from __future__ import annotations

from pathlib import Path

from qbalance._base.messages import compiled_catalogue

OUT = Path(__file__).resolve().parents[1] / "src" / "qbalance" / "_base" / "catalogue.json"

if __name__ == "__main__":
    OUT.write_text(compiled_catalogue(), encoding="utf-8")
    print(f"wrote {OUT}")
