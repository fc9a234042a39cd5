"""Canned non-GraphQL bodies and header sets (written for the simulator, LeetCode/Cloudflare-like)."""

from __future__ import annotations

import json
import random
from typing import Any

CLOUDFLARE_403 = (
    '<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    '<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">'
    '<meta name="robots" content="noindex,nofollow"></head><body><div class="main-wrapper" role="main">'
    '<div class="main-content"><noscript><div class="h2"><span id="challenge-error-text">'
    "Enable JavaScript and cookies to continue</span></div></noscript></div></div>"
    "<script>(function(){window._cf_chl_opt={cvId: '3',cZone: \"leetcode.com\",cType: 'managed',"
    "cRay: '%(ray)s',cH: 'SIM-CHALLENGE'};var s=document.createElement('script');"
    "s.src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1?ray=%(ray)s';"
    "document.getElementsByTagName('head')[0].appendChild(s);}());</script></body></html>"
)
CSRF_403 = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n  <meta http-equiv="content-type" content="text/html; '
    'charset=utf-8">\n  <title>403 Forbidden</title>\n</head>\n<body>\n<div id="summary">\n'
    "  <h1>Forbidden <span>(403)</span></h1>\n  <p>CSRF verification failed. Request aborted.</p>\n"
    "  <p>You are seeing this message because this site requires a Referer header to be sent by your "
    "client, but none was sent.</p>\n</div>\n</body>\n</html>\n"
)
BAD_GATEWAY_502 = (
    "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>\n"
    "<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n"
)
MALFORMED = "<!DOCTYPE html><html><body><p>upstream hiccup: {\"data\": </p></body></html>"


def cf_ray() -> str:
    """A random CF-RAY value."""
    return f"{random.getrandbits(64):016x}-SIM"


def json_headers() -> dict[str, str]:
    """Headers of a normal GraphQL response."""
    return {
        "Content-Type": "application/json", "Server": "cloudflare", "CF-Cache-Status": "DYNAMIC",
        "Vary": "Cookie", "CF-RAY": cf_ray(), "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
    }


def html_headers(charset: str = "utf-8") -> dict[str, str]:
    """Headers of an HTML error page."""
    return {"Content-Type": f"text/html; charset={charset}", "Server": "cloudflare", "CF-RAY": cf_ray()}


def throttled_body(seconds: int) -> bytes:
    """DRF-style 429 body."""
    return json.dumps({"detail": f"Request was throttled. Expected available in {seconds} seconds."}).encode()


def dumps(obj: Any) -> bytes:
    """Compact-ish JSON bytes (non-ASCII kept as UTF-8)."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def error_body(message: str, line: int = 1, column: int = 1, **extra: Any) -> dict[str, Any]:
    """A GraphQL error entry."""
    return {"message": message, "locations": [{"line": line, "column": column}], **extra}
