"""Pseudonymized exports of the interaction stream for analysts (admins only, every export audited).

A person appears as a keyed pseudonym: HMAC-SHA256 of their id under a key derived from the
installation's secret (one installation, one organization) and the export key the admin
chooses. The same export key gives the same pseudonyms in every export, so an analyst can join
files; another key gives pseudonyms that cannot be linked to the first. No name, email, raw id,
object or space leaves; times are cut to the hour; a unit is named only when it has at least
five active people (the privacy floor), otherwise it reads "fewer than 5".
"""

from collections.abc import Iterator
import csv
from dataclasses import dataclass
from datetime import datetime
import io
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.crypto import salted_hmac

from peerloop.core import queries as core_queries
from peerloop.core.permissions import require, require_internal
from peerloop.core.roles import Actor
from peerloop.core.services import audit_record
from peerloop.core.tabular import cell_for_export
from peerloop.insights import impact
from peerloop.insights.services import MONTH
from peerloop.people import queries as people_queries

KINDS = ("interactions", "pairs")
KEY_PATTERN = r"^[a-z0-9][a-z0-9-]{2,63}$"
SUPPRESSED = "fewer than 5"
HEADERS = {
    "interactions": ["hour", "kind", "actor", "actor_unit", "target", "target_unit", "weight"],
    "pairs": ["person_a", "unit_a", "person_b", "unit_b", "interactions", "weight", "first_day", "last_day"],
}


@dataclass(frozen=True)
class Export:
    kind: str
    key: str
    since: datetime
    until: datetime
    file_name: str
    rows: Iterator[str]  # CSV text, a chunk at a time, the header first


def pseudonym(person_id: int, key: str) -> str:
    """The person's pseudonym under an export key: stable for the key, unlinkable across keys."""
    return "p" + salted_hmac(f"peerloop.insights.export:{key}", str(person_id), algorithm="sha256").hexdigest()[:20]


def _units() -> dict[int, str]:
    """Every person's unit as exported: its name, or SUPPRESSED for units under the privacy floor."""
    people = list(people_queries.person_list(include_inactive=True).values_list("id", "unit_id", "active", "kind"))
    size: dict[int, int] = {}
    for _, unit, active, kind in people:
        if unit and active and kind == "employee":
            size[unit] = size.get(unit, 0) + 1
    names = {u.pk: u.name for u in people_queries.unit_list()}
    return {
        pid: (names.get(unit, "") if size.get(unit, 0) >= impact.PRIVACY_FLOOR else SUPPRESSED) if unit else ""
        for pid, unit, _, _ in people
    }


def _csv(rows: Iterator[list]) -> Iterator[str]:
    out = io.StringIO()
    writer = csv.writer(out)
    for k, row in enumerate(rows):
        writer.writerow([cell_for_export(v) if isinstance(v, str) else v for v in row])
        if k % 1000 == 999:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def _interaction_rows(key: str, since: datetime, until: datetime) -> Iterator[list]:
    units = _units()
    names: dict[int, str] = {}

    def name(pid: int) -> str:
        if pid not in names:
            names[pid] = pseudonym(pid, key)
        return names[pid]

    yield HEADERS["interactions"]
    stream = core_queries.interaction_list(since=since, until=until).values_list(
        "occurred_at", "kind", "actor_id", "target_id", "weight"
    )
    for when, kind, actor, target, weight in stream.iterator(chunk_size=10_000):
        yield [
            when.strftime("%Y-%m-%dT%H:00Z"),
            kind,
            name(actor),
            units.get(actor, ""),
            name(target) if target else "",
            units.get(target, "") if target else "",
            weight,
        ]


def _pair_rows(key: str, since: datetime, until: datetime) -> Iterator[list]:
    units = _units()
    pairs: dict[tuple[int, int], list] = {}
    stream = core_queries.interaction_list(since=since, until=until).values_list(
        "actor_id", "target_id", "occurred_at", "weight"
    )
    for actor, target, when, weight in stream.iterator(chunk_size=10_000):
        if not target or target == actor:
            continue
        pair = (min(actor, target), max(actor, target))
        found = pairs.get(pair)
        if found is None:
            pairs[pair] = [1, weight, when, when]
        else:
            found[0] += 1
            found[1] += weight
            found[3] = when
    yield HEADERS["pairs"]
    rows = []
    for (a, b), (count, weight, first, last) in pairs.items():
        pa, pb = pseudonym(a, key), pseudonym(b, key)
        if pb < pa:  # ordered by pseudonym, so the order says nothing about the ids
            (pa, a), (pb, b) = (pb, b), (pa, a)
        rows.append(
            [pa, units.get(a, ""), pb, units.get(b, ""), count, weight, f"{first:%Y-%m-%d}", f"{last:%Y-%m-%d}"]
        )
    rows.sort()
    yield from rows


def export_open(*, actor: Actor, kind: str, key: str, months: int = 12, now: datetime | None = None) -> Export:
    """An admin opens a pseudonymized export of the last ``months`` months; writes one audit row.

    Raises ValidationError naming the field for an unknown kind, a malformed key or months out of 1..36.
    """
    require_internal(actor)
    require(actor.is_admin, message="Only admins export data for analysis.", hide=True)
    if kind not in KINDS:
        raise ValidationError({"kind": f"Unknown export {kind!r}: choose one of {', '.join(KINDS)}."})
    if not re.match(KEY_PATTERN, key or ""):
        raise ValidationError(
            {"key": "The export key is 3 to 64 lowercase letters, digits or hyphens, starting with a letter or digit."}
        )
    if not 1 <= months <= 36:
        raise ValidationError({"months": "Choose between 1 and 36 months."})
    until = now or timezone.now()
    since = until - months * MONTH
    audit_record(
        actor=actor,
        action="insights.export",
        object_type="insights",
        object_id=kind,
        object_repr=f"pseudonymized {kind}, key {key}, {months} months",
        changes={"kind": kind, "key": key, "months": months},
    )
    rows = _interaction_rows(key, since, until) if kind == "interactions" else _pair_rows(key, since, until)
    return Export(
        kind=kind,
        key=key,
        since=since,
        until=until,
        file_name=f"peerloop-{kind}-{key}-{until:%Y-%m-%d}.csv",
        rows=_csv(rows),
    )
