"""English translation: full catalogue, language switch remembered per user, local formats."""

from __future__ import annotations

import os
import re
import threading
from datetime import date
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, ngettext, pgettext, refresh

from isp import formatting
from isp.extensions import db as _db
from isp.models import User

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE_DIR = ROOT / "isp" / "translations" / "en" / "LC_MESSAGES"
PO = CATALOGUE_DIR / "messages.po"
MO = CATALOGUE_DIR / "messages.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")
#: Domains that keep their own catalogue (``<domain>/translations``), as scripts/translations.sh.
OWN_CATALOGUES = sorted(path.parent.name for path in ROOT.glob("*/translations")
                        if path.parent.name != "isp")


def _po_files() -> list[Path]:
    return [PO] + [ROOT / name / "translations" / "en" / "LC_MESSAGES" / "messages.po"
                   for name in OWN_CATALOGUES]


@pytest.fixture(scope="module")
def english(app):
    """Compile each committed .po when its .mo is missing or older (a fresh clone has none)."""
    for po in _po_files():
        mo = po.with_suffix(".mo")
        if not po.exists() or (mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime):
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale="en")
        tmp = mo.with_name(f"messages.mo.{os.getpid()}")
        with tmp.open("wb") as fh:
            write_mo(fh, catalog)
        tmp.replace(mo)  # atomic: another test process never reads half a file
    # Flask-Babel caches translations per process: forget an "en" looked up before the compile.
    with app.app_context():
        app.extensions["babel"].instance.domain_instance.cache.clear()
    return MO


def _page(client, url: str) -> str:
    """GET a page as a browser would, in its own language context.

    The ``db`` fixture keeps one app context for the whole test, and Flask-Babel caches the
    locale in ``g``: forget it so each request picks the language again, as in production.
    """
    refresh()
    return client.get(url).get_data(as_text=True)


def _catalog(po: Path = PO):
    with po.open("rb") as fh:
        return read_po(fh, locale="en")


def _forms(text) -> tuple[str, ...]:
    """A message's singular and plural forms (a plain message has one)."""
    return (text,) if isinstance(text, str) else tuple(text)


@pytest.mark.parametrize("po", _po_files(), ids=lambda po: po.parts[-5])
def test_every_message_is_translated_with_the_same_placeholders(po):
    catalog = _catalog(po)
    messages = [m for m in catalog if m.id]
    if po == PO:
        assert len(messages) > 1000
    untranslated = [m.id for m in messages if not all(_forms(m.string))]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == []
    assert fuzzy == []
    assert catalog.obsolete == {}
    for m in messages:
        for source, translation in zip(_forms(m.id), _forms(m.string), strict=True):
            assert sorted(PLACEHOLDER.findall(source)) == \
                sorted(PLACEHOLDER.findall(translation)), m.id
    assert [err for _m, errs in catalog.check() for err in errs] == []


def _extract(root: Path, skipped: set[str]) -> set[tuple]:
    from babel.messages.extract import extract_from_dir

    config = {"**.py": "python", "**/templates/**.html": "jinja2"}
    keywords = {"_": None, "gettext": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2),
                "_l": None, "lazy_gettext": None, "lazy_ngettext": (1, 2)}
    extracted = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            root, method_map=list(config.items()), keywords=keywords,
            directory_filter=lambda path: Path(path).name not in skipped
            and not Path(path).name.startswith(".")):
        key = message if isinstance(message, str) else message[0]
        extracted.add((context, key))
    return extracted


@pytest.mark.parametrize("po", _po_files(), ids=lambda po: po.parts[-5])
def test_every_message_of_the_sources_is_in_the_catalogue(po):
    """Extract the sources as scripts/translations.sh does: nothing may be missing from a .po.

    A message written after the last ``translations.sh update`` would be shown in French to
    English readers; this fails until it is extracted and translated.
    """
    if po == PO:
        skipped = {".venv", "tests", "migrations", "benchmarks", "build", "node_modules",
                   *OWN_CATALOGUES}
        extracted = _extract(ROOT, skipped)
        assert len(extracted) > 1000
    else:
        extracted = _extract(po.parents[3], {".venv", "build"})
    catalog = _catalog(po)
    known = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in catalog
             if m.id and all(_forms(m.string)) and not m.fuzzy}
    assert sorted(extracted - known, key=str) == []


def test_glossary_terms(app, english):
    with app.test_request_context(), force_locale("en"):
        assert gettext("Foyer") == "Household"
        assert gettext("Logement") == "Flat"
        assert gettext("Immeuble") == "Building"
        assert gettext("Tableau de bord") == "Dashboard"
        assert gettext("Échéancier enregistré.") == "Payment plan recorded."
        assert ngettext("%(num)s facture émise.", "%(num)s factures émises.", 3) == \
            "3 invoices issued."
        assert ngettext("%(num)s facture émise.", "%(num)s factures émises.", 1) == \
            "1 invoice issued."
        assert pgettext("réseau", "Connexion") == "Connectivity"
        assert gettext("Connexion") == "Login"
    with app.test_request_context(), force_locale("fr"):
        assert gettext("Foyer") == "Foyer"


def test_templates_translate_as_flask_babel_does(app, english):
    """Templates' own gettext (isp.extensions.install_template_gettext) gives what Flask-Babel
    gives in Python: the same catalogue, each language, the variables escaped, ``%%``."""
    template = app.jinja_env.from_string(
        "{{ _('Foyer') }}|{{ gettext('Logement') }}|"
        "{{ ngettext('%(num)s facture émise.', '%(num)s factures émises.', n) }}|"
        "{{ ngettext('%(num)s résultat', '%(num)s résultats', n, num='1 000') }}|"
        "{{ pgettext('réseau', 'Connexion') }}|{{ _('Connexion') }}|"
        "{{ _('Foyer %(household_id)s introuvable', household_id=name) }}|{{ _('100 %%') }}")
    context = {"n": 3, "name": "<b>7</b>"}
    with app.test_request_context(), force_locale("en"):
        assert template.render(context).split("|") == [
            "Household", "Flat", "3 invoices issued.", "1 000 results", "Connectivity", "Login",
            "Household &lt;b&gt;7&lt;/b&gt; not found", "100 %"]
    with app.test_request_context(), force_locale("fr"):
        assert template.render(context).split("|")[:3] == [
            "Foyer", "Logement", "3 factures émises."]


def test_the_codes_gettext_is_flask_babels(app, english):
    """isp.i18n's gettext, ngettext and lazy_gettext (what every module imports) give what
    Flask-Babel's give, in each language, with ``force_locale``, and the source text outside an
    application."""
    from isp import i18n

    label = i18n.lazy_gettext("Foyer %(household_id)s introuvable", household_id=7)
    asked = [("Foyer",), ("Foyer %(household_id)s introuvable",)]
    for language in ("en", "fr"):
        with app.test_request_context(), force_locale(language):
            assert [i18n.gettext(*a) for a in asked] == [gettext(*a) for a in asked]
            assert (i18n.ngettext("%(num)s facture émise.", "%(num)s factures émises.", 3)
                    == ngettext("%(num)s facture émise.", "%(num)s factures émises.", 3))
            assert str(label) == gettext("Foyer %(household_id)s introuvable", household_id=7)
    with app.test_request_context(), force_locale("en"):
        assert i18n.gettext("Foyer") == "Household"
        with force_locale("fr"):  # switched back and forth within one request
            assert i18n.gettext("Foyer") == "Foyer"
        assert str(label) == "Household 7 not found"
    # No application (a thread starts with no context): the source text, as Flask-Babel's.
    outside: list[str] = []
    thread = threading.Thread(target=lambda: outside.extend([i18n.gettext("Foyer"),
                                                             str(label)]))
    thread.start()
    thread.join()
    assert outside == ["Foyer", "Foyer 7 introuvable"]


def test_switch_to_english_is_remembered_on_the_user(client, login_as, db, english):
    user = login_as("operator")
    page = _page(client, "/buildings")
    assert "<h1>Immeubles</h1>" in page
    assert 'lang="fr"' in page

    response = client.get("/lang/en?next=/buildings")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/buildings")
    page = _page(client, "/buildings")
    assert '<html lang="en">' in page
    assert "<h1>Buildings</h1>" in page
    assert "Households" in page  # the navigation (lazy labels) follows too
    assert "Immeubles" not in page
    assert "Foyers" not in page
    assert ">Français</a>" in page  # the link back
    _db.session.expire_all()
    assert _db.session.get(User, user.id).locale == "en"

    # Remembered on the account, not only in this browser's session.
    with client.session_transaction() as session:
        session.pop("lang", None)
    assert "<h1>Buildings</h1>" in _page(client, "/buildings")

    assert client.get("/lang/fr?next=/buildings").status_code == 302
    page = _page(client, "/buildings")
    assert "<h1>Immeubles</h1>" in page
    assert "Buildings" not in page
    _db.session.expire_all()
    assert _db.session.get(User, user.id).locale == "fr"


def test_anonymous_visitor_switches_the_login_page(client, db, english):
    assert "Se connecter" in _page(client, "/login")
    client.get("/lang/en?next=/login")
    page = _page(client, "/login")
    assert "Log in" in page
    assert "Se connecter" not in page


def test_unknown_language_falls_back_to_french(client, login_as, db, english):
    user = login_as("operator", locale="en")
    assert "<h1>Buildings</h1>" in _page(client, "/buildings")
    client.get("/lang/xx")
    _db.session.expire_all()
    assert _db.session.get(User, user.id).locale == "fr"
    assert "<h1>Immeubles</h1>" in _page(client, "/buildings")


@pytest.mark.parametrize(("locale", "money", "big", "day", "traffic"), [
    ("fr", "12,50\xa0€", "1\u202f234,56\xa0€", "28/11/2026", "1,5 Go"),
    ("en_GB", "€12.50", "€1,234.56", "28/11/2026", "1.5 GB"),  # what "en" users get
])
def test_money_dates_and_units_follow_the_locale(app, english, locale, money, big, day, traffic):
    with app.test_request_context(), force_locale(locale):
        assert formatting.money(1250) == money
        assert formatting.money(123456) == big
        assert formatting.short_date(date(2026, 11, 28)) == day
        assert formatting.octets(1_500_000_000) == traffic


def test_english_users_read_european_dates(client, login_as, db, english):
    from tests import factories

    login_as("operator", locale="en")
    household = factories.make_household(moved_in_on=date(2026, 11, 28))
    page = _page(client, f"/households?q={household.holder_name}")
    assert "<h1>Households</h1>" in page and '<html lang="en">' in page
    assert "28/11/2026" in page and "11/28/26" not in page


def test_charter_and_register_in_english(client, login_as, db, english):
    login_as("analyst", locale="en")
    charter = _page(client, "/charter")
    assert "Unpaid bills: never a cut-off" in charter
    assert "a <em>proposal</em> of reduced speed" in charter  # markup kept, not escaped
    assert "Impayés" not in charter
    register = _page(client, "/register")
    assert "Household identity and contact details" in register
    assert "Identité et coordonnées" not in register


def test_a_page_speaks_one_language(client, login_as, db, english):
    """Job states, actions, needs and the network panel: labels of the reader's language."""
    from isp.timeutil import utcnow
    from network.provisioning.models import ProvisioningJob
    from subscribers import lifecycle
    from tests import factories
    from tests.network.factories_provisioning import make_wired_household

    user = login_as("operator")
    household = make_wired_household()
    household.needs = "online_admin;email"
    lifecycle.subscribe(household, tier="T1", actor=factories.make_user("operator"))
    job = _db.session.execute(_db.select(ProvisioningJob)).scalars().first()
    job.state, job.finished_at = "succeeded", utcnow()
    _db.session.commit()

    french_job = _page(client, f"/provisioning/jobs/{job.id}")
    assert "activation : réussie" in french_job
    assert "succeeded" not in french_job and "activate" not in french_job
    french_household = _page(client, f"/households/{household.id}")
    # the needs read as labels (the change history below still lists stored values)
    assert "<dd>Démarches administratives en ligne, Courriel</dd>" in french_household

    user.locale = "en"
    _db.session.commit()
    english_job = _page(client, f"/provisioning/jobs/{job.id}")
    assert "activation: succeeded" in english_job or "activation : succeeded" in english_job
    assert "réussie" not in english_job and "Tâche" not in english_job
    english_household = _page(client, f"/households/{household.id}")
    assert "Connectivity" in english_household and "Connexion" not in english_household
    assert "<dt>Needs</dt><dd>Online administrative procedures, Email</dd>" in english_household
