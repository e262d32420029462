"""Reading ``--report`` files and checking them against ``docs/report.schema.json``.

Every test that produces a real report (a success, a failure, an interrupted
run) validates it here, so the published schema cannot drift from what
:mod:`movescu.report` writes.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

SCHEMA = Path(__file__).resolve().parents[2] / "docs" / "report.schema.json"


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_errors(document: Any) -> list[str]:
    """Every violation of the schema, as ``path: message`` lines (empty: valid)."""
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(_validator().iter_errors(document), key=str)
    ]


def read_report(path: Path) -> dict[str, Any]:
    """The report at ``path``, after checking that it is valid against the schema."""
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    errors = schema_errors(document)
    assert errors == [], "\n".join(errors)
    return document
