"""LeetCode GraphQL client: typed results, typed errors, a timeout on every call."""

from codebloom.leetcode.client import LeetCodeClient
from codebloom.leetcode.errors import (
    AuthenticationRequired,
    Blocked,
    LeetCodeError,
    NotFound,
    PermanentError,
    RateLimited,
    SchemaError,
    TransientError,
    UpstreamError,
    UserNotFound,
)
from codebloom.leetcode.types import DailyQuestion, ProblemInfo, RecentSubmission, SubmissionDetails

__all__ = [
    "AuthenticationRequired", "Blocked", "DailyQuestion", "LeetCodeClient", "LeetCodeError", "NotFound",
    "PermanentError", "ProblemInfo", "RateLimited", "RecentSubmission", "SchemaError", "SubmissionDetails",
    "TransientError", "UpstreamError", "UserNotFound",
]
