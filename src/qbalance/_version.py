"""The package version, read by the build backend (hatch) and reported in every report's provenance."""

__version__ = "0.1.0"
