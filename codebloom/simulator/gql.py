"""A tiny GraphQL subset: tokenizer, selection-set parser (aliases, args, fragments) and projection."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(
    r'(?P<ws>[\s,\ufeff]+|\#[^\n]*)'
    r'|(?P<block>"""(?:[^"\\]|\\.|"(?!""))*""")'
    r'|(?P<str>"(?:[^"\\\n]|\\.)*")'
    r'|(?P<num>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)'
    r'|(?P<name>[_A-Za-z][_0-9A-Za-z]*)'
    r'|(?P<spread>\.\.\.)'
    r'|(?P<punct>[{}():$!=\[\]@|&])'
)


class GraphQLSyntaxError(ValueError):
    """The query text could not be parsed."""


class FieldError(Exception):
    """A selected field does not exist on the object type."""

    def __init__(self, name: str, type_name: str, line: int, column: int) -> None:
        super().__init__(f'Cannot query field "{name}" on type "{type_name}".')
        self.name, self.type_name, self.line, self.column = name, type_name, line, column


@dataclass
class Var:
    """A ``$name`` reference inside arguments."""

    name: str


@dataclass
class Field:
    """One selected field."""

    name: str
    alias: str
    args: dict[str, Any] = field(default_factory=dict)
    selections: list[Field] | None = None
    line: int = 1
    column: int = 1


@dataclass
class _Tok:
    kind: str
    text: str
    line: int
    column: int


def tokenize(text: str) -> list[_Tok]:
    """Split query text into tokens (whitespace, commas and comments dropped)."""
    toks: list[_Tok] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise GraphQLSyntaxError(f"Syntax Error: Unexpected character {text[pos]!r}.")
        kind = m.lastgroup or ""
        if kind != "ws":
            toks.append(_Tok(kind, m.group(), line, pos - line_start + 1))
        chunk = m.group()
        nl = chunk.count("\n")
        if nl:
            line += nl
            line_start = pos + chunk.rindex("\n") + 1
        pos = m.end()
    return toks


class _Parser:
    def __init__(self, text: str) -> None:
        self.toks = tokenize(text)
        self.i = 0
        self.fragments: dict[str, list[Field]] = {}

    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self, text: str | None = None) -> _Tok:
        tok = self.peek()
        if tok is None or (text is not None and tok.text != text):
            got = "<EOF>" if tok is None else tok.text
            raise GraphQLSyntaxError(f"Syntax Error: Expected {text or 'token'}, found {got}.")
        self.i += 1
        return tok

    def skip_balanced(self, open_: str, close: str) -> None:
        depth = 0
        while True:
            t = self.take()
            if t.text == open_:
                depth += 1
            elif t.text == close:
                depth -= 1
                if depth == 0:
                    return

    def document(self) -> list[Field]:
        """Parse all definitions; return the first operation's root selections."""
        operations: list[list[Any]] = []
        while self.peek() is not None:
            tok = self.peek()
            assert tok is not None
            if tok.text == "fragment":
                self.take()
                name = self.take().text
                self.take("on")
                self.take()
                self.directives()
                self.fragments[name] = self.raw_selection_set()
                continue
            if tok.text in ("query", "mutation", "subscription"):
                self.take()
                if self.peek() and self.peek().kind == "name":  # type: ignore[union-attr]
                    self.take()
                if self.peek() and self.peek().text == "(":  # type: ignore[union-attr]
                    self.skip_balanced("(", ")")
                self.directives()
            operations.append(self.raw_selection_set())
        if not operations:
            raise GraphQLSyntaxError("Syntax Error: Unexpected <EOF>.")
        return self.expand(operations[0])

    def directives(self) -> None:
        while self.peek() and self.peek().text == "@":  # type: ignore[union-attr]
            self.take()
            self.take()
            if self.peek() and self.peek().text == "(":  # type: ignore[union-attr]
                self.skip_balanced("(", ")")

    def raw_selection_set(self) -> list[Any]:
        """Selections, with fragment spreads kept as ('...', name) markers."""
        self.take("{")
        items: list[Any] = []
        while True:
            tok = self.peek()
            if tok is None:
                raise GraphQLSyntaxError("Syntax Error: Expected Name, found <EOF>.")
            if tok.text == "}":
                self.take()
                return items
            if tok.kind == "spread":
                self.take()
                nxt = self.peek()
                if nxt is not None and nxt.text == "on":
                    self.take()
                    self.take()
                    self.directives()
                    items.append(("inline", self.raw_selection_set()))
                elif nxt is not None and nxt.text in ("{", "@"):
                    self.directives()
                    items.append(("inline", self.raw_selection_set()))
                else:
                    items.append(("spread", self.take().text))
                    self.directives()
                continue
            items.append(self.field())

    def field(self) -> Field:
        first = self.take()
        if first.kind != "name":
            raise GraphQLSyntaxError(f"Syntax Error: Expected Name, found {first.text}.")
        name, alias = first.text, first.text
        if self.peek() and self.peek().text == ":":  # type: ignore[union-attr]
            self.take()
            name = self.take().text
        args: dict[str, Any] = {}
        if self.peek() and self.peek().text == "(":  # type: ignore[union-attr]
            self.take()
            while self.peek() and self.peek().text != ")":  # type: ignore[union-attr]
                key = self.take().text
                self.take(":")
                args[key] = self.value()
            self.take(")")
        self.directives()
        sels = None
        if self.peek() and self.peek().text == "{":  # type: ignore[union-attr]
            sels = self.raw_selection_set()
        return Field(name, alias, args, sels, first.line, first.column)

    def value(self) -> Any:
        tok = self.take()
        if tok.text == "$":
            return Var(self.take().text)
        if tok.kind in ("str", "block"):
            import json

            return json.loads(tok.text) if tok.kind == "str" else tok.text[3:-3]
        if tok.kind == "num":
            return float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text)
        if tok.text == "[":
            out = []
            while self.peek() and self.peek().text != "]":  # type: ignore[union-attr]
                out.append(self.value())
            self.take("]")
            return out
        if tok.text == "{":
            obj = {}
            while self.peek() and self.peek().text != "}":  # type: ignore[union-attr]
                k = self.take().text
                self.take(":")
                obj[k] = self.value()
            self.take("}")
            return obj
        return {"true": True, "false": False, "null": None}.get(tok.text, tok.text)

    def expand(self, items: list[Any], depth: int = 0) -> list[Field]:
        if depth > 20:
            raise GraphQLSyntaxError("Fragment nesting too deep.")
        out: list[Field] = []
        for it in items:
            if isinstance(it, tuple):
                kind, ref = it
                sub = ref if kind == "inline" else self.fragments.get(ref)
                if sub is None:
                    raise GraphQLSyntaxError(f'Unknown fragment "{ref}".')
                out.extend(self.expand(sub, depth + 1))
            else:
                if it.selections is not None:
                    it.selections = self.expand(it.selections, depth + 1)
                out.append(it)
        return out


@lru_cache(maxsize=512)
def _parse_cached(text: str) -> tuple[Field, ...]:
    return tuple(_Parser(text).document())


def parse(text: str) -> list[Field]:
    """Parse a query document and return the root fields of its first operation (cached; do not mutate)."""
    return list(_parse_cached(text))


def resolve_args(args: dict[str, Any], variables: dict[str, Any]) -> dict[str, Any]:
    """Replace ``$var`` references with values from ``variables``."""

    def sub(v: Any) -> Any:
        if isinstance(v, Var):
            return variables.get(v.name)
        if isinstance(v, list):
            return [sub(x) for x in v]
        if isinstance(v, dict):
            return {k: sub(x) for k, x in v.items()}
        return v

    return {k: sub(v) for k, v in args.items()}


Lazy = Callable[[dict[str, Any]], Any]


def project(value: Any, selections: list[Field] | None, variables: dict[str, Any]) -> Any:
    """Keep only the selected fields of ``value``.

    Object values are dicts with an optional ``__typename``; a callable value is a lazy field
    and is called with its resolved arguments. An unknown field raises :class:`FieldError`.
    """
    if isinstance(value, list):
        return [project(v, selections, variables) for v in value]
    if not isinstance(value, dict):
        return value
    if selections is None:
        return {k: v for k, v in value.items() if k != "__typename" and not callable(v)}
    type_name = value.get("__typename", "Object")
    out: dict[str, Any] = {}
    for f in selections:
        if f.name == "__typename":
            out[f.alias] = type_name
            continue
        if f.name not in value:
            raise FieldError(f.name, type_name, f.line, f.column)
        v = value[f.name]
        if callable(v):
            v = v(resolve_args(f.args, variables))
        out[f.alias] = project(v, f.selections, variables)
    return out
