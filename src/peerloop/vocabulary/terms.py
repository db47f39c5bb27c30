"""Words of the vocabulary, without Django: normalizing terms, finding them in text,
and finding cycles in the topic tree.

A *term* is a topic's name or one of its synonyms. Terms compare by their key:
whitespace collapsed and lower-cased, so "Customer  Churn" and "customer churn" are
the same term.
"""

from collections.abc import Hashable, Iterable, Mapping
import re
from typing import TypeVar

MAX_TERM_LENGTH = 120
K = TypeVar("K", bound=Hashable)


def clean_term(text: str) -> str:
    """The term as it is stored: trimmed, inner whitespace collapsed to one space."""
    return " ".join(str(text).split())


def term_key(text: str) -> str:
    """How terms compare: cleaned and lower-cased."""
    return clean_term(text).lower()


def normalize_synonyms(synonyms: Iterable[str], *, name: str = "") -> list[str]:
    """Cleaned synonyms, first spelling kept, without duplicates, empties or the name itself."""
    seen = {term_key(name)} if name else set()
    result: list[str] = []
    for synonym in synonyms:
        cleaned = clean_term(synonym)
        key = cleaned.lower()
        if not cleaned or key in seen:
            continue
        seen.add(key)
        result.append(cleaned)
    return result


def parent_cycle(parents: Mapping[K, K | None], start: K) -> list[K] | None:
    """If following parents from ``start`` comes back to ``start``, the chain [start, ..., start]."""
    chain = [start]
    seen = {start}
    node = parents.get(start)
    while node is not None:
        chain.append(node)
        if node == start:
            return chain
        if node in seen:
            # A loop that does not pass through start: not start's cycle.
            return None
        seen.add(node)
        node = parents.get(node)
    return None


def find_cycles(parents: Mapping[K, K | None]) -> list[list[K]]:
    """Every cycle of a parent map, each once, as [a, b, ..., a] starting at its first key in map order."""
    state: dict[K, int] = {}  # 1: on the current walk, 2: done
    cycles: list[list[K]] = []
    for start in parents:
        if state.get(start):
            continue
        path: list[K] = []
        node: K | None = start
        while node is not None and not state.get(node):
            state[node] = 1
            path.append(node)
            node = parents.get(node)
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            cycles.append([*cycle, node])
        for seen in path:
            state[seen] = 2
    return cycles


def _trie_pattern(keys: Iterable[str]) -> str:
    """One regular expression matching exactly the given keys, shaped as a trie so a
    match attempt costs the length of a term, not the number of terms."""
    trie: dict = {}
    for key in keys:
        node = trie
        for char in key:
            node = node.setdefault(char, {})
        node[""] = {}

    def build(node: dict) -> str:
        ends = "" in node
        branches = []
        # Siblings start with different characters, so at most one branch can match:
        # their order does not matter.
        for char in sorted(c for c in node if c):
            token = r"\s+" if char == " " else re.escape(char)
            branches.append(token + build(node[char]))
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if ends:
            # Longer terms first; the shorter one still matches when the longer one
            # does not end on a word boundary (the regex backtracks into it).
            return "(?:" + body + ")?"
        return body

    return build(trie)


def compile_terms(keys: Iterable[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern finding any of the term keys as whole words, or None."""
    keys = sorted({k for k in keys if k})
    if not keys:
        return None
    # Whole words: no word character right before or after, which also works for
    # terms that start or end with punctuation ("C++", ".NET").
    return re.compile(r"(?<!\w)(?:" + _trie_pattern(keys) + r")(?!\w)", re.IGNORECASE)


def find_terms(pattern: re.Pattern[str] | None, text: str) -> list[tuple[str, str]]:
    """(term key, the words as written in the text) for each match, left to right."""
    if pattern is None or not text:
        return []
    return [(term_key(m.group(0)), m.group(0)) for m in pattern.finditer(text) if m.group(0)]
