"""The columns of the people import and export format, without Django.

The import, the export, the demo generator and the import benchmark all write or
read these columns, so they are named once, here.
"""

COLUMNS = (
    "email",
    "external_id",
    "name",
    "title",
    "role_family",
    "level",
    "unit",
    "unit_parent",
    "region",
    "location",
    "timezone",
    "manager_email",
    "skills",
    "topics",
    "kind",
    "active",
)
REQUIRED = ("email", "name")
