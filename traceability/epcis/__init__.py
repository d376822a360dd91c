"""GS1 EPCIS 2.0 (SPEC §9.1): our records as events named by their CBV 2.0 hash, and the events
of other systems, captured and anchored."""
