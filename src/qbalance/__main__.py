"""``python -m qbalance``: the ``qbalance`` command, for when the script is not on the PATH (a virtual environment
not activated, Windows without its Scripts folder)."""

import sys

from ._cli.main import main

if __name__ == "__main__":
    sys.exit(main())
