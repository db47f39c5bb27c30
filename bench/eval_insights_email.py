"""Insights on a real organization: the SNAP email-Eu-core network (1,005 members of a European
research institution, 42 departments; Leskovec, Kleinberg, Faloutsos, TKDD 2007; Paranjape,
Benson, Leskovec, WSDM 2017), loaded into a fresh Peerloop database and shown on the dashboard.

Usage: .venv/bin/python bench/eval_insights_email.py [--data ../shared/data/email-eu-core]
       [--screenshot docs/images/insights-email-eu-core.png]

Each member becomes a person in the unit of their department and each of the 25,571 emails of
the network (email-Eu-core.txt, undated: all placed on the last day of the window) an
interaction, through Peerloop's own import and services. The temporal file is not used: its
ids are numbered differently (only 571 of its 24,929 sender-recipient pairs are pairs of the
static network, and 95% of its emails would cross departments, what a random numbering
gives), so the department labels do not apply to it. The dashboard's figures are then computed
again independently with networkx and plain Python from the files, and both are printed side by
side. With --screenshot, the dashboard is served and photographed in headless Chromium.
"""

import argparse
import csv
from datetime import UTC, datetime, timedelta
import io
import os
from pathlib import Path
import subprocess
import sys
import tempfile
import time

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "email-eu-core")
    parser.add_argument("--screenshot", type=Path, default=None)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="peerloop-email-"))
    os.environ.update(
        PEERLOOP_DATA_DIR=str(data_dir), PEERLOOP_PROFILE="dev", DJANGO_SETTINGS_MODULE="peerloop.settings"
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = load_and_refresh(args.data)
    independent(args.data, figures)
    if args.screenshot:
        screenshot(data_dir, args.screenshot)


def load_and_refresh(folder: Path) -> dict:
    import numpy as np

    from peerloop.core.roles import SYSTEM
    from peerloop.core.services import InteractionEvent, interaction_record_many
    from peerloop.insights import services
    from peerloop.people import queries as people_queries
    from peerloop.people.services import person_import_file

    labels = np.loadtxt(folder / "email-Eu-core-department-labels.txt", dtype=np.int64)
    emails = np.loadtxt(folder / "email-Eu-core.txt", dtype=np.int64)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["email", "name", "unit"])
    for person, department in labels.tolist():
        writer.writerow([f"member{person}@institution.example", f"Member {person}", f"Department {department}"])
    t0 = time.perf_counter()
    report = person_import_file(actor=SYSTEM, data=out.getvalue().encode(), name="members.csv", dry_run=False)
    assert not report.errors, report.errors[:3]
    ids = dict(people_queries.person_list().values_list("email", "id"))
    now = datetime(2026, 12, 1, tzinfo=UTC)
    events = (
        InteractionEvent(
            kind="message.sent",
            actor_id=ids[f"member{a}@institution.example"],
            target_ids=(ids[f"member{b}@institution.example"],),
            occurred_at=now - timedelta(hours=12),
        )
        for a, b in emails.tolist()
        if a != b
    )
    written = interaction_record_many(events=events)
    t1 = time.perf_counter()
    snapshot = services.snapshot_refresh(actor=SYSTEM, now=now + timedelta(seconds=1))
    t2 = time.perf_counter()
    print(f"loaded {len(labels):,} people and {written:,} emails (self-emails left out) in {t1 - t0:.1f} s")
    print(f"refresh: {t2 - t1:.2f} s ({snapshot.seconds:.2f} s inside the service)")
    data = snapshot.data
    return {"data": data}


def independent(folder: Path, figures: dict) -> None:
    """The same figures, from the files, with networkx and plain Python."""
    import networkx as nx
    from networkx.algorithms import community as nx_community

    labels = dict(tuple(map(int, line.split())) for line in (folder / "email-Eu-core-department-labels.txt").open())
    rows = [tuple(map(int, line.split())) for line in (folder / "email-Eu-core.txt").open()]
    rows = [(a, b) for a, b in rows if a != b]
    cross = sum(1 for a, b in rows if labels[a] != labels[b]) / len(rows)
    g = nx.Graph()
    g.add_nodes_from(labels)
    for a, b in rows:
        w = g.get_edge_data(a, b, {"weight": 0})["weight"]
        g.add_edge(a, b, weight=w + 1)
    degree = [d for _, d in g.degree()]
    n = len(degree)
    centralization = sum(max(degree) - d for d in degree) / ((n - 1) * (n - 2))
    isolates = sum(1 for d in degree if d == 0)
    louvain = nx_community.louvain_communities(g, weight="weight", seed=1)
    modularity = nx_community.modularity(g, louvain, weight="weight")
    data = figures["data"]
    print(f"{'figure':<38}{'Peerloop':>12}{'networkx / by hand':>22}")
    for name, ours, theirs in (
        ("emails across departments", data["cross_unit_share"], cross),
        ("degree centralization", data["degree_centralization"], centralization),
        ("isolated members", data["isolates"], isolates),
        ("modularity of the communities found", data["modularity"], modularity),
        ("communities found", data["communities"], len(louvain)),
    ):
        print(f"{name:<38}{ours:>12.4g}{theirs:>22.4g}")
    print(f"agreement of communities with departments (NMI): {data['communities_vs_units']:.3f}")
    print(
        f"departments shown (at least 5 people): {len(data['unit_matrix']['labels'])}, hidden: "
        f"{data['unit_matrix']['hidden_groups']}"
    )


def screenshot(data_dir: Path, target: Path) -> None:
    from peerloop.accounts.services import user_ensure, user_set_password
    from peerloop.core.roles import SYSTEM, SiteRole

    user = user_ensure(email="analyst@institution.example", role=SiteRole.LEADER)
    user_set_password(user_id=user.pk, password="insights-email-demo", actor=SYSTEM)
    env = {**os.environ, "PEERLOOP_DATA_DIR": str(data_dir)}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "peerloop"), "serve", "--port", "8190", "--no-worker"], env=env
    )
    try:
        from playwright.sync_api import sync_playwright

        time.sleep(4)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                ],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto("http://127.0.0.1:8190/accounts/login/")
            page.get_by_label("Email").fill("analyst@institution.example")
            page.get_by_label("Password").fill("insights-email-demo")
            page.get_by_role("button", name="Log in").click()
            page.goto("http://127.0.0.1:8190/insights/")
            target.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(target), full_page=True)
            browser.close()
        print(f"screenshot: {target}")
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
