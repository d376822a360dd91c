"""GS1 EPCIS 2.0 events: the CBV 2.0 event hash that names them."""
