"""Command-line interface (thin: parsing and formatting only)."""
