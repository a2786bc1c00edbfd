"""The load benchmark starts ``mrc serve`` in production mode: the environment it gives the
server must pass the production safety check (a required setting added to production, such
as the cell key secret, has to be added there too)."""

from __future__ import annotations

from pathlib import Path

from benchmarks.bench_load import BENCH_ENCRYPTION_KEY, production_env
from mrc.config import Config


def test_the_load_benchmark_server_environment_is_a_safe_production_one(tmp_path: Path) -> None:
    env = production_env("postgresql+psycopg://mrc@127.0.0.1:5432/mrc", BENCH_ENCRYPTION_KEY,
                         tmp_path)
    config = Config.from_env(env)
    assert config.env == "production"
    config.check_production_safety()  # raises UnsafeConfigError naming what is missing
    assert production_env("x", BENCH_ENCRYPTION_KEY, tmp_path)["MRC_CELLKEY_SECRET"] != \
        env["MRC_CELLKEY_SECRET"]  # a fresh secret per run, never a fixed one
