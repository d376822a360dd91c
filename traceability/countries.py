"""Country names as a person reads them on a carton, a page or a report."""

import pycountry

# ISO's official short names are not what a buyer reads ("Viet Nam", "Côte d'Ivoire" is fine).
COMMON_NAMES = {"VN": "Vietnam"}


def country_name(code: str) -> str:
    """The common English name of an ISO 3166-1 alpha-2 code (the code itself if unknown)."""
    if code in COMMON_NAMES:
        return COMMON_NAMES[code]
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)
