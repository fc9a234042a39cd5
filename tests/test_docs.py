"""The README documents every setting, and CI runs the README's test command."""

from __future__ import annotations

from codebloom.settings import SETTINGS_DOC, load_settings, parse_rate
from tests.conftest import ROOT


def test_readme_lists_every_setting_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text()
    for name, default, _meaning in SETTINGS_DOC:
        assert f"| `{name}` | `{default}` |" in readme, name


def test_ci_runs_the_readme_test_command() -> None:
    assert "make test" in (ROOT / "README.md").read_text()
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_bad_settings_name_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("DETAIL_RATE", "fast")
    try:
        load_settings()
    except ValueError as exc:
        assert "DETAIL_RATE='fast'" in str(exc)
    else:
        raise AssertionError("a malformed DETAIL_RATE was accepted")
    assert parse_rate("30/10") == (30, 10)


def test_celery_guard_is_off_by_default_and_auto_is_twice_the_fleet_budget(monkeypatch) -> None:
    monkeypatch.delenv("DETAIL_RATE", raising=False)
    monkeypatch.delenv("DETAIL_RATE_LIMIT", raising=False)
    assert load_settings().detail_rate_limit is None
    monkeypatch.setenv("DETAIL_RATE_LIMIT", "auto")
    assert load_settings().detail_rate_limit == "40/m"
    monkeypatch.setenv("DETAIL_RATE", "150/20")
    assert load_settings().detail_rate_limit == "900/m"
    monkeypatch.setenv("DETAIL_RATE_LIMIT", "20/m")
    assert load_settings().detail_rate_limit == "20/m"
    monkeypatch.setenv("DETAIL_RATE_LIMIT", "off")
    assert load_settings().detail_rate_limit is None


def test_malformed_celery_guard_names_the_variable(monkeypatch) -> None:
    monkeypatch.setenv("DETAIL_RATE_LIMIT", "twenty a minute")
    try:
        load_settings()
    except ValueError as exc:
        assert "DETAIL_RATE_LIMIT='twenty a minute'" in str(exc)
    else:
        raise AssertionError("a malformed DETAIL_RATE_LIMIT was accepted")
