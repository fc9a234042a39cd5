"""GraphQL execution against the World: root-field resolvers and error shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .content import AVATAR, details_node, matched_user_node, question_node
from .gql import Field, FieldError, project, resolve_args
from .responses import error_body
from .world import Submission, World

ROOT_FIELDS = frozenset({
    "recentAcSubmissionList", "question", "submissionDetails", "activeDailyCodingChallengeQuestion",
    "matchedUser", "userStatus",
})
REQUIRED = {
    "recentAcSubmissionList": [("username", "String!")],
    "question": [("titleSlug", "String!")],
    "submissionDetails": [("submissionId", "Int!")],
    "matchedUser": [("username", "String!")],
}
SERVICE_USER = "sim_service"


@dataclass
class Context:
    """Per-request facts the resolvers need."""

    now: float
    signed_in: bool


@dataclass
class Result:
    """Outcome of executing a query."""

    status: int
    body: dict[str, Any]
    details: list[tuple[Submission, dict[str, Any]]] = field(default_factory=list)


def bad_request(message: str, line: int = 1, column: int = 1) -> Result:
    """HTTP 400 with an ``errors`` list and no ``data``."""
    return Result(400, {"errors": [error_body(message, line, column)]})


def _recent(world: World, args: dict[str, Any], ctx: Context) -> list[dict[str, Any]]:
    raw = args.get("limit")
    try:
        limit = 20 if raw is None else int(raw)
    except (TypeError, ValueError):
        limit = 20
    limit = 20 if limit < 1 else min(limit, 20)
    return [dict(s.as_item(), __typename="SubmissionDumpNode")
            for s in world.recent_ac(str(args["username"]), limit, ctx.now)]


def _details(world: World, args: dict[str, Any], ctx: Context, served: list[Any]) -> dict[str, Any] | None:
    if not ctx.signed_in:
        return None
    try:
        sid = int(args["submissionId"])
    except (TypeError, ValueError):
        return None
    sub = world.submission(sid, ctx.now)
    if sub is None:
        return None
    node = details_node(world, sub)
    served.append((sub, node))
    return node


def _daily(world: World, ctx: Context) -> dict[str, Any] | None:
    date, p = world.daily(ctx.now)
    if p is None:
        return None
    return {"__typename": "DailyChallengeNode", "date": date, "userStatus": "NotStart",
            "link": f"/problems/{p.slug}/", "question": question_node(world, p)}


def _user_status(signed_in: bool) -> dict[str, Any]:
    if signed_in:
        return {"__typename": "MeNode", "userId": 1, "username": SERVICE_USER, "avatar": AVATAR,
                "isSignedIn": True, "isPremium": False, "isAdmin": False, "isStaff": False}
    return {"__typename": "MeNode", "userId": None, "username": "", "avatar": None, "isSignedIn": False,
            "isPremium": None, "isAdmin": False, "isStaff": False}


def _template(world: World, root: str, ctx: Context) -> Any:
    """A stand-in object of the root field's type, used to validate selections on a null answer."""
    if root == "question" and world.problems:
        return question_node(world, world.problems[0])
    if root == "submissionDetails":
        return details_node(world, Submission(0, "template", "template", "Template", "python3", 0))
    if root == "matchedUser":
        return matched_user_node(world, "template", ctx.now)
    return None


def execute(world: World, fields: list[Field], variables: dict[str, Any], ctx: Context) -> Result:
    """Resolve every root field and keep only the selected sub-fields."""
    for f in fields:
        if f.name not in ROOT_FIELDS and f.name != "__typename":
            return bad_request(f'Cannot query field "{f.name}" on type "Query".', f.line, f.column)
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    served: list[tuple[Submission, dict[str, Any]]] = []
    for f in fields:
        if f.name == "__typename":
            data[f.alias] = "Query"
            continue
        args = resolve_args(f.args, variables)
        for name, typ in REQUIRED.get(f.name, []):
            if args.get(name) is None:
                return bad_request(f'Field "{f.name}" argument "{name}" of type "{typ}" is required, '
                                   "but it was not provided.", f.line, f.column)
        value: Any
        if f.name == "recentAcSubmissionList":
            value = _recent(world, args, ctx)
        elif f.name == "question":
            p = world.by_slug.get(str(args["titleSlug"]))
            value = question_node(world, p) if p else None
        elif f.name == "submissionDetails":
            value = _details(world, args, ctx, served)
        elif f.name == "activeDailyCodingChallengeQuestion":
            value = _daily(world, ctx)
        elif f.name == "matchedUser":
            canonical = world.canonical(str(args["username"]))
            if canonical is None:
                errors.append(error_body("That user does not exist.", f.line, f.column, path=[f.alias],
                                         extensions={"handled": True, "skip_sentry": True}))
                value = None
            else:
                value = matched_user_node(world, canonical, ctx.now)
        else:
            value = _user_status(ctx.signed_in)
        try:
            if value is None and f.selections:
                project(_template(world, f.name, ctx), f.selections, variables)  # validate like a schema
            data[f.alias] = project(value, f.selections, variables)
        except FieldError as e:
            return bad_request(str(e), e.line, e.column)
    body: dict[str, Any] = {"errors": errors, "data": data} if errors else {"data": data}
    return Result(200, body, served)
