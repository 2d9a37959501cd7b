"""Field validation shared by forms, the JSON API and CSV imports (issue 19, item 13).

A field is declared once (``HOLDER_NAME = Text("holder_name", max_length=120)``) and checked
once, in the service every entry point calls: ``HOLDER_NAME.check(value)`` returns the clean
value or raises ``DomainError(reason, field=name)``, which the API answers as 422
``{"error", "field"}``, the import as a line/column/reason and a form beside the field
(``form_validator`` lets a WTForms field run the same check before the service does).

Bounds chosen here, and why:
- whole numbers stored in an INTEGER column: 1 .. 2,147,483,647 (PostgreSQL's int4);
- dates: 1900-01-01 .. 2100-12-31 (nothing in a tenancy, a payment or a coaching slot is
  older or further ahead; Python's date arithmetic overflows at the year 9999);
- a payment: at most 100,000.00 € (10,000,000 cents), far above any household's debt;
- text: the column's length, no NUL (PostgreSQL refuses it) and no other control character
  except tab and line breaks in multi-line text;
- web addresses: http or https only (a ``javascript:`` link must never be stored).

``register_input_guards`` rejects, before any view runs, the strings that no database can store
(NUL, lone surrogates such as a JSON ``"\\ud800"``) wherever they come from: query string, form,
multipart upload fields or JSON body.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit

from flask import Flask, request
from wtforms.validators import ValidationError

from isp.errors import DomainError
from isp.i18n import gettext as _

#: PostgreSQL INTEGER (int4); SQLite stores anything up to 2**63 but the schema is the same.
MAX_INT = 2**31 - 1
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2100, 12, 31)
#: 100,000.00 € in one payment.
MAX_PAYMENT_CENTS = 10_000_000

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


class _Field:
    def invalid(self, reason: str) -> DomainError:
        """The error naming this field; 422 unless the field says otherwise (query strings)."""
        return DomainError(reason, field=self.name, status=getattr(self, "status", 422))


@dataclass(frozen=True)
class Text(_Field):
    """A string of at most ``max_length`` characters (the column's), without control chars."""

    name: str
    max_length: int
    required: bool = False
    multiline: bool = False

    def check(self, value: object) -> str | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            if self.required:
                raise self.invalid(_("%(field)s est obligatoire.", field=self.name))
            return None
        if not isinstance(value, str):
            raise self.invalid(_("%(field)s doit être un texte.", field=self.name))
        value = value.strip()
        if len(value) > self.max_length:
            raise self.invalid(_("%(field)s dépasse %(n)s caractères.",
                                        field=self.name, n=self.max_length))
        pattern = _CONTROL if self.multiline else _CONTROL_SINGLE_LINE
        if pattern.search(value):
            raise self.invalid(_("%(field)s contient un caractère de contrôle.",
                                        field=self.name))
        return value

    def json_schema(self) -> dict:
        """What ``check`` accepts, for the OpenAPI document (required: a visible character)."""
        allowed = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]" if self.multiline else r"[^\x00-\x1f\x7f]"
        visible = r"[^\s\x00-\x1f\x7f]"
        pattern = f"^{allowed}*{visible}{allowed}*$" if self.required else f"^{allowed}*$"
        return {"type": "string", "maxLength": self.max_length, "pattern": pattern}


@dataclass(frozen=True)
class Integer(_Field):
    """A whole number (never a boolean) between ``minimum`` and ``maximum``."""

    name: str
    minimum: int = 1
    maximum: int = MAX_INT
    required: bool = False
    #: 400 for a query-string argument, 422 for a value of a body.
    status: int = 422

    def check(self, value: object) -> int | None:
        if value is None or value == "":
            if self.required:
                raise self.invalid(_("%(field)s est obligatoire.", field=self.name))
            return None
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,30}", value.strip()):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.invalid(_("%(field)s doit être un nombre entier.",
                                        field=self.name))
        if not self.minimum <= value <= self.maximum:
            raise self.invalid(_("%(field)s doit être entre %(low)s et %(high)s.",
                                        field=self.name, low=self.minimum, high=self.maximum))
        return value

    def json_schema(self) -> dict:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Day(_Field):
    """A date ``YYYY-MM-DD`` (or a ``date``) between ``earliest`` and ``latest``."""

    name: str
    earliest: date = EARLIEST_DAY
    latest: date = LATEST_DAY
    required: bool = False
    status: int = 422

    def check(self, value: object) -> date | None:
        if value is None or value == "":
            if self.required:
                raise self.invalid(_("%(field)s est obligatoire.", field=self.name))
            return None
        if isinstance(value, str):
            try:
                value = date.fromisoformat(value.strip())
            except ValueError:
                raise self.invalid(_("%(field)s doit être une date AAAA-MM-JJ.",
                                            field=self.name)) from None
        if not isinstance(value, date):
            raise self.invalid(_("%(field)s doit être une date AAAA-MM-JJ.",
                                        field=self.name))
        if not self.earliest <= value <= self.latest:
            raise self.invalid(_("%(field)s doit être entre le %(low)s et le %(high)s.",
                                        field=self.name, low=self.earliest.isoformat(),
                                        high=self.latest.isoformat()))
        return value

    def json_schema(self) -> dict:
        # Years 1900-2099 as a pattern (JSON Schema has no date bounds).
        return {"type": "string", "format": "date",
                "pattern": r"^(19|20)\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"}


@dataclass(frozen=True)
class Choice(_Field):
    """One code of a vocabulary."""

    name: str
    allowed: tuple[str, ...]
    required: bool = False

    def check(self, value: object) -> str | None:
        if value is None or value == "":
            if self.required:
                raise self.invalid(_("%(field)s est obligatoire.", field=self.name))
            return None
        if not isinstance(value, str) or value not in self.allowed:
            raise self.invalid(_("%(field)s doit être l'un de : %(allowed)s.",
                                        field=self.name, allowed=", ".join(self.allowed)))
        return value

    def json_schema(self) -> dict:
        return {"type": "string", "enum": list(self.allowed)}


@dataclass(frozen=True)
class Codes(_Field):
    """A list of codes of a vocabulary (a ``;``-separated string is accepted too)."""

    name: str
    allowed: tuple[str, ...]

    def check(self, value: object) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            value = [part.strip() for part in value.split(";") if part.strip()]
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            raise self.invalid(_("%(field)s doit être une liste de codes.",
                                        field=self.name))
        unknown = [code for code in value if code not in self.allowed]
        if unknown:
            raise self.invalid(_("%(field)s : code inconnu %(code)s (codes admis : "
                                        "%(allowed)s).", field=self.name, code=unknown[0][:40],
                                        allowed=", ".join(self.allowed)))
        return list(dict.fromkeys(value))

    def json_schema(self) -> dict:
        return {"type": "array", "items": {"type": "string", "enum": list(self.allowed)}}


@dataclass(frozen=True)
class WebAddress(_Field):
    """An http(s) address of at most ``max_length`` characters."""

    name: str
    max_length: int = 254

    def check(self, value: object) -> str | None:
        text = Text(self.name, self.max_length).check(value)
        if text is None:
            return None
        parts = urlsplit(text)
        if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise self.invalid(_("%(field)s doit être une adresse http:// ou https://.",
                                 field=self.name))
        return text

    def json_schema(self) -> dict:
        return {"type": "string", "maxLength": self.max_length,
                "pattern": r"^https?://[^\x00-\x20\x7f/]+[^\x00-\x20\x7f]*$"}


Field = Text | Integer | Day | Choice | Codes | WebAddress


def json_body(*, allowed: Iterable[str] | None = None) -> dict:
    """The request's JSON object (400 otherwise); with ``allowed``, an unknown key is a 400.

    The one parser of every API body: the same two messages whichever endpoint is called.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise DomainError(_("Envoyez un objet JSON"), status=400)
    if allowed is not None:
        unknown = sorted(set(body) - set(allowed))
        if unknown:
            raise DomainError(_("Champ inconnu : %(field)s", field=unknown[0]), field=unknown[0],
                              status=400)
    return body


def body_schema(*fields: Field, required: tuple[str, ...] | None = None, **extra: dict) -> dict:
    """The JSON schema of a request body made of ``fields`` (and ``extra`` raw properties).

    ``required`` defaults to the fields declared required; the others may also be null.
    """
    properties = {field.name: field.json_schema() for field in fields} | extra
    if required is None:
        required = tuple(field.name for field in fields if getattr(field, "required", False))
    # An optional member may be null: the fields read null as absent.
    properties = {name: schema if name in required else {"anyOf": [schema, {"type": "null"}]}
                  for name, schema in properties.items()}
    return {"type": "object", "properties": properties, "required": list(required)}


def form_validator(field: Field):
    """A WTForms validator running ``field.check`` (the same rule as the API and imports)."""
    def _validate(_form, form_field) -> None:
        try:
            field.check(form_field.data)
        except DomainError as error:
            raise ValidationError(error.message) from None

    return _validate


def check_all(fields: Iterable[Field], values: dict) -> dict:
    """Each present value checked by its field; returns the clean values."""
    return {field.name: field.check(values[field.name]) for field in fields
            if field.name in values}


# --- whole-request guards ---------------------------------------------------------------------

def _first_unstorable(value: object, path: str) -> str | None:
    """The path of the first string holding NUL or a lone surrogate, if any."""
    if isinstance(value, str):
        return path if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = _first_unstorable(key, path) or _first_unstorable(
                item, f"{path}.{key}" if path else str(key))
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_unstorable(item, f"{path}[{index}]")
            if found is not None:
                return found
    return None


def unstorable_input_field() -> str | None:
    """The first request input (argument, form field, JSON member) that no database stores."""
    for name, value in (request.view_args or {}).items():
        if isinstance(value, str) and _UNSTORABLE.search(value):
            return name
    for source in (request.args, request.form):
        for name, value in source.items(multi=True):
            if _UNSTORABLE.search(name) or _UNSTORABLE.search(value):
                return name
    if request.is_json:
        payload = request.get_json(silent=True)
        found = _first_unstorable(payload, "")
        if found is not None:
            return found or None
    return None


def register_input_guards(app: Flask) -> None:
    """Refuse NUL characters and lone surrogates anywhere in a request, with a 400."""

    @app.before_request
    def _refuse_unstorable_input():
        field = unstorable_input_field()
        if field is not None:
            raise DomainError(_("Caractère interdit (NUL ou UTF-16 isolé) dans %(field)s.",
                                field=field[:60]), field=field[:60], status=400)
