"""fundamentals-scanner: scores services against the Fundamentals framework from evidence."""

__version__ = "0.1.0"
