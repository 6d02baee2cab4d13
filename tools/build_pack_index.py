"""Write src/qbalance/_packs/catalogue_index.json: the catalogue header of every shipped pack, under the SHA-256 of
its file (run after editing a shipped pack or adding one).

    python tools/build_pack_index.py

The catalogue uses a recorded header only for a pack file with exactly the bytes it was made from; any other file is
parsed. tests/test_catalogue_index.py fails while the index is stale.
"""

from __future__ import annotations

from qbalance._packs.catalogue import shipped_index_text
from qbalance._packs.catalogue_index import INDEX_PATH

if __name__ == "__main__":
    INDEX_PATH.write_text(shipped_index_text(), encoding="utf-8")
    print(f"wrote {INDEX_PATH}")
