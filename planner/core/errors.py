"""Typed errors that name where bad input is, so a user can fix it without a stack trace."""

from __future__ import annotations


class PlannerError(Exception):
    """Base of every error the product reports to a user as a plain message."""


class InputError(PlannerError):
    """Bad input: names the source (file or record), the row, and the field.

    `row` counts data rows from 1 as a spreadsheet user sees them after the header (header = row 1,
    so the first data row is row 2), or None when the input is not tabular.
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 field: str | None = None, record: str | None = None) -> None:
        self.message = message
        self.record = record  # e.g. "patient:P01": lets a reader that knows where P01 came from add its row
        self.source = source
        self.row = row
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.source:
            where.append(str(self.source))
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}" if where else self.message


class InputErrors(PlannerError):
    """Several bad rows at once, so an import can report all of them and write nothing."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class NetworkError(PlannerError):
    """A road network cannot be read, downloaded or used (unreachable point, empty file...)."""


def read_json_file(path, *, expect_object: bool = True):
    """A JSON file's content, or an InputError naming the file (missing, unreadable, invalid, not an object)."""
    import json
    from pathlib import Path

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", source=str(path)) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"not valid JSON ({exc})", source=str(path)) from None
    if expect_object and not isinstance(data, dict):
        raise InputError("expected a JSON object", source=str(path))
    return data


def write_json_file(path, data) -> None:
    """Write a problem, solution or view dict as UTF-8 JSON (the one layout of the product's JSON files)."""
    import json
    from pathlib import Path

    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
