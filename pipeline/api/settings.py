"""Settings of the research API, read once from the environment through a cached dependency."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pipeline.paths import PROJECT_ROOT, default_tracking_uri


@dataclass(frozen=True)
class Settings:
    """Where the API reads results and experiment configs from, and serves the dashboard from.

    Per-request bounds (page sizes, steps, metric points) are constants in ``models`` so the
    OpenAPI schema states them.
    """

    tracking_uri: str = field(default_factory=default_tracking_uri)
    conf_dir: Path = PROJECT_ROOT / "conf"
    web_dist: Path = PROJECT_ROOT / "web" / "dist"

    def __post_init__(self) -> None:
        """Reject an empty tracking URI early, with the field named."""
        if not self.tracking_uri or not self.tracking_uri.strip():
            raise ValueError(
                f"Settings.tracking_uri must be a non-empty URI, got {self.tracking_uri!r}"
            )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings: ``MLFLOW_TRACKING_URI`` or the project's embedded store."""
    return Settings(tracking_uri=default_tracking_uri())
