"""Default embodied footprint of lent equipment, by kind and origin, with the source of each figure.

Figures are kgCO2e over the whole life cycle except use (extraction, manufacture, transport,
end of life), as published by ADEME. They are *defaults*: an operator may enter the figure of
the actual model (manufacturer's PCF sheet) when creating an item. docs/equipment.md repeats
this table; change both together.

- ``NEW_KGCO2E``: a new device.
  * computer (laptop): 156 kgCO2e — ADEME, « Modélisation et évaluation ACV des produits de
    consommation et biens d'équipement » (2018), ordinateur portable, repris dans la Base
    Empreinte et sur impactco2.fr.
  * tablet: 63.2 kgCO2e — same ADEME 2018 study, tablette.
  * phone (smartphone): 32.8 kgCO2e — ADEME Base Empreinte / impactco2.fr, smartphone
    (order of magnitude of the ~31 kg average published by ADEME in 2023).
  * box (internet box, ONT included): 40 kgCO2e — ADEME-Arcep, « Évaluation de l'impact
    environnemental du numérique en France » (2022), fabrication of a fixed-access box
    (order of magnitude; the study gives a range by box generation).
- ``REFURBISHED_FRACTION``: a refurbished device carries 25 % of a new one's footprint (the
  refurbishment, spare parts and logistics): ADEME, « Évaluation de l'impact environnemental
  d'un ensemble de produits reconditionnés » (2022) finds a 55 % to 91 % lower impact than new
  over the products studied; 25 % is a cautious value inside that range.
- ``REFERENCE_LIFE_YEARS``: the usual first life of a new device (the lifetime of the
  ADEME-Arcep 2022 study's assumptions, rounded): the embodied footprint is spread over at
  least this many years, and a new purchase is compared with this life.
"""

from __future__ import annotations

from equipment.choices import Kind, Origin

NEW_KGCO2E: dict[str, float] = {Kind.BOX: 40.0, Kind.COMPUTER: 156.0, Kind.TABLET: 63.2,
                                Kind.PHONE: 32.8}
REFURBISHED_FRACTION = 0.25
REFERENCE_LIFE_YEARS: dict[str, float] = {Kind.BOX: 5.0, Kind.COMPUTER: 5.0, Kind.TABLET: 4.0,
                                          Kind.PHONE: 3.0}

SOURCES: dict[str, str] = {
    Kind.BOX: "ADEME-Arcep, Évaluation de l'impact environnemental du numérique en France, 2022",
    Kind.COMPUTER: "ADEME, Modélisation et évaluation ACV des produits de consommation et biens "
                   "d'équipement, 2018 (ordinateur portable) ; Base Empreinte",
    Kind.TABLET: "ADEME, Modélisation et évaluation ACV des produits de consommation et biens "
                 "d'équipement, 2018 (tablette) ; Base Empreinte",
    Kind.PHONE: "ADEME Base Empreinte / impactco2.fr (smartphone)",
}
REFURBISHED_SOURCE = ("ADEME, Évaluation de l'impact environnemental d'un ensemble de produits "
                      "reconditionnés, 2022 (impact 55 à 91 % plus faible que le neuf)")


def default_embodied_kgco2e(kind: str, origin: str) -> float:
    """The default embodied footprint of an item of ``kind`` and ``origin``."""
    new = NEW_KGCO2E[kind]
    return round(new * REFURBISHED_FRACTION, 2) if origin == Origin.REFURBISHED else new


def table() -> list[dict]:
    """The default table, as shown on the pages and in the documentation."""
    return [{"kind": kind.value, "new_kgco2e": NEW_KGCO2E[kind],
             "refurbished_kgco2e": default_embodied_kgco2e(kind, Origin.REFURBISHED),
             "reference_life_years": REFERENCE_LIFE_YEARS[kind], "source": SOURCES[kind]}
            for kind in Kind]
