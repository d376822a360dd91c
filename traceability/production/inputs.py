"""The farm inputs a farmer logs, as a list of products (DOMAIN.md, Farms: inputs).

The ledger cannot forget, so it never holds what a farmer typed: an input's ``product``
is a code from this list (or ``other``), and the product's name as written on its bag or
bottle (``product_name``) stays in the record, readable and erasable, with only its
SHA-256 in the entry. An agronomist reviews and extends the list here.
"""

from dataclasses import dataclass

from ..places import slug

OTHER = "other"


@dataclass(frozen=True)
class InputProduct:
    code: str
    category: str  # an ``InputCategory``
    name_vi: str
    name_en: str


PRODUCTS: dict[str, InputProduct] = {
    p.code: p
    for p in [
        InputProduct("urea", "fertilizer", "Phân urê", "Urea"),
        InputProduct("superphosphate", "fertilizer", "Phân lân (super lân)", "Superphosphate"),
        InputProduct("potassium_chloride", "fertilizer", "Phân kali (KCl)", "Potassium chloride (KCl)"),
        InputProduct("npk", "fertilizer", "Phân NPK", "NPK compound fertiliser"),
        InputProduct("dap", "fertilizer", "Phân DAP", "Diammonium phosphate (DAP)"),
        InputProduct("organic_fertilizer", "fertilizer", "Phân hữu cơ", "Organic fertiliser"),
        InputProduct("lime", "fertilizer", "Vôi bột", "Agricultural lime"),
        InputProduct("manure", "manure", "Phân chuồng", "Farmyard manure"),
        InputProduct("compost", "manure", "Phân ủ (compost)", "Compost"),
        InputProduct("lambda_cyhalothrin", "pesticide", "Lambda-cyhalothrin", "Lambda-cyhalothrin"),
        InputProduct("cypermethrin", "pesticide", "Cypermethrin", "Cypermethrin"),
        InputProduct("imidacloprid", "pesticide", "Imidacloprid", "Imidacloprid"),
        InputProduct("abamectin", "pesticide", "Abamectin", "Abamectin"),
        InputProduct("neem", "pesticide", "Chế phẩm neem (azadirachtin)", "Neem extract (azadirachtin)"),
        InputProduct(
            "copper", "fungicide", "Thuốc gốc đồng (Bordeaux, đồng oxyclorua)", "Copper (Bordeaux mixture, oxychloride)"
        ),
        InputProduct("mancozeb", "fungicide", "Mancozeb", "Mancozeb"),
        InputProduct("hexaconazole", "fungicide", "Hexaconazole", "Hexaconazole"),
        InputProduct("propiconazole", "fungicide", "Propiconazole", "Propiconazole"),
        InputProduct("glufosinate", "herbicide", "Glufosinate", "Glufosinate"),
    ]
}
ALIASES = {"kcl": "potassium_chloride", "potash": "potassium_chloride", "bordeaux": "copper", "azadirachtin": "neem"}


def product_code(value: str) -> str:
    """A product code from a code or an alias (``urea``, ``KCl``, ``lambda-cyhalothrin``); ``ValueError`` if unknown."""
    given = slug(value.replace("-", " "), "_")
    code = ALIASES.get(given, given)
    if code != OTHER and code not in PRODUCTS:
        raise ValueError(
            f"unknown product {value!r}: use a code of GET /api/v1/farm-input-products "
            f"(e.g. {', '.join(list(PRODUCTS)[:4])}), or {OTHER!r} with product_name saying what it was"
        )
    return code


def check_category(code: str, category: str) -> None:
    """A listed product belongs to one category; ``other`` fits any. ``ValueError`` if they disagree."""
    product = PRODUCTS.get(code)
    if product is not None and product.category != category:
        raise ValueError(f"{code} is a {product.category}, not a {category}")
