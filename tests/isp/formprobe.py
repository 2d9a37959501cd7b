"""Read the forms of a rendered page and build the bad submissions a user can make of them.

Used by ``test_every_form.py``: the page's own HTML says which fields a form has and of which
type, so a new field is probed without the test being edited.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

#: Inputs a person types into (a 10,000-character paste goes there).
TEXT_TYPES = {"text", "email", "tel", "url", "search", "password", "textarea"}
#: Inputs a browser checks but a crafted request does not.
TYPED = {"number", "date", "datetime-local", "month", "time"}
#: Fields the machinery fills (CSRF, one-time token): never probed.
MACHINERY = {"csrf_token", "submission_token"}

LONG_TEXT = "x" * 10_000
PLAUSIBLE = {
    "text": "Essai 1", "search": "Essai", "textarea": "Essai de saisie",
    "email": "essai@example.org", "tel": "0240000000", "url": "https://example.org",
    "password": "Essai-Motdepasse-2026!", "number": "1", "date": "2026-12-10",
    "datetime-local": "2026-12-10T10:00", "month": "2026-11", "time": "10:00",
}
FAR_PAST = {"date": "0001-01-01", "datetime-local": "0001-01-01T00:00", "month": "0001-01",
            "time": "00:00"}
FAR_FUTURE = {"date": "9999-12-31", "datetime-local": "9999-12-31T23:59", "month": "9999-12",
              "time": "23:59"}


@dataclass
class Field:
    name: str
    kind: str  # input type, "textarea" or "select"
    value: str = ""
    checked: bool = False
    multiple: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)


@dataclass
class Form:
    action: str
    enctype: str
    fields: list[Field] = field(default_factory=list)

    def path(self, page_path: str) -> str:
        return urlsplit(self.action).path or page_path


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: Field | None = None
        self._select: Field | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and (a.get("method", "get").lower() == "post"):
            self._form = Form(a.get("action", ""), a.get("enctype", ""))
            self.forms.append(self._form)
        if tag == "option" and self._select is not None:
            self._start_option(a)
            return
        if self._form is None or tag not in ("input", "textarea", "select", "button") \
                or "name" not in a:
            return
        if tag == "button":  # a named submit button: the first one is the one "clicked"
            if a.get("type", "submit") == "submit" and \
                    all(f.name != a["name"] for f in self._form.fields):
                self._form.fields.append(Field(a["name"], "button", a.get("value", "")))
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "reset", "image"):
                return
            self._form.fields.append(Field(a["name"], kind, a.get("value", ""),
                                           checked="checked" in a))
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self._form.fields.append(self._textarea)
        elif tag == "select":
            self._select = Field(a["name"], "select", multiple="multiple" in a)
            self._form.fields.append(self._select)

    def _start_option(self, a):
        self._option = [a.get("value"), "selected" in a, ""]
        self._select.options.append(self._option)  # type: ignore[arg-type]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "option":
            self._option = None


def forms_of(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        for f in form.fields:
            # An option without a value attribute submits its text.
            f.options = [((v if v is not None else text.strip()), sel)
                         for v, sel, text in f.options]  # type: ignore[misc]
    return parser.forms


def token_of(form: Form) -> dict[str, str]:
    return {f.name: f.value for f in form.fields if f.name in MACHINERY}


def plausible(form: Form) -> dict[str, list]:
    """What a user sends having filled every field with something ordinary."""
    data: dict[str, list] = {}
    for f in form.fields:
        values = data.setdefault(f.name, [])
        if f.kind in ("checkbox", "radio"):
            if f.checked:
                values.append(f.value or "y")
        elif f.kind == "select":
            chosen = [v for v, selected in f.options if selected]
            if not chosen:
                chosen = [v for v, _selected in f.options if v][:1]
            values.extend(chosen if f.multiple else chosen[:1])
        elif f.kind == "file":
            values.append("file")
        elif f.kind in ("hidden", "button") or f.value:
            values.append(f.value)
        else:
            values.append(PLAUSIBLE.get(f.kind, "Essai"))
    # A radio group with nothing checked: the first choice.
    for f in form.fields:
        if f.kind == "radio" and not data[f.name]:
            data[f.name].append(f.value)
    return data


def _probed(form: Form, kinds: set[str]) -> list[Field]:
    return [f for f in form.fields if f.kind in kinds and f.name not in MACHINERY]


def variants(form: Form) -> list[tuple[str, dict[str, list]]]:
    """(label, data) pairs: each breaks every field of one sort at once."""
    base = plausible(form)
    out: list[tuple[str, dict[str, list]]] = []

    def variant(label: str, kinds: set[str], value_of) -> None:
        targets = _probed(form, kinds)
        if targets:
            data = {k: list(v) for k, v in base.items()}
            for f in targets:
                data[f.name] = [value_of(f)]
            out.append((label, data))

    every = TEXT_TYPES | TYPED | {"select", "file"}
    empty = {k: ([] if any(f.name == k and f.kind in ("checkbox", "radio")
                           for f in form.fields) else list(v)) for k, v in base.items()}
    for f in _probed(form, every | {"hidden"}):
        empty[f.name] = [""]
    out.append(("every field empty", empty))
    variant("10,000 characters", TEXT_TYPES, lambda f: LONG_TEXT)
    variant("letters in numbers and dates", TYPED, lambda f: "abc")
    variant("number beyond 64 bits", {"number"}, lambda f: "99999999999999999999")
    variant("year 1", set(FAR_PAST), lambda f: FAR_PAST[f.kind])
    variant("year 9999", set(FAR_FUTURE), lambda f: FAR_FUTURE[f.kind])
    variant("unknown choice", {"select", "radio"}, lambda f: "ZZ-INCONNU")
    variant("unknown hidden reference", {"hidden"}, lambda f: "99999999999")
    return out


def encode(form: Form, data: dict[str, list]) -> dict:
    """Flask test-client data; file inputs get a small CSV (or nothing when emptied)."""
    encoded: dict = {}
    for f in form.fields:
        if f.name not in data:
            continue
        values = data[f.name]
        if f.kind == "file":
            content = b"" if values == [""] else b"code,name\nZZ,Essai\n"
            if values and values[0] == LONG_TEXT:
                content = LONG_TEXT.encode()
            encoded[f.name] = (io.BytesIO(content), "essai.csv")
        else:
            encoded[f.name] = values
    for name, values in data.items():
        encoded.setdefault(name, values)
    return encoded
