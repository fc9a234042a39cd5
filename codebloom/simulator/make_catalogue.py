"""Generate the simulator's built-in, made-up problem catalogue (``catalogue.json``).

Deterministic: ``python -m codebloom.simulator.make_catalogue`` always writes the same file.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

SEED = 20260101
TOTAL_REGULAR = 297

TAGS = [
    "Array", "String", "Hash Table", "Dynamic Programming", "Math", "Sorting", "Greedy",
    "Depth-First Search", "Breadth-First Search", "Binary Search", "Tree", "Matrix",
    "Two Pointers", "Bit Manipulation", "Stack", "Heap (Priority Queue)", "Graph Theory",
    "Sliding Window", "Prefix Sum", "Union-Find", "Linked List", "Trie", "Recursion",
    "Monotonic Stack", "Simulation", "Counting", "Geometry", "Backtracking", "Segment Tree",
]
ADJ = [
    "Maximum", "Minimum", "Longest", "Shortest", "Balanced", "Distinct", "Valid", "Lucky",
    "Circular", "Sorted", "Weighted", "Hidden", "Frozen", "Silent", "Spiral", "Golden",
    "Broken", "Mirrored", "Nested", "Parallel", "Crimson", "Quiet", "Rotating", "Sparse",
]
NOUN = [
    "Subarray", "Path", "Garden", "Lantern", "Bridge", "Ladder", "Harbor", "Orchard",
    "Tower", "Matrix", "Necklace", "Signal", "Market", "Island", "Library", "Caravan",
    "Beacon", "Puzzle", "Canal", "Festival", "Compass", "Meadow", "Railway", "Vault",
]
VERB = ["Count", "Find", "Split", "Merge", "Rotate", "Paint", "Repair", "Schedule", "Collect", "Balance"]
OWNERS = ["Alice", "Bob", "Mira", "Tomas", "Ines", "Kofi", "Yuki", "Ravi"]
DB_NOUNS = ["Customers", "Orders", "Employees", "Flights", "Invoices", "Sensors", "Courses"]


def slugify(title: str) -> str:
    """LeetCode-style slug: lower case, drop apostrophes, other runs become '-'."""
    s = title.lower().replace("'", "")
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")


def make_title(rng: random.Random, i: int) -> str:
    """A made-up problem title; some with punctuation."""
    kind = rng.random()
    if kind < 0.04:
        return f"{rng.choice(OWNERS)}'s {rng.choice(ADJ)} {rng.choice(NOUN)}"
    if kind < 0.07:
        return f"Is the {rng.choice(NOUN)} {rng.choice(['Reachable', 'Bipartite', 'Symmetric'])}?"
    if kind < 0.09:
        return f"{rng.choice(ADJ)} Pow(x, n) {rng.choice(NOUN)}"
    if kind < 0.45:
        return f"{rng.choice(VERB)} the {rng.choice(ADJ)} {rng.choice(NOUN)}s"
    if kind < 0.75:
        return f"{rng.choice(ADJ)} {rng.choice(NOUN)} {rng.choice(['Sum', 'Score', 'Cost', 'Queries', 'II'])}"
    return f"{rng.choice(ADJ)} {rng.choice(NOUN)} of {rng.choice(ADJ)} {rng.choice(NOUN)}s"


def problem(rng: random.Random, qid: int, fid: int, title: str, difficulty: str,
            tags: list[str], paid: bool) -> dict:
    """One catalogue row in the shared catalogue shape."""
    submissions = int(10 ** rng.uniform(3.2, 7.2))
    rate = {"Easy": rng.uniform(0.45, 0.9), "Medium": rng.uniform(0.3, 0.7), "Hard": rng.uniform(0.15, 0.5)}
    accepted = max(1, round(submissions * rate[difficulty]))
    return {
        "questionId": str(qid), "questionFrontendId": str(fid), "title": title,
        "titleSlug": slugify(title), "difficulty": difficulty,
        "acRate": accepted / submissions, "paidOnly": paid,
        "topicTags": [{"name": t, "slug": slugify(t)} for t in tags],
        "totalAccepted": accepted, "totalSubmission": submissions,
    }


def build() -> list[dict]:
    """Build the full list (regular problems, then the special ``sim-*`` entries)."""
    rng = random.Random(SEED)
    difficulties = ["Easy"] * 74 + ["Medium"] * 149 + ["Hard"] * 74
    rng.shuffle(difficulties)
    out: list[dict] = []
    seen: set[str] = set()
    qid = 0
    for fid in range(1, TOTAL_REGULAR + 1):
        is_db = rng.random() < 0.05
        while True:
            title = (f"{rng.choice(ADJ)} {rng.choice(DB_NOUNS)} Report {fid}" if is_db
                     else make_title(rng, fid))
            if slugify(title) not in seen:
                break
        seen.add(slugify(title))
        # questionId equals the frontend id for the oldest problems, then drifts away.
        qid = fid if fid <= 60 else max(qid + 1, fid + rng.randint(0, 40))
        tags = ["Database"] if is_db else rng.sample(TAGS, rng.randint(1, 4))
        paid = rng.random() < 0.12
        out.append(problem(rng, qid, fid, title, difficulties[fid - 1], tags, paid))
    specials = [
        ("Zero Acceptance Challenge", "sim-zero-acceptance", "Hard"),
        ("Missing Acceptance Rate", "sim-missing-acceptance", "Medium"),
        ('Say "Hello" 👋 to مرحبا', "sim-quotes-emoji-rtl", "Easy"),
    ]
    for n, (title, slug, diff) in enumerate(specials):
        row = problem(rng, 90001 + n, 9001 + n, title, diff, ["String"], False)
        row["titleSlug"] = slug
        if slug == "sim-zero-acceptance":
            row.update(acRate=0.0, totalAccepted=0)
        if slug == "sim-missing-acceptance":
            row["acRate"] = None
        out.append(row)
    return out


def dumps(rows: list[dict]) -> str:
    """A JSON list with one object per line."""
    return "[\n" + ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n]\n"


def main(argv: list[str] | None = None) -> None:
    """Write catalogue.json next to this file (or to argv[0])."""
    args = sys.argv[1:] if argv is None else argv
    target = Path(args[0]) if args else Path(__file__).with_name("catalogue.json")
    target.write_text(dumps(build()), encoding="utf-8")


if __name__ == "__main__":
    main()
