"""Who to ask: quality of discussions/experts.py on real Stack Exchange Q&A.

Usage: .venv/bin/python bench/bench_experts.py [--sites dba physics] [--train 0.8] [--runs 3]

Data: /work/shared/data/stackexchange/<site>/ (Stack Exchange dump of September 2019,
CC BY-SA 4.0, prepared by team2box; see /work/shared/data/README.md). Question ids are in
time order: the first --train share of questions is the history (who answered what, which
answer was accepted, answer scores as endorsements), the rest are the questions to route.
For each later question, both rankers rank every person seen in the history (the asker
excluded), and we report the mean reciprocal rank (MRR) and hit rate at 10 of the person
who gave the accepted answer. The reference is "most answers on these tags" over the same
history. Profiles are built from the history only (user_tags.txt is not used: it counts
later questions too). The time of ranking one question (median of --runs) is printed.
"""

import argparse
import json
from pathlib import Path
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from peerloop.discussions import experts

DATA = Path("/work/shared/data/stackexchange")


def load(site: str):  # type: ignore[no-untyped-def]
    folder = DATA / site
    records = [json.loads(line) for line in (folder / "Record_All.json").read_text().splitlines() if line.strip()]
    records.sort(key=lambda r: int(r["QuestionId"]))
    scores: dict[str, int] = {}
    for line in (folder / "q_answer_ids_score.txt").read_text().splitlines()[1:]:
        parts = line.split()
        for answer_id, score in zip(parts[1::2], parts[2::2], strict=False):
            scores[answer_id] = int(score)
    return records, scores


def evaluate(site: str, train_share: float, runs: int) -> dict:
    records, scores = load(site)
    cut = int(len(records) * train_share)
    train, test = records[:cut], records[cut:]
    people: dict[str, int] = {}
    tags: dict[str, int] = {}

    def pid(x: str) -> int:
        return people.setdefault(x, len(people))

    def tid(x: str) -> int:
        return tags.setdefault(x, len(tags))

    contributions = []
    for t, r in enumerate(train):
        q_tags = tuple(tid(x) for x in r["Tags"])
        for answerer, answer_id in r["AnswererAnswerTuples"]:
            contributions.append(
                experts.Contribution(
                    person=pid(answerer),
                    tags=q_tags,
                    time=float(t),
                    accepted=answer_id == r["AcceptedAnswerId"],
                    endorsements=max(0, scores.get(answer_id, 0)),
                )
            )
    n_people, n_tags = len(people), len(tags) + 1
    profiles = experts.build_profiles(
        contributions, n_people=n_people, n_tags=n_tags, now=float(cut), half_life=experts.HALF_LIFE
    )
    names = [""] * n_tags
    for name, i in tags.items():
        names[i] = name
    ours_rr, base_rr, ours_hit, base_hit, timings = [], [], [], [], []
    known = 0
    for r in test:
        truth = people.get(r["AcceptedAnswererId"])
        q_tags = [tags[x] for x in r["Tags"] if x in tags]
        asker = people.get(r["QuestionOwnerId"])
        exclude = [asker] if asker is not None else []
        if truth is not None:
            known += 1
        start = time.perf_counter()
        ranked = [s.person for s in experts.rank(profiles, q_tags, k=10, asker=asker, tag_names=names)]
        timings.append(time.perf_counter() - start)
        baseline = experts.rank_by_answer_count(profiles, q_tags, k=10, exclude=exclude)
        rr = experts.reciprocal_rank(ranked, truth) if truth is not None else 0.0
        brr = experts.reciprocal_rank(baseline, truth) if truth is not None else 0.0
        ours_rr.append(rr)
        base_rr.append(brr)
        ours_hit.append(rr > 0)
        base_hit.append(brr > 0)
    per_question = []
    for _ in range(runs):
        start = time.perf_counter()
        for r in test[:200]:
            q_tags = [tags[x] for x in r["Tags"] if x in tags]
            experts.rank(profiles, q_tags, k=10, asker=people.get(r["QuestionOwnerId"]), tag_names=names)
        per_question.append((time.perf_counter() - start) / min(200, len(test)))
    return {
        "site": site,
        "history": len(train),
        "questions": len(test),
        "accepted_answerer_in_history": known,
        "people": n_people,
        "tags": n_tags - 1,
        "mrr": float(np.mean(ours_rr)),
        "hit10": float(np.mean(ours_hit)),
        "baseline_mrr": float(np.mean(base_rr)),
        "baseline_hit10": float(np.mean(base_hit)),
        "ms_per_question": statistics.median(per_question) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", nargs="+", default=["dba", "physics"])
    parser.add_argument("--train", type=float, default=0.8)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(
        "| site | history / later questions | people | MRR (ours) | hit@10 (ours) | MRR (most answers) | "
        "hit@10 (most answers) | ratio of MRR | ms per question |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for site in args.sites:
        r = evaluate(site, args.train, args.runs)
        print(
            f"| {r['site']} | {r['history']:,} / {r['questions']:,} ({r['accepted_answerer_in_history']:,} accepted "
            f"answerers seen before) | {r['people']:,} | {r['mrr']:.3f} | {r['hit10']:.3f} | {r['baseline_mrr']:.3f} "
            f"| {r['baseline_hit10']:.3f} | {r['mrr'] / max(r['baseline_mrr'], 1e-9):.2f} "
            f"| {r['ms_per_question']:.2f} |"
        )


if __name__ == "__main__":
    main()
