"""The simulated world: users, problems and accepted submissions, deterministic from a seed.

No HTTP here. Generated users' submissions are a function of ``(seed, user, UTC day)``, so ids
decode statelessly back to their event. Scripted users live in an in-process registry.
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

ID_BASE = 2_200_000_000          # every id is above 2**31
USER_SPACE = 1_000_000           # generated user index < USER_SPACE
PER_DAY = 64                     # at most PER_DAY - 1 ACs per user per UTC day
ANCHOR_DAY = 16_436              # 2015-01-01 as days since the Unix epoch
SCRIPTED_ID_BASE = 9_000_000_000_000  # disjoint from generated ids
DAY = 86_400

SPECIAL_SLUGS = frozenset({"sim-zero-acceptance", "sim-missing-acceptance", "sim-quotes-emoji-rtl"})
LANGS: list[tuple[str, int]] = [
    ("python3", 30), ("cpp", 20), ("java", 18), ("javascript", 8), ("golang", 5),
    ("rust", 4), ("c", 4), ("csharp", 4), ("typescript", 4), ("kotlin", 3),
]
USER_FAULTS = frozenset({"html_403", "truncated_json", "graphql_error", "schema_drift", "http_502"})
BUILTIN_CATALOGUE = Path(__file__).with_name("catalogue.json")


def rng_for(*parts: Any) -> random.Random:
    """A Random seeded deterministically (str seeds are hashed with SHA-512, not PYTHONHASHSEED)."""
    return random.Random(":".join(str(p) for p in parts))


@dataclass(frozen=True)
class Problem:
    """One catalogue problem."""

    question_id: str
    frontend_id: str
    title: str
    slug: str
    difficulty: str
    ac_rate: float | None
    paid_only: bool
    tags: tuple[tuple[str, str], ...]
    total_accepted: int
    total_submission: int

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Problem:
        """Build from the catalogue shape."""
        return cls(
            question_id=str(d["questionId"]), frontend_id=str(d.get("questionFrontendId", d["questionId"])),
            title=str(d["title"]), slug=str(d["titleSlug"]), difficulty=str(d.get("difficulty", "Medium")),
            ac_rate=None if d.get("acRate") is None else float(d["acRate"]),
            paid_only=bool(d.get("paidOnly", False)),
            tags=tuple((t["name"], t["slug"]) for t in d.get("topicTags") or []),
            total_accepted=int(d.get("totalAccepted") or 0), total_submission=int(d.get("totalSubmission") or 0),
        )

    def to_dict(self) -> dict[str, Any]:
        """The catalogue shape."""
        return {
            "questionId": self.question_id, "questionFrontendId": self.frontend_id, "title": self.title,
            "titleSlug": self.slug, "difficulty": self.difficulty, "acRate": self.ac_rate,
            "paidOnly": self.paid_only, "topicTags": [{"name": n, "slug": s} for n, s in self.tags],
            "totalAccepted": self.total_accepted, "totalSubmission": self.total_submission,
        }

    @property
    def is_database(self) -> bool:
        """True for SQL problems (answered in mysql)."""
        return any(s == "database" for _, s in self.tags)


@dataclass(frozen=True)
class Submission:
    """One accepted submission."""

    id: int
    username: str
    slug: str
    title: str
    lang: str
    timestamp: int
    code_bytes: int | None = None

    def as_item(self) -> dict[str, Any]:
        """The recentAcSubmissionList item shape."""
        return {"id": str(self.id), "title": self.title, "titleSlug": self.slug,
                "timestamp": str(self.timestamp), "statusDisplay": "Accepted", "lang": self.lang}


@dataclass
class ScriptedUser:
    """A test-registered user with an exact submission list."""

    username: str
    submissions: list[Submission] = field(default_factory=list)
    fault: str | None = None


def load_catalogue(path: str | Path | None = None) -> list[Problem]:
    """Load a catalogue (JSON list of problems); the built-in one when ``path`` is None."""
    data = json.loads(Path(path or BUILTIN_CATALOGUE).read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise ValueError("catalogue must be a JSON list of problems")
    return [Problem.from_dict(d) for d in data]


def utc_day(epoch: float) -> int:
    """Days since the Unix epoch of the UTC day containing ``epoch``."""
    return int(epoch // DAY)


def user_width(n_users: int) -> int:
    """Digits used in generated usernames."""
    return max(4, len(str(n_users)))


class WorldClock:
    """``world_now`` = frozen value, or an anchor advanced by real time times ``speed``."""

    def __init__(self, frozen_at: float | None = None, speed: float = 1.0) -> None:
        self._lock = threading.Lock()
        self._real0 = time.time()
        self._world0 = float(frozen_at) if frozen_at is not None else self._real0
        self._frozen = frozen_at is not None
        self.speed = float(speed)

    def now(self) -> float:
        """Current world time (epoch seconds, float)."""
        with self._lock:
            if self._frozen:
                return self._world0
            return self._world0 + (time.time() - self._real0) * self.speed

    def set(self, *, frozen_at: float | None = None, unfreeze: bool = False, speed: float | None = None) -> None:
        """Freeze at a time, or unfreeze / change speed continuing from the current world time."""
        current = self.now()
        with self._lock:
            self._real0 = time.time()
            if frozen_at is not None:
                self._world0, self._frozen = float(frozen_at), True
            else:
                self._world0 = current
                if unfreeze:
                    self._frozen = False
            if speed is not None:
                self.speed = float(speed)

    @property
    def frozen(self) -> bool:
        """Whether the clock is frozen."""
        return self._frozen


class World:
    """Deterministic world state; thread-safe."""

    def __init__(self, seed: int = 42, users: int = 1000, catalogue: list[Problem] | None = None,
                 history_days: int = 14, start_epoch: float | None = None) -> None:
        if users >= USER_SPACE:
            raise ValueError(f"at most {USER_SPACE - 1} generated users")
        self.seed = seed
        self.n_users = users
        self.width = user_width(users)
        self.problems = catalogue if catalogue is not None else load_catalogue()
        self.by_slug = {p.slug: p for p in self.problems}
        self.pool = [p for p in self.problems if p.slug not in SPECIAL_SLUGS]
        self.daily_pool = [p for p in self.pool if not p.paid_only] or self.pool
        start = time.time() if start_epoch is None else start_epoch
        self.start_day = utc_day(start - history_days * DAY)
        self._name_re = re.compile(rf"sim_user_(\d{{{self.width}}})")
        self._lock = threading.Lock()
        self._scripted: dict[str, ScriptedUser] = {}
        self._scripted_ids: dict[int, tuple[str, int]] = {}
        self._next_scripted = SCRIPTED_ID_BASE
        self._day_events = lru_cache(maxsize=200_000)(self._gen_day)

    # ---- users -------------------------------------------------------------------------------
    def username(self, index: int) -> str:
        """Generated username for 1-based ``index``."""
        return f"sim_user_{index:0{self.width}d}"

    def user_index(self, username: str) -> int | None:
        """1-based index of a generated user (case-insensitive), or None."""
        m = self._name_re.fullmatch(username.lower())
        if not m:
            return None
        idx = int(m.group(1))
        return idx if 1 <= idx <= self.n_users else None

    def scripted(self, username: str) -> ScriptedUser | None:
        """The scripted user registered under this name (case-insensitive)."""
        with self._lock:
            return self._scripted.get(username.lower())

    def canonical(self, username: str) -> str | None:
        """Canonical spelling of a known user, or None when unknown."""
        s = self.scripted(username)
        if s:
            return s.username
        idx = self.user_index(username)
        return self.username(idx) if idx else None

    def user_fault(self, username: str) -> str | None:
        """The per-user fault of a scripted user, if any."""
        s = self.scripted(username)
        return s.fault if s else None

    def rate(self, index: int) -> float:
        """Accepted submissions per day for a generated user (heavy-tailed)."""
        r = rng_for(self.seed, "rate", index)
        u = r.random()
        if u < 0.10:
            return r.uniform(0.0, 0.05)
        if u >= 0.95:
            return r.uniform(10.0, 40.0)
        return math.exp(r.uniform(math.log(0.3), math.log(3.0)))

    # ---- generated events ----------------------------------------------------------------------
    def _gen_day(self, index: int, day: int) -> tuple[Submission, ...]:
        if day < ANCHOR_DAY or not self.pool:
            return ()
        lam = self.rate(index)
        r = rng_for(self.seed, "day", index, day)
        limit, n, prod = math.exp(-lam), 0, r.random()
        while prod > limit and n < PER_DAY - 1:
            n += 1
            prod *= r.random()
        if n == 0:
            return ()
        stamps = sorted(r.randrange(DAY) for _ in range(n))
        ur = rng_for(self.seed, "user", index)
        favourites = [ur.choice(self.pool) for _ in range(4)]
        langs, weights = zip(*LANGS, strict=True)
        main_lang = ur.choices(langs, weights)[0]
        out = []
        for k, off in enumerate(stamps):
            p = r.choice(favourites) if r.random() < 0.1 else r.choice(self.pool)
            lang = main_lang if r.random() < 0.7 else r.choices(langs, weights)[0]
            if p.is_database:
                lang = "mysql"
            sid = ID_BASE + ((day - ANCHOR_DAY) * PER_DAY + k) * USER_SPACE + index
            out.append(Submission(sid, self.username(index), p.slug, p.title, lang, day * DAY + off))
        return tuple(out)

    # ---- queries -----------------------------------------------------------------------------------
    def recent_ac(self, username: str, limit: int, now: float) -> list[Submission]:
        """Newest-first accepted submissions with timestamp <= now (``limit`` items at most)."""
        s = self.scripted(username)
        if s is not None:
            subs = [x for x in s.submissions if x.timestamp <= now]
            subs.sort(key=lambda x: (x.timestamp, x.id), reverse=True)
            return subs[:limit]
        idx = self.user_index(username)
        if idx is None or limit <= 0:
            return []
        out: list[Submission] = []
        day = utc_day(now)
        while day >= self.start_day and len(out) < limit:
            for sub in reversed(self._day_events(idx, day)):
                if sub.timestamp <= now:
                    out.append(sub)
            day -= 1
        return out[:limit]

    def all_ac(self, username: str, now: float) -> list[Submission]:
        """Every accepted submission in the history window up to ``now`` (oldest first)."""
        s = self.scripted(username)
        if s is not None:
            return sorted((x for x in s.submissions if x.timestamp <= now), key=lambda x: x.timestamp)
        idx = self.user_index(username)
        if idx is None:
            return []
        out: list[Submission] = []
        for day in range(self.start_day, utc_day(now) + 1):
            out.extend(x for x in self._day_events(idx, day) if x.timestamp <= now)
        return out

    def submission(self, sid: int, now: float) -> Submission | None:
        """Decode an id to its submission (None if unknown or not yet made at ``now``)."""
        if sid >= SCRIPTED_ID_BASE:
            with self._lock:
                ref = self._scripted_ids.get(sid)
                user = self._scripted.get(ref[0]) if ref else None
            if ref is None or user is None or ref[1] >= len(user.submissions):
                return None
            sub = user.submissions[ref[1]]
            return sub if sub.id == sid and sub.timestamp <= now else None
        x = sid - ID_BASE
        if x < 0:
            return None
        index, rest = x % USER_SPACE, x // USER_SPACE
        k, day = rest % PER_DAY, rest // PER_DAY + ANCHOR_DAY
        if not 1 <= index <= self.n_users:
            return None
        events = self._day_events(index, day)
        if k >= len(events) or events[k].timestamp > now:
            return None
        return events[k]

    def daily(self, now: float) -> tuple[str, Problem | None]:
        """(UTC date string, problem of the day)."""
        date = datetime.fromtimestamp(now, UTC).strftime("%Y-%m-%d")
        if not self.daily_pool:
            return date, None
        return date, rng_for(self.seed, "daily", date).choice(self.daily_pool)

    # ---- scripted users --------------------------------------------------------------------------
    def register_user(self, username: str, submissions: list[dict[str, Any]], fault: str | None = None,
                      now: float | None = None) -> ScriptedUser:
        """Register (or replace) a scripted user; ids are assigned in timestamp order."""
        if not username or not isinstance(username, str):
            raise ValueError("username is required")
        if fault is not None and fault not in USER_FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {sorted(USER_FAULTS)}")
        rows = []
        for i, d in enumerate(submissions or []):
            slug = d.get("titleSlug")
            if not slug:
                raise ValueError(f"submission {i} needs a titleSlug")
            raw_ts = d.get("timestamp")
            ts = int(raw_ts) if raw_ts is not None else int(now if now is not None else time.time())
            rows.append((ts, i, d))
        rows.sort(key=lambda r: (r[0], r[1]))
        key = username.lower()
        with self._lock:
            old = self._scripted.get(key)
            if old:
                for sub in old.submissions:
                    self._scripted_ids.pop(sub.id, None)
            subs = []
            for n, (ts, _, d) in enumerate(rows):
                sid = self._next_scripted
                self._next_scripted += 1
                p = self.by_slug.get(d["titleSlug"])
                title = d.get("title") or (p.title if p else d["titleSlug"].replace("-", " ").title())
                cb = d.get("codeBytes")
                subs.append(Submission(sid, username, d["titleSlug"], title, str(d.get("lang") or "python3"),
                                       ts, int(cb) if cb is not None else None))
                self._scripted_ids[sid] = (key, n)
            user = ScriptedUser(username, subs, fault)
            self._scripted[key] = user
            return user
