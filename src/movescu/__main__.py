"""``python -m movescu``: same as the ``movescu`` console script."""

from __future__ import annotations

from movescu.main import console_main

if __name__ == "__main__":
    console_main()
