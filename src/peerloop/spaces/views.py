"""Web pages of this module."""
