"""reportgen: YAML content specs and shared data into localised Word and PDF reports."""

__version__ = "0.1.0"
