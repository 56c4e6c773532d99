"""dreamtf: the ENCODE-DREAM in vivo TF-binding challenge as a reproducible workflow."""

__version__ = "0.1.0"
