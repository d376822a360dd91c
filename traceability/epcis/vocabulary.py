"""The names EPCIS documents use here: contexts, event types, CBV words, our URIs.

Lots are named by their GS1 Digital Link URI once they carry a label and by
``{base}/lot/{lot_id}`` before (SPEC §9.1), parties by ``{base}/party/{id}``; the
platform's own extension members live under the ``cashew`` prefix, whose namespace is the
same on every instance (so an event keeps its hash wherever it is captured).
"""

import re
from typing import Any

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
STANDARD_CONTEXTS = frozenset(
    {
        EPCIS_CONTEXT,
        "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
        "https://gs1.github.io/EPCIS/epcis-context.jsonld",
    }
)
CASHEW_PREFIX = "cashew"
CASHEW_NAMESPACE = "urn:cashew-traceability:epcis:"
LEDGER_MEMBER = "cashew:ledger"  # {index, leafHash}: where the event's entry sits in this server's log
CONTEXT: list[Any] = [EPCIS_CONTEXT, {CASHEW_PREFIX: CASHEW_NAMESPACE}]
SCHEMA_VERSION = "2.0"
TIME_ZONE = "+07:00"  # Vietnam: where our events happen
UOM_KG = "KGM"

# The CBV 2.0 and GS1 Web Vocabulary words the standard context defines (for the event hash).
CBV = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"


def _vocabulary(prefix: str, words: str) -> dict[str, str]:
    return {word: prefix + word for word in words.split()}


BIZ_STEPS = _vocabulary(
    CBV + "BizStep-",
    "accepting arriving assembling collecting commissioning consigning creating_class_instance cycle_counting "
    "decommissioning departing destroying disassembling dispensing encoding entering_exiting holding inspecting "
    "installing killing loading other packing picking receiving removing repackaging repairing replacing reserving "
    "retail_selling sampling sensor_reporting shipping staging_outbound stock_taking stocking storing transporting "
    "unloading unpacking void_shipping",
)
DISPOSITIONS = _vocabulary(
    CBV + "Disp-",
    "active available completeness_verified completeness_inferred conformant container_closed container_open damaged "
    "destroyed dispensed disposed encoded expired in_progress in_transit inactive mismatch_instance mismatch_class "
    "mismatch_quantity needs_replacement no_pedigree_match non_conformant non_sellable_other partially_dispensed "
    "recalled reserved retail_sold returned sellable_accessible sellable_not_accessible stolen unavailable unknown",
)
BIZ_TRANSACTION_TYPES = _vocabulary(
    CBV + "BTT-", "bol cert desadv inv pedigree po poc prodorder recadv rma testprd testres upevt"
)
SOURCE_DESTINATION_TYPES = _vocabulary(CBV + "SDT-", "owning_party possessing_party location")
MEASUREMENT_TYPES = _vocabulary(
    GS1_VOC,
    "AbsoluteHumidity AbsorbedDose AbsorbedDoseRate Acceleration Radioactivity Altitude AmountOfSubstance "
    "AmountOfSubstancePerUnitVolume Angle AngularAcceleration AngularMomentum AngularVelocity Area Capacitance "
    "Conductance Conductivity Count Density Dimensionless DoseEquivalent DoseEquivalentRate DynamicViscosity "
    "ElectricCharge ElectricCurrent ElectricCurrentDensity ElectricFieldStrength Energy Exposure Force Frequency "
    "Illuminance Inductance Irradiance KinematicViscosity Length LinearMomentum Luminance LuminousFlux "
    "LuminousIntensity MagneticFlux MagneticFluxDensity MagneticVectorPotential Mass MassConcentration MassFlowRate "
    "MassPerAreaTime MemoryCapacity MolalityOfSolute MolarEnergy MolarMass MolarVolume Power Pressure RadiantFlux "
    "RadiantIntensity RelativeHumidity Resistance Resistivity SolidAngle SpecificVolume Speed SurfaceDensity "
    "SurfaceTension Temperature Time Torque Voltage Volume VolumeFlowRate VolumeFraction VolumetricFlux Wavenumber",
)
SENSOR_EXCEPTIONS = _vocabulary(GS1_VOC, "ALARM_CONDITION ERROR_CONDITION")
COMPONENTS = _vocabulary(
    CBV + "Comp-",
    "x y z axial_distance azimuth height spherical_radius polar_angle elevation_angle easting northing latitude "
    "longitude altitude",
)
ERROR_REASONS = _vocabulary(CBV + "ER-", "did_not_occur incorrect_data")

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")

# Full forms of CBV words, read back to the bare word the documents use (``commissioning``).
_CBV_FORMS = (
    re.compile(r"^https?://ref\.gs1\.org/cbv/(?:BizStep|Disp)-(?P<word>[A-Za-z_]+)$"),
    re.compile(r"^urn:epcglobal:cbv:(?:bizstep|disp):(?P<word>[A-Za-z_]+)$"),
)


def bare_word(value: str) -> str:
    """A CBV business step or disposition in its bare-word form; any other URI unchanged."""
    for form in _CBV_FORMS:
        if found := form.match(value):
            return found["word"]
    return value


class Names:
    """This server's URIs for lots and parties, and the lot a URI of ours names."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self._ours = re.compile(
            re.escape(self.base) + r"/(?:lot/(?P<plain>[A-Z0-9-]{1,20})|01/\d{14}/10/(?P<labelled>[A-Z0-9-]{1,20}))$"
        )

    def lot(self, lot_id: str) -> str:
        return f"{self.base}/lot/{lot_id}"

    def party(self, party_id: str) -> str:
        return f"{self.base}/party/{party_id}"

    def batch(self, batch_id: str) -> str:
        return f"{self.base}/batch/{batch_id}"

    def lot_of(self, uri: str) -> str | None:
        """The lot a URI of this server names (either form), else None."""
        found = self._ours.match(uri)
        return None if found is None else found["plain"] or found["labelled"]
