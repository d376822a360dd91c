"""Server-rendered pages: the buyer's page at the GS1 Digital Link paths."""
