"""Default embodied footprint of lent equipment, by kind and origin, with the source of each figure.

Figures are kgCO2e over the life cycle except use: manufacture, assembly and distribution, end
of life. They are *defaults*: an operator enters the figure of the actual model (the
manufacturer's PCF sheet) when creating an item. docs/equipment.md repeats this table with its
checks; change both together (tests/equipment/test_footprint_defaults.py holds them equal).

- ``NEW_KGCO2E``, a new device: ADEME-Arcep, « Évaluation de l'impact environnemental du
  numérique en France et analyse prospective » (2022), whose device data come from the
  NegaOctet database and are published in the ADEME Base Empreinte and on impactco2.fr
  (data file ``src/data/categories/numerique.json`` of the impactco2 repository, 2024):
  fabrication + assembly/distribution + end of life, use excluded —
  * box (fixed-access box, xDSL/FTTx): 60.8 + 0.6 + 1.6 = 63.0;
  * computer (laptop, 14.6" mix of 3 configurations): 170.3 + 12.3 + 2.8 = 185.4;
  * tablet (10.5" mix): 56.3 + 3.4 + 0.4 = 60.1;
  * phone (smartphone, 6.6" mix): 83.0 + 2.1 + 0.2 = 85.3.
- ``REFERENCE_LIFE_YEARS``: the lifetime the same source assumes for each device (box 5,
  laptop 5, tablet 3, smartphone 2.5 years): the embodied footprint is spread over at least
  this many years, and a new purchase is compared with this life.
- ``REFURBISHED_FRACTION``: a refurbished device carries 25 % of a new one's footprint (the
  refurbishment, spare parts and logistics). ADEME, « Évaluation de l'impact environnemental
  d'un ensemble de produits reconditionnés » (2022): a refurbished smartphone lowers the
  yearly climate impact by 87 % (77 to 91 % across indicators) and avoids about 25 kgCO2e a
  year, a refurbished laptop about 27 kgCO2e a year. 25 % (a 75 % reduction) is cautious
  below the smartphone's 87 %, and with the figures above it gives 25.6 kg avoided a year for
  a smartphone and 27.8 kg for a laptop in their first reference life, the study's orders.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from equipment.choices import Kind, Origin

NEW_KGCO2E: dict[str, float] = {Kind.BOX: 63.0, Kind.COMPUTER: 185.4, Kind.TABLET: 60.1,
                                Kind.PHONE: 85.3}
REFURBISHED_FRACTION = 0.25
REFERENCE_LIFE_YEARS: dict[str, float] = {Kind.BOX: 5.0, Kind.COMPUTER: 5.0, Kind.TABLET: 3.0,
                                          Kind.PHONE: 2.5}

_ARCEP_2022 = ("ADEME-Arcep, Évaluation de l'impact environnemental du numérique en France, "
               "2022 (données NegaOctet, Base Empreinte, impactco2.fr)")
SOURCES: dict[str, str] = {
    Kind.BOX: f"{_ARCEP_2022} : box, fabrication 60,8 + distribution 0,6 + fin de vie 1,6",
    Kind.COMPUTER: f"{_ARCEP_2022} : ordinateur portable, 170,3 + 12,3 + 2,8",
    Kind.TABLET: f"{_ARCEP_2022} : tablette, 56,3 + 3,4 + 0,4",
    Kind.PHONE: f"{_ARCEP_2022} : smartphone, 83,0 + 2,1 + 0,2",
}
REFURBISHED_SOURCE = ("ADEME, Évaluation de l'impact environnemental d'un ensemble de produits "
                      "reconditionnés, 2022 (smartphone : impact climat annuel −87 %, environ "
                      "25 kgCO2e évités par an ; ordinateur portable : environ 27 kgCO2e par an)")


def default_embodied_kgco2e(kind: str, origin: str) -> float:
    """The default embodied footprint of an item of ``kind`` and ``origin``."""
    new = NEW_KGCO2E[kind]
    if origin != Origin.REFURBISHED:
        return new
    # Half-up to the hundredth (60.1 × 25 % = 15.025 → 15.03, whatever the float).
    exact = Decimal(str(new)) * Decimal(str(REFURBISHED_FRACTION))
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def table() -> list[dict]:
    """The default table, as shown on the pages and in the documentation."""
    return [{"kind": kind.value, "new_kgco2e": NEW_KGCO2E[kind],
             "refurbished_kgco2e": default_embodied_kgco2e(kind, Origin.REFURBISHED),
             "reference_life_years": REFERENCE_LIFE_YEARS[kind], "source": SOURCES[kind]}
            for kind in Kind]
