"""All-or-nothing CSV imports (docs/design.md §4.4).

A domain registers an ``ImportSpec`` per kind in its ``imports.py``. ``run_import`` checks the
header, hands every row to the spec's handler, collects one message per bad row (line, column,
reason) and writes nothing unless every row is good.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from email_validator import EmailNotValidError, validate_email

from isp.errors import DomainError
from isp.extensions import db
from isp.i18n import gettext as _
from isp.i18n import ngettext
from isp.models import User


@dataclass(frozen=True)
class RowError:
    line: int
    column: str | None
    reason: str

    def __str__(self) -> str:
        if self.column:
            return _("ligne %(line)s, colonne %(column)s : %(reason)s", line=self.line,
                     column=self.column, reason=self.reason)
        return _("ligne %(line)s : %(reason)s", line=self.line, reason=self.reason)


#: Errors listed in a rejection (the page, the CLI); the rest are counted, not listed.
MAX_LISTED_ERRORS = 100


class ImportRejected(DomainError):
    """The file was rejected whole; ``errors`` lists the first problems (one entry each),
    ``total`` counts them all."""

    def __init__(self, errors: list[RowError], total: int | None = None):
        self.errors = errors[:MAX_LISTED_ERRORS]
        self.total = max(total or 0, len(errors))
        #: problems found but not listed
        self.more = self.total - len(self.errors)
        super().__init__(ngettext("Fichier refusé : %(num)s erreur, rien n'a été enregistré.",
                                  "Fichier refusé : %(num)s erreurs, rien n'a été enregistré.",
                                  self.total), status=422)


class BadValue(Exception):
    """Raised by a handler for one cell; becomes a RowError."""

    def __init__(self, column: str, reason: str):
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass
class ImportContext:
    """What a handler may use: the acting person and per-file memory (duplicates...)."""

    actor: User | None
    decided_by: User | None = None
    seen: dict[str, set] = field(default_factory=dict)
    created: int = 0
    #: problems found by a bulk check (``BulkImporter``)
    errors: list[RowError] = field(default_factory=list)

    def reject(self, line: int, column: str | None, reason: str) -> None:
        """Record a problem of one row (bulk checks)."""
        self.errors.append(RowError(line, column, reason))

    def first_time(self, key: str, value: object) -> bool:
        bucket = self.seen.setdefault(key, set())
        if value in bucket:
            return False
        bucket.add(value)
        return True


@dataclass(frozen=True)
class ImportRow:
    """One data row of the file: its line number and its trimmed cells by column."""

    line: int
    cells: dict[str, str]


@dataclass(frozen=True)
class BulkImporter:
    """The fast path for large files: the file's rows checked together, then written together.

    ``check(rows, ctx)`` validates every row with the domain's rules, looking up what it needs
    once for the whole file (not once per row), and returns what ``write`` needs, or the
    problems as ``RowError``s in ``ctx.errors``; ``write(checked, ctx)`` inserts in bulk and
    returns the number of records created. ``write`` runs only when no row has a problem.
    """

    check: Callable[[list[ImportRow], ImportContext], object]
    write: Callable[[object, ImportContext], int]


@dataclass(frozen=True)
class ImportSpec:
    kind: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    #: handler(row, ctx) adds records to the session or raises BadValue (None: bulk only).
    handler: Callable[[dict[str, str], ImportContext], None] | None
    #: when given, used instead of ``handler`` (same rules, whole-file lookups, bulk writes)
    bulk: BulkImporter | None = None
    #: the kind's name for people (``lazy_gettext``: shown in the reader's language)
    label: object = None
    #: one example line, by column (the import page and the downloadable template show it)
    example: dict[str, str] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional

    def template_csv(self) -> bytes:
        """The kind's template: its header and its example line, ``;``-separated as a French
        spreadsheet saves it, UTF-8 with a BOM so that the spreadsheet reads the accents."""
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerow([self.example.get(name, "") for name in self.columns])
        return buffer.getvalue().encode("utf-8-sig")


IMPORTERS: dict[str, ImportSpec] = {}


def register_importer(spec: ImportSpec) -> None:
    IMPORTERS[spec.kind] = spec


@dataclass(frozen=True)
class ImportResult:
    kind: str
    rows: int


def decode_csv(data: bytes) -> str:
    """The file's text. Only UTF-8 is read: a file that a spreadsheet saved in Windows-1252
    (the "CSV" of a French Excel) is refused with how to save it in UTF-8, because reading it
    would have to guess, and a wrong guess silently changes names (é read as Ã©)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        try:
            data.decode("cp1252")
        except UnicodeDecodeError:
            reason = _("le fichier n'est pas en UTF-8 (octet %(byte)s du fichier).",
                       byte=error.start)
        else:
            reason = _("le fichier semble enregistré en Windows-1252 (ANSI), pas en UTF-8 : "
                       "enregistrez-le de nouveau en choisissant « CSV UTF-8 » (Excel) ou le "
                       "jeu de caractères « Unicode (UTF-8) » (LibreOffice), puis importez-le.")
        raise ImportRejected([RowError(line, None, reason)]) from None


#: Separators a spreadsheet may save a CSV file with: the comma, the semicolon (a French
#: spreadsheet, where the comma is the decimal mark) and the tab.
DELIMITERS = (",", ";", "\t")


def detect_delimiter(text: str, columns: tuple[str, ...] = ()) -> str:
    """The separator of ``text``, told by its header row: the one that splits it into the most
    known ``columns``; when none does, the one the header row holds the most of."""
    header = text.split("\n", 1)[0]

    def score(delimiter: str) -> tuple[int, int]:
        names = [name.strip().strip('"') for name in header.split(delimiter)]
        return sum(name in columns for name in names), header.count(delimiter)

    return max(DELIMITERS, key=score)


def run_import(kind: str, data: bytes, *, actor: User | None,
               decided_by: User | None = None) -> ImportResult:
    """Import a CSV file of ``kind``: everything or nothing. The caller commits."""
    spec = IMPORTERS.get(kind)
    if spec is None:
        raise DomainError(_("Type d'import inconnu %(kind)s ; types connus : %(known)s",
                            kind=kind, known=", ".join(sorted(IMPORTERS))), field="kind")
    text = decode_csv(data)
    reader = csv.DictReader(io.StringIO(text, newline=""),
                            delimiter=detect_delimiter(text, spec.columns))
    header = [name.strip() for name in (reader.fieldnames or [])]
    if not header:
        raise ImportRejected([RowError(1, None, _("fichier vide : une ligne d'en-tête est "
                                                  "nécessaire"))])
    reader.fieldnames = header
    errors = [RowError(1, name, _("colonne manquante")) for name in spec.required
              if name not in header]
    allowed = set(spec.required) | set(spec.optional)
    errors += [RowError(1, name, _("colonne inconnue (colonnes possibles : %(columns)s)",
                                   columns=", ".join(spec.columns)))
               for name in header if name not in allowed]
    if len(set(header)) != len(header):
        errors.append(RowError(1, None, _("une colonne apparaît deux fois")))
    if errors:
        raise ImportRejected(errors)
    ctx = ImportContext(actor=actor, decided_by=decided_by)
    if spec.bulk is not None:
        return _run_bulk(spec, reader, ctx)
    rows = 0
    savepoint = db.session.begin_nested()
    try:
        for line, raw in enumerate(reader, start=2):
            if None in raw:
                errors.append(RowError(line, None, _("plus de valeurs que de colonnes")))
                continue
            row = {key: (value or "").strip() for key, value in raw.items()}
            if not any(row.values()):
                continue
            missing = [name for name in spec.required if not row.get(name)]
            if missing:
                errors += [RowError(line, name, _("valeur obligatoire")) for name in missing]
                continue
            try:
                with db.session.no_autoflush:
                    spec.handler(row, ctx)  # type: ignore[misc]  # set when bulk is None
                rows += 1
            except BadValue as bad:
                errors.append(RowError(line, bad.column, bad.reason))
            except DomainError as error:
                errors.append(RowError(line, error.field, error.message))
        if not errors:
            db.session.flush()
    except Exception:
        savepoint.rollback()
        raise
    if errors:
        savepoint.rollback()
        raise ImportRejected(errors)
    savepoint.commit()
    return ImportResult(kind, rows)


def _run_bulk(spec: ImportSpec, reader: csv.DictReader, ctx: ImportContext) -> ImportResult:
    """Read every row, check them all (whole-file lookups), write them in bulk if all good."""
    rows: list[ImportRow] = []
    for line, raw in enumerate(reader, start=2):
        if None in raw:
            ctx.reject(line, None, _("plus de valeurs que de colonnes"))
            continue
        cells = {key: (value or "").strip() for key, value in raw.items()}
        if not any(cells.values()):
            continue
        missing = [name for name in spec.required if not cells.get(name)]
        if missing:
            for name in missing:
                ctx.reject(line, name, _("valeur obligatoire"))
            continue
        rows.append(ImportRow(line, cells))
    checked = spec.bulk.check(rows, ctx)
    if ctx.errors:
        errors = sorted(ctx.errors, key=lambda error: error.line)  # stable: columns in order
        raise ImportRejected(errors[:MAX_LISTED_ERRORS], total=len(errors))
    savepoint = db.session.begin_nested()
    try:
        created = spec.bulk.write(checked, ctx)
    except Exception:
        savepoint.rollback()
        raise
    savepoint.commit()
    return ImportResult(spec.kind, created)


# --- cell parsers shared by the domains -------------------------------------------------------

_WHOLE_NUMBER = re.compile(r"-?\d+")
_EUROS = re.compile(r"-?\d+(\.\d{1,2})?")


def parse_date(row: dict, column: str, *, required: bool = True) -> date | None:
    value = row.get(column, "")
    if not value:
        if required:
            raise BadValue(column, _("valeur obligatoire"))
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadValue(column, _("« %(value)s » n'est pas une date AAAA-MM-JJ",
                                 value=value)) from None


def parse_int(row: dict, column: str, *, required: bool = False, minimum: int | None = None,
              maximum: int | None = None) -> int | None:
    value = row.get(column, "")
    if not value:
        if required:
            raise BadValue(column, _("valeur obligatoire"))
        return None
    if not _WHOLE_NUMBER.fullmatch(value):
        raise BadValue(column, _("« %(value)s » n'est pas un nombre entier", value=value))
    number = int(value)
    if minimum is not None and number < minimum:
        raise BadValue(column, _("%(number)s est inférieur à %(minimum)s", number=number,
                                         minimum=minimum))
    if maximum is not None and number > maximum:
        raise BadValue(column, _("%(number)s est supérieur à %(maximum)s", number=number,
                                         maximum=maximum))
    return number


def parse_float(row: dict, column: str, *, required: bool = False) -> float | None:
    value = row.get(column, "").replace(",", ".")
    if not value:
        if required:
            raise BadValue(column, _("valeur obligatoire"))
        return None
    try:
        return float(value)
    except ValueError:
        raise BadValue(column, _("« %(value)s » n'est pas un nombre",
                                        value=row[column])) from None


def parse_money_cents(row: dict, column: str) -> int:
    """Euros with a dot or a comma (``12.50``, ``12,50``) to integer cents."""
    value = row.get(column, "").replace(" ", "").replace(",", ".")
    if not _EUROS.fullmatch(value):
        raise BadValue(column, _("« %(value)s » n'est pas un montant en euros",
                                        value=row.get(column)))
    try:
        return int((Decimal(value) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except InvalidOperation:
        raise BadValue(column, _("« %(value)s » n'est pas un montant en euros",
                                        value=row.get(column))) from None


def parse_email(row: dict, column: str) -> str | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise BadValue(column, _("adresse e-mail invalide : %(error)s", error=error)) from None


def parse_choice(row: dict, column: str, choices, *, required: bool = True,
                 default: str | None = None) -> str | None:
    value = row.get(column, "")
    if not value:
        if required and default is None:
            raise BadValue(column, _("valeur obligatoire"))
        return default
    allowed = [str(choice) for choice in choices]
    if value not in allowed:
        raise BadValue(column, _("« %(value)s » n'est pas parmi %(allowed)s", value=value,
                                     allowed=", ".join(allowed)))
    return value
