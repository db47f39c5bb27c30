"""The demo organization: a deterministic generator (pure Python) and its loader."""
