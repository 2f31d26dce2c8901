"""What is wrong with a data file: one `Problem` per file, line, field and value, and the
`DataError` that lists them all (every problem at once, never just the first)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one line of a file."""

    path: str
    line: int
    field: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        field = f" field '{self.field}':" if self.field else ""
        value = "" if self.value is None else f" (got {_short(self.value)})"
        # a lone surrogate (a broken JSON \u escape) in a field name must not crash the printing
        return f"{where}:{field} {self.message}{value}".encode("utf-8", "backslashreplace").decode("utf-8")


class DataError(ValueError):
    """Raised with every problem found in a data file, never just the first."""

    def __init__(self, problems: list[Problem], what: str = "corpus", hint: str = ""):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        files = sorted({p.path for p in problems})
        hint = f"\n{hint}" if hint else ""
        super().__init__(f"invalid {what} {', '.join(files)}: {len(problems)} problem(s)\n{lines}{hint}")


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
