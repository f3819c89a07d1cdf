"""The reference portal: receives kiosks' answers over the contract in portal/openapi.yaml."""

__version__ = "0.2.0"
