"""What a user's points should be, computed straight from the simulator's own data (not through our code)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from fractions import Fraction

import requests

from codebloom.scoring import deviation, points

QUESTION = "query q($titleSlug: String!) { question(titleSlug: $titleSlug) { difficulty stats } }"


def truth(sim_url: str, username: str) -> list[dict]:
    body = requests.get(f"{sim_url}/_sim/users/{username}/submissions", timeout=10).json()
    return body["submissions"] if isinstance(body, dict) else body


def served_rate(sim_url: str, slug: str) -> tuple[str, Fraction]:
    """Difficulty and acceptance rate exactly as the simulator's question() serves them."""
    body = requests.post(f"{sim_url}/graphql/", json={"query": QUESTION, "variables": {"titleSlug": slug}},
                         headers={"Referer": sim_url + "/"}, timeout=10).json()
    node = body["data"]["question"]
    return node["difficulty"], Fraction(json.loads(node["stats"])["acRate"].rstrip("%")) / 100


def expected_points(sim_url: str, username: str, board_start: datetime,
                    potd: dict[date, tuple[str, Fraction]] | None = None) -> tuple[int, dict[int, int]]:
    """Total points and points per submission id: first solve of each problem ever, oldest first."""
    subs = sorted(truth(sim_url, username), key=lambda s: (int(s["timestamp"]), int(s["id"])))
    seen: set[str] = set()
    per_id: dict[int, int] = {}
    for sub in subs:
        sid, slug = int(sub["id"]), sub["titleSlug"]
        when = datetime.fromtimestamp(int(sub["timestamp"]), UTC)
        if slug in seen or when < board_start:
            per_id[sid] = 0
            seen.add(slug)
            continue
        seen.add(slug)
        difficulty, rate = served_rate(sim_url, slug)
        multiplier = Fraction(1)
        if potd and potd.get(when.date(), ("", 0))[0] == slug:
            multiplier = potd[when.date()][1]
        per_id[sid] = points(difficulty, rate, multiplier, deviation(sid))
    return sum(per_id.values()), per_id
