"""The buyer's view of a labelled lot: the claims behind a carton's QR code (SPEC §7)."""
