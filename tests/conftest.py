"""Shared test helpers: where the real data beside the repository lives, and skipping when it is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test with the reason when it is not there (e.g. a lone clone)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs {path} (the shared data beside the repository is absent)")
    return path


@pytest.fixture
def shared_dir() -> Path:
    """The ../shared folder (real OSM extracts, communes); skips with a clear reason when absent."""
    return shared_path()


@pytest.fixture
def shared_file():
    """shared_file("osm", "x.osm") -> Path, skipping with a clear reason when the file is absent."""
    return shared_path
