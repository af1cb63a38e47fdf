"""shnor: identify schools with low educational results (ШНОР) and schools in the risk zone."""

__version__ = "0.1.0"
