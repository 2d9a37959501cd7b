"""Generated texts follow the reader's language (issue 18 item 7): the record history."""

from __future__ import annotations

from datetime import date

from isp.extensions import db as _db
from tests.isp.test_i18n import _page, english  # noqa: F401 (fixture)


def test_history_lists_labels_dates_and_codes_in_the_readers_language(client, login_as, db,
                                                                        english):  # noqa: F811
    from tests import factories

    user = login_as("operator")
    household = factories.make_household(language="fr")
    household.language = "en"
    household.moved_out_on = date(2026, 11, 28)
    _db.session.commit()

    french = _page(client, f"/households/{household.id}")
    assert "<td>Langue</td><td>français</td><td>anglais</td>" in french
    assert "<td>Date de départ</td><td>—</td><td>28/11/2026</td>" in french
    assert "<td>language</td>" not in french and "2026-11-28" not in french

    user.locale = "en"
    _db.session.commit()
    english_page = _page(client, f"/households/{household.id}")
    assert "<td>Language</td><td>French</td><td>English</td>" in english_page
    assert "<td>language</td>" not in english_page and "2026-11-28" not in english_page
