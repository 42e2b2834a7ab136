"""Exporters (pretix's pattern): each one is a small class with an identifier, a verbose name and a
generator of rows; ``base`` holds the contract and the formula-safe cell writer."""
