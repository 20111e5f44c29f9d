"""The exception tree. Scripts turn any CredstackError into one line and a
non-zero exit; nothing is sent to the chain once one is raised."""

from __future__ import annotations

from dataclasses import dataclass


class CredstackError(Exception):
    """Base of every error the tooling reports to a user."""


class ConfigError(CredstackError):
    """A setting is missing or malformed (.env, options)."""

    def __init__(self, variable: str, message: str) -> None:
        self.variable = variable
        super().__init__(message)


class DeploymentError(CredstackError):
    """No usable deployment on the connected chain."""


class CatalogError(CredstackError):
    """The YAML catalog is malformed; names the entry, field and value."""

    def __init__(self, where: str, field: str, value: object, reason: str) -> None:
        self.where = where
        self.field = field
        self.value = value
        super().__init__(f"catalog {where}: field '{field}' = {value!r}: {reason}")


class UnknownClassError(CredstackError):
    """A class slug that the deployment does not know."""

    def __init__(self, slug: str, known: list[str]) -> None:
        self.slug = slug
        listed = ", ".join(sorted(known)) or "none; run `ape run catalog apply` first"
        super().__init__(f"unknown class slug '{slug}' (known: {listed})")


@dataclass(frozen=True)
class RowError:
    """One bad value in an input file: row number (1 = first data row,
    as a spreadsheet shows it after the header), field and value."""

    row: int
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        where = f"row {self.row}: " if self.row else ""
        return f"{where}{self.field} = {self.value!r}: {self.reason}"


class InputError(CredstackError):
    """An input file has bad rows; carries every error found, not only the first."""

    def __init__(self, source: str, errors: list[RowError]) -> None:
        self.source = source
        self.errors = errors
        noun = "error" if len(errors) == 1 else "errors"
        lines = [f"{source}: {len(errors)} {noun}; nothing was sent"]
        lines += [f"  {e}" for e in errors]
        super().__init__("\n".join(lines))


class JournalError(CredstackError):
    """The journal disagrees with the chain in a way that needs a person."""
