"""Routing accuracy of feedback tagging on real complaints: the learned classifier
(peerloop.feedback.classifier) against a keyword-rules baseline (peerloop.feedback.tagging
with a hand-written vocabulary), with stratified 5-fold cross-validation.

Usage: .venv/bin/python bench/bench_feedback_quality.py [--data PATH] [--folds K]

Data: ../shared/data/cfpb-complaints/dev.csv, 3,728 narratives of the US Consumer
Financial Protection Bureau, each labelled with the product it concerns
(``product_coarse``, 9 labels). A label is the team a complaint routes to, so routing
accuracy is label accuracy. Every method sees the same folds:

- rules: the topic whose words (name or synonym) the text mentions most surely; when it
  mentions none, the most frequent label of the training folds;
- learned: TF-IDF (words and word pairs) + logistic regression trained on the training
  folds, as owners' corrections would train it;
- rules + learned: both merged as the processor merges them (tagging.merge), top tag: the
  rules' confidences weighed by the weight the training fit on a fifth of the training folds
  it held out (classifier.rule_weight), and, for comparison, as written (weight 1).
"""

import argparse
from collections import Counter
import csv
from pathlib import Path
import sys
import time
import warnings

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from peerloop.feedback import classifier, tagging

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "cfpb-complaints" / "dev.csv"
# The keyword vocabulary a program owner would write for these teams (name, synonyms).
VOCABULARY = {
    "credit_reporting": ("credit report", ["credit bureau", "credit reports", "equifax", "experian", "transunion",
                                           "credit score", "inquiry", "inquiries", "credit file"]),
    "debt_collection": ("debt collection", ["debt collector", "collection agency", "collections", "collector",
                                            "debt", "collect"]),
    "mortgage": ("mortgage", ["escrow", "foreclosure", "loan modification", "refinance", "home loan", "mortgages",
                              "servicer", "property"]),
    "credit_or_prepaid_card": ("credit card", ["prepaid card", "card", "annual fee", "credit cards", "cardholder",
                                               "balance transfer"]),
    "bank_account": ("bank account", ["checking account", "savings account", "checking", "savings", "overdraft",
                                      "deposit", "atm", "branch"]),
    "consumer_loan": ("auto loan", ["car loan", "vehicle", "personal loan", "payday loan", "installment loan",
                                    "car", "lease"]),
    "student_loan": ("student loan", ["student loans", "navient", "sallie mae", "fedloan", "tuition",
                                      "income driven repayment"]),
    "money_transfer": ("money transfer", ["wire transfer", "western union", "moneygram", "paypal", "wire",
                                          "remittance"]),
    "other": ("other", []),
}  # fmt: skip


def load(path: Path) -> tuple[list[str], list[str]]:
    texts, labels = [], []
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["narrative"].strip() and row["product_coarse"]:
                texts.append(row["narrative"])
                labels.append(row["product_coarse"])
    return texts, labels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    texts, labels = load(args.data)
    names = sorted(VOCABULARY)
    index = {name: i for i, name in enumerate(names)}
    y = np.array([index[label] for label in labels])
    book = tagging.Rulebook.from_topics((index[k], v[0], v[1]) for k, v in VOCABULARY.items())
    rule_tags = [book.tag(t) for t in texts]
    print(f"{len(texts)} narratives, {len(names)} labels: {dict(Counter(labels).most_common())}")
    folds = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=42)
    methods = ("rules", "learned", "merged", "as written")
    predictions: dict[str, np.ndarray] = {m: np.zeros(len(y), dtype=int) for m in methods}
    weights = []
    no_rule = sum(1 for tags in rule_tags if not tags)
    train_seconds = []
    warnings.filterwarnings("ignore", message="The least populated class")
    for train, test in folds.split(texts, y):
        majority = Counter(y[train].tolist()).most_common(1)[0][0]
        started = time.perf_counter()
        model = classifier.train([texts[i] for i in train], y[train].tolist(), rule_tags=[rule_tags[i] for i in train])
        train_seconds.append(time.perf_counter() - started)
        weights.append(model.rule_weight)
        learned = model.predict([texts[i] for i in test], top=3, floor=0.0)
        for position, i in enumerate(test):
            tags = rule_tags[i]
            predictions["rules"][i] = tags[0].topic_id if tags else majority
            guesses = [tagging.Tag(label, p, "classifier") for label, p in learned[position]]
            predictions["learned"][i] = guesses[0].topic_id
            predictions["merged"][i] = tagging.merge(tags, guesses, rule_weight=model.rule_weight)[0].topic_id
            predictions["as written"][i] = tagging.merge(tags, guesses)[0].topic_id
    print(f"{args.folds}-fold stratified cross-validation (seed 42); texts no rule matched: {no_rule}")
    print(f"training time per fold (with the rules' weight): median {np.median(train_seconds):.1f} s")
    print(f"rules' weight fitted in each fold: {', '.join(f'{w:.1f}' for w in weights)}")
    print("| method | accuracy | macro-F1 |")
    print("|---|---|---|")
    for method, label in (("rules", "keyword rules (baseline)"), ("learned", "learned classifier"),
                          ("merged", "rules + learned, rules weighed (as routed)"),
                          ("as written", "rules + learned, rules as written (weight 1)")):  # fmt: skip
        accuracy = accuracy_score(y, predictions[method])
        macro = f1_score(y, predictions[method], average="macro", zero_division=0)
        print(f"| {label} | {accuracy:.3f} | {macro:.3f} |")


if __name__ == "__main__":
    main()
