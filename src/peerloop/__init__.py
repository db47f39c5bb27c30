"""Peerloop: an open-source peer-to-peer platform for organizations."""

__version__ = "0.1.0"
