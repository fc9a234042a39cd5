"""Response objects built from the world: QuestionNode, SubmissionDetails, UserNode, code text."""

from __future__ import annotations

import json
import re
import textwrap
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from .world import DAY, Problem, Submission, World, rng_for, utc_day

AVATAR = "https://s3-us-west-1.amazonaws.com/s3-lc-upload/assets/default_avatar.jpg"
VERBOSE = {
    "python3": "Python3", "cpp": "C++", "java": "Java", "javascript": "JavaScript", "golang": "Go",
    "rust": "Rust", "c": "C", "csharp": "C#", "typescript": "TypeScript", "kotlin": "Kotlin",
    "mysql": "MySQL", "python": "Python",
}
# (runtime ms range, memory MB range) per language
PERF = {
    "python3": ((20, 900), (16.5, 40.0)), "cpp": ((0, 200), (8.0, 90.0)), "java": ((1, 120), (40.0, 60.0)),
    "javascript": ((40, 300), (48.0, 70.0)), "golang": ((0, 80), (3.0, 12.0)), "rust": ((0, 40), (2.0, 6.0)),
    "c": ((0, 60), (5.0, 10.0)), "csharp": ((60, 250), (40.0, 60.0)), "typescript": ((45, 320), (50.0, 70.0)),
    "kotlin": ((150, 400), (40.0, 62.0)), "mysql": ((200, 1500), (0.0, 0.0)),
}
NON_ASCII_NOTES = ["O(n) – one pass ✓", "思路：哈希表计数", "naïve → optimised", "проверка границ", "🚀 fast path"]


def human(n: int) -> str:
    """LeetCode's short count format: 12.6M, 203.9K, 999."""
    if n >= 1_000_000:
        return f"{n / 1e6:.1f}M"
    if n >= 1_000:
        return f"{n / 1e3:.1f}K"
    return str(n)


def camel(slug: str) -> str:
    """Function name from a slug (``max-path-sum`` -> ``maxPathSum``)."""
    parts = [p for p in re.split(r"[^a-z0-9]+", slug.lower()) if p] or ["solve"]
    name = parts[0] + "".join(p.title() for p in parts[1:])
    return name if name[0].isalpha() else "solve" + name.title()


def question_node(world: World, p: Problem, *, premium: bool = False) -> dict[str, Any]:
    """Full QuestionNode dict for ``question(titleSlug)``."""
    r = rng_for(world.seed, "question", p.slug)
    stats: dict[str, Any] = {
        "totalAccepted": human(p.total_accepted), "totalSubmission": human(p.total_submission),
        "totalAcceptedRaw": p.total_accepted, "totalSubmissionRaw": p.total_submission,
    }
    if p.ac_rate is not None:
        stats["acRate"] = f"{p.ac_rate * 100:.1f}%"
    similar = [q for q in (r.choice(world.pool) for _ in range(3)) if q.slug != p.slug] if world.pool else []
    content = (
        f"<p>You are given an integer array <code>nums</code>. Solve <em>{_html(p.title)}</em> and "
        f"return the answer.</p>\n\n<p>&nbsp;</p>\n<p><strong class=\"example\">Example 1:</strong></p>\n\n"
        f"<pre>\n<strong>Input:</strong> nums = [1,2,3]\n<strong>Output:</strong> {r.randint(0, 9)}\n</pre>\n\n"
        "<p><strong>Constraints:</strong></p>\n\n<ul>\n\t"
        "<li><code>1 &lt;= nums.length &lt;= 10<sup>5</sup></code></li>\n</ul>\n"
    )
    likes = int(p.total_accepted ** 0.5 * r.uniform(1, 8)) + r.randint(0, 50)
    category = "Database" if p.is_database else "Algorithms"
    return {
        "__typename": "QuestionNode",
        "questionId": p.question_id, "questionFrontendId": p.frontend_id, "boundTopicId": None,
        "title": p.title, "titleSlug": p.slug, "translatedTitle": None, "translatedContent": None,
        "content": None if p.paid_only and not premium else content,
        "difficulty": p.difficulty, "isPaidOnly": p.paid_only, "likes": likes,
        "dislikes": int(likes * r.uniform(0.02, 0.4)), "isLiked": None,
        "acRate": None if p.ac_rate is None else p.ac_rate * 100, "stats": json.dumps(stats),
        "topicTags": [{"__typename": "TopicTagNode", "name": n, "slug": s, "translatedName": None, "id": s}
                      for n, s in p.tags],
        "hints": [f"Think about {p.tags[0][0] if p.tags else 'the constraints'} first."] if r.random() < 0.6 else [],
        "similarQuestions": json.dumps([{"title": q.title, "titleSlug": q.slug, "difficulty": q.difficulty,
                                         "translatedTitle": None} for q in similar]),
        "exampleTestcases": "[1,2,3]\n[4,5]", "sampleTestCase": "[1,2,3]", "categoryTitle": category,
        "contributors": [], "companyTagStats": None, "codeSnippets": None, "solution": None, "status": None,
        "metaData": json.dumps({"name": camel(p.slug), "params": [{"name": "nums", "type": "integer[]"}],
                                "return": {"type": "integer"}}),
        "judgerAvailable": True, "judgeType": "large", "mysqlSchemas": [], "enableRunCode": True,
        "enableTestMode": False, "enableDebugger": True, "envInfo": "{}", "libraryUrl": None, "adminUrl": None,
        "challengeQuestion": None, "note": None, "hasFrontendPreview": False, "hasSolution": False,
        "hasVideoSolution": False, "paidOnly": p.paid_only,
    }


def _html(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def make_code(seed: int, sub: Submission, note: str | None) -> str:
    """Plausible, deterministic solution text for the submission's language and problem."""
    fn = camel(sub.slug)
    c = f" {note}" if note else ""
    lang = sub.lang
    if lang in ("python3", "python"):
        code = (f"class Solution:\n    def {fn}(self, nums: List[int]) -> int:\n        #{c or ' running total'}\n"
                f"        best = cur = 0\n        for x in nums:\n            cur = max(x, cur + x)\n"
                f"            best = max(best, cur)\n        return best\n")
    elif lang == "mysql":
        code = f"-- {sub.title}{c}\nSELECT id, name\nFROM Report\nWHERE score > {seed % 97}\nORDER BY id;\n"
    elif lang in ("cpp", "java", "csharp", "c"):
        typ = {"cpp": "vector<int>& nums", "java": "int[] nums", "csharp": "int[] nums", "c": "int* nums, int n"}[lang]
        loop = "for (int x : nums)" if lang in ("cpp", "java") else (
            "foreach (int x in nums)" if lang == "csharp" else "for (int i = 0; i < n; i++)")
        name = fn[0].upper() + fn[1:] if lang == "csharp" else fn
        body = (f"    int {name}({typ}) {{\n        //{c or ' greedy scan'}\n        int best = 0, cur = 0;\n"
                f"        {loop} {{ cur = cur + {'nums[i]' if lang == 'c' else 'x'}; if (cur < 0) cur = 0;"
                f" if (cur > best) best = cur; }}\n        return best;\n    }}\n")
        if lang == "c":
            code = textwrap.dedent(body)
        elif lang == "cpp":
            code = f"class Solution {{\npublic:\n{body}}};\n"
        else:
            code = f"public class Solution {{\n{body}}}\n"
    elif lang in ("javascript", "typescript"):
        sig = "nums: number[]): number" if lang == "typescript" else "nums)"
        code = (f"function {fn}({sig} {{\n    //{c or ' sliding window'}\n    let best = 0, cur = 0;\n"
                f"    for (const x of nums) {{ cur = Math.max(x, cur + x); best = Math.max(best, cur); }}\n"
                f"    return best;\n}};\n")
    elif lang == "golang":
        code = (f"func {fn}(nums []int) int {{\n    //{c or ' single pass'}\n    best, cur := 0, 0\n"
                f"    for _, x := range nums {{\n        cur = max(x, cur+x)\n        best = max(best, cur)\n"
                f"    }}\n    return best\n}}\n")
    elif lang == "rust":
        snake = re.sub(r"(?<!^)(?=[A-Z])", "_", fn).lower()
        code = (f"impl Solution {{\n    pub fn {snake}(nums: Vec<i32>) -> i32 {{\n        //{c or ' fold'}\n"
                f"        nums.iter().fold((0, 0), |(b, c), &x| {{ let c = (c + x).max(x); (b.max(c), c) }}).0\n"
                f"    }}\n}}\n")
    else:
        code = (f"class Solution {{\n    fun {fn}(nums: IntArray): Int {{\n        //{c or ' scan'}\n"
                f"        var best = 0\n        var cur = 0\n        for (x in nums) {{ cur = maxOf(x, cur + x);"
                f" best = maxOf(best, cur) }}\n        return best\n    }}\n}}\n")
    if sub.code_bytes is not None:
        marker = "#" if lang in ("python3", "python") else "--" if lang == "mysql" else "//"
        code = pad_code(code, sub.code_bytes, marker)
    return code


def pad_code(code: str, size: int, comment: str) -> str:
    """Pad (or cut) ``code`` so that its UTF-8 encoding is exactly ``size`` bytes."""
    raw = code.encode("utf-8")
    if len(raw) >= size:
        cut = raw[:size].decode("utf-8", errors="ignore")
        return cut + " " * (size - len(cut.encode("utf-8")))
    line = f"{comment} padding {'.' * 60}\n"
    missing = size - len(raw)
    filler = (line * (missing // len(line) + 1))[:missing]
    return code + filler


def _distribution(r: Any, lang: str, center: float, step: float, n: int) -> str:
    start = max(0, int(center - step * n / 2))
    weights = [r.uniform(0.5, 30.0) for _ in range(n)]
    total = sum(weights)
    dist = [[str(int(start + i * step)), round(w * 100 / total, 4)] for i, w in enumerate(weights)]
    return json.dumps({"lang": lang, "distribution": dist})


def details_node(world: World, sub: Submission) -> dict[str, Any]:
    """Full SubmissionDetails dict, deterministic from (seed, id)."""
    r = rng_for(world.seed, "details", sub.id)
    (rt_lo, rt_hi), (mb_lo, mb_hi) = PERF.get(sub.lang, ((1, 300), (10.0, 60.0)))
    runtime = 0 if rt_lo == 0 and r.random() < 0.15 else r.randint(max(rt_lo, 1), rt_hi)
    memory = int(r.uniform(mb_lo, mb_hi) * 10) * 100_000
    note = r.choice(NON_ASCII_NOTES) if r.random() < 0.3 else None
    p = world.by_slug.get(sub.slug)
    total = r.randint(20, 2000)
    return {
        "__typename": "SubmissionDetailsNode",
        "id": sub.id, "runtime": runtime, "runtimeDisplay": f"{runtime} ms",
        "runtimePercentile": 100.0 if runtime == 0 else r.randint(500, 999_999) / 10_000 + 1e-14 * r.randint(0, 9),
        "runtimeDistribution": _distribution(r, sub.lang, runtime, max(1, runtime // 5 or 1), 10),
        "memory": memory, "memoryDisplay": f"{memory / 1e6:.1f} MB",
        "memoryPercentile": r.randint(500, 999_999) / 10_000,
        "memoryDistribution": _distribution(r, sub.lang, memory / 1000, 100, 10),
        "code": make_code(world.seed, sub, note), "timestamp": sub.timestamp, "statusCode": 10,
        "user": {"__typename": "UserNode", "username": sub.username,
                 "profile": {"__typename": "UserProfileNode", "realName": "", "userAvatar": AVATAR}},
        "lang": {"__typename": "LanguageNode", "name": sub.lang, "verboseName": VERBOSE.get(sub.lang, sub.lang)},
        "question": question_node(world, p) if p else {
            "__typename": "QuestionNode", "questionId": "0", "titleSlug": sub.slug, "title": sub.title,
            "hasFrontendPreview": False},
        "notes": "", "flagType": "WHITE", "topicTags": [], "runtimeError": None, "compileError": None,
        "lastTestcase": "", "codeOutput": "", "expectedOutput": "", "totalCorrect": total, "totalTestcases": total,
        "fullCodeOutput": None, "testDescriptions": None, "testBodies": None, "testInfo": None, "stdOutput": "",
    }


def matched_user_node(world: World, username: str, now: float) -> dict[str, Any]:
    """UserNode for ``matchedUser``; submit stats and calendar are lazy."""
    r = rng_for(world.seed, "profile", username.lower())

    def subs() -> list[Submission]:
        return world.all_ac(username, now)

    def submit_stats(_args: dict[str, Any]) -> dict[str, Any]:
        items = subs()
        solved: dict[str, set[str]] = {"Easy": set(), "Medium": set(), "Hard": set()}
        counts: Counter[str] = Counter()
        for s in items:
            p = world.by_slug.get(s.slug)
            d = p.difficulty if p and p.difficulty in solved else "Medium"
            solved[d].add(s.slug)
            counts[d] += 1
        ac: list[dict[str, Any]] = [
            {"__typename": "SubmissionNum", "difficulty": d, "count": len(solved[d]), "submissions": counts[d]}
            for d in ("Easy", "Medium", "Hard")
        ]
        ac.insert(0, {"__typename": "SubmissionNum", "difficulty": "All", "count": sum(x["count"] for x in ac),
                      "submissions": sum(x["submissions"] for x in ac)})
        tot = [dict(x, submissions=int(x["submissions"] * 1.6), count=x["count"]) for x in ac]
        return {"__typename": "SubmitStatsNode", "acSubmissionNum": ac, "totalSubmissionNum": tot}

    def calendar(args: dict[str, Any]) -> dict[str, Any]:
        per_day: Counter[int] = Counter(utc_day(s.timestamp) for s in subs())
        year = args.get("year")
        if year:
            per_day = Counter({d: n for d, n in per_day.items()
                               if datetime.fromtimestamp(d * DAY, UTC).year == int(year)})
        streak, day = 0, utc_day(now)
        while per_day.get(day):
            streak, day = streak + 1, day - 1
        years = sorted({datetime.fromtimestamp(d * DAY, UTC).year for d in per_day})
        return {"__typename": "UserCalendar", "activeYears": years, "streak": streak,
                "totalActiveDays": len(per_day),
                "submissionCalendar": json.dumps({str(d * DAY): n for d, n in sorted(per_day.items())})}

    return {
        "__typename": "UserNode", "username": username, "githubUrl": None, "twitterUrl": None,
        "linkedinUrl": None,
        "profile": {"__typename": "UserProfileNode", "realName": "", "userAvatar": AVATAR,
                    "ranking": r.randint(1, 5_000_000), "reputation": r.randint(0, 200),
                    "starRating": r.choice([0, 1, 1.5, 2, 2.5, 3]), "countryName": None, "company": None,
                    "school": None, "aboutMe": "", "skillTags": [], "websites": []},
        "submitStats": submit_stats, "submitStatsGlobal": submit_stats, "userCalendar": calendar,
    }
