"""Writes of programs (the P2P program template), their KPIs, and the shared metrics.

Each change writes one audit row. The functions live in the modules of this package;
callers import them from here: ``from peerloop.programs import services``.
"""

from peerloop.programs.importing import metric_value_import, metric_value_import_file
from peerloop.programs.services.kpis import kpi_remove, kpi_set, program_kpis_replace
from peerloop.programs.services.metrics import metric_create, metric_update
from peerloop.programs.services.programs import (
    AUDIENCE_KEYS,
    TRANSITIONS,
    clean_audience_filter,
    program_create,
    program_set_status,
    program_update,
)
from peerloop.programs.services.templates import program_create_from_template

__all__ = [
    "AUDIENCE_KEYS",
    "TRANSITIONS",
    "clean_audience_filter",
    "kpi_remove",
    "kpi_set",
    "metric_create",
    "metric_update",
    "metric_value_import",
    "metric_value_import_file",
    "program_create",
    "program_create_from_template",
    "program_kpis_replace",
    "program_set_status",
    "program_update",
]
