"""``python -m shnor``: the same command where the ``shnor`` script is not on PATH (on Windows, often)."""

from shnor.cli.app import entry

if __name__ == "__main__":
    entry()
