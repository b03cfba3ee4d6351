"""Tests that need the shared data sets skip on a clone without them, or fail when CI requires them."""

from __future__ import annotations

import pytest

from tests.conftest import REQUIRE_DATA, SHARED_DATA, shared_data


def test_a_missing_data_set_skips_naming_the_path(monkeypatch):
    monkeypatch.delenv(REQUIRE_DATA, raising=False)
    with pytest.raises(pytest.skip.Exception) as skipped:
        shared_data("no-such-set")
    assert str(SHARED_DATA / "no-such-set") in str(skipped.value)
    assert SHARED_DATA.is_absolute()


def test_a_missing_data_set_fails_when_required(monkeypatch):
    monkeypatch.setenv(REQUIRE_DATA, "1")
    with pytest.raises(pytest.fail.Exception) as failed:
        shared_data("no-such-set")
    assert str(SHARED_DATA / "no-such-set") in str(failed.value) and REQUIRE_DATA in str(failed.value)


def test_a_present_data_set_is_its_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("tests.conftest.SHARED_DATA", tmp_path)
    (tmp_path / "some-set").mkdir()
    assert shared_data("some-set") == tmp_path / "some-set"
