"""The typed settings: one name, one type and one default per setting, read through
``settings()``; production refuses a suppression threshold that would switch it off."""

from __future__ import annotations

import pytest
from flask import Flask

from mrc import create_app
from mrc.config import DEV_CELLKEY_SECRET, Config, UnsafeConfigError
from mrc.settings import Settings, settings
from tests.security.test_auth import production_env


@pytest.mark.parametrize("threshold", ["0", "1", "2"])
def test_production_refuses_a_threshold_below_3(threshold: str) -> None:
    cfg = Config.from_env(production_env(MRC_SUPPRESSION_THRESHOLD=threshold))
    with pytest.raises(UnsafeConfigError, match="MRC_SUPPRESSION_THRESHOLD must be at least 3"):
        cfg.check_production_safety()


def test_production_accepts_3_and_development_anything() -> None:
    Config.from_env(production_env(MRC_SUPPRESSION_THRESHOLD="3")).check_production_safety()
    Config.from_env({"MRC_SUPPRESSION_THRESHOLD": "1"}).check_production_safety()


def test_environment_values_arrive_typed() -> None:
    flask_config = Config.from_env({"MRC_SUPPRESSION_THRESHOLD": "7",
                                    "MRC_FOLLOWUP_WAVES": "30, 60,120"}).to_flask()
    typed = Settings(flask_config)
    assert typed.suppression_threshold == 7
    assert typed.followup_waves_days == (30, 60, 120)
    assert typed.page_size == 50 and typed.low_stock == 50
    assert typed.redis_url == "" and typed.output_dir is not None


def test_defaults_come_from_config_alone() -> None:
    typed = Settings(Config().to_flask())
    assert typed.suppression_threshold == Config.suppression_threshold == 5
    assert typed.followup_waves_days == Config.followup_waves_days


def test_the_accessor_sees_the_running_config(app: Flask) -> None:
    with app.app_context():
        assert app.extensions["mrc.settings"] is settings()
        before = settings().page_size
        app.config["MRC_PAGE_SIZE"] = 3
        try:
            assert settings().page_size == 3
        finally:
            app.config["MRC_PAGE_SIZE"] = before


def test_create_app_refuses_threshold_1_in_production() -> None:
    with pytest.raises(UnsafeConfigError):
        create_app(Config.from_env(production_env(MRC_SUPPRESSION_THRESHOLD="1")))


def test_the_disclosure_method_is_one_of_two() -> None:
    assert Settings(Config().to_flask()).disclosure_method == "cellkey"
    assert Settings(Config.from_env({}).to_flask()).disclosure_method == "cellkey"
    flask_config = Config.from_env({"MRC_DISCLOSURE_METHOD": "suppression"}).to_flask()
    assert Settings(flask_config).disclosure_method == "suppression"
    with pytest.raises(ValueError, match="MRC_DISCLOSURE_METHOD must be one of"):
        Config.from_env({"MRC_DISCLOSURE_METHOD": "noise"})


def test_production_with_the_cell_key_method_needs_its_own_secret() -> None:
    cellkey = production_env(MRC_CELLKEY_SECRET="<unset>")  # the default method
    with pytest.raises(UnsafeConfigError, match="MRC_CELLKEY_SECRET is missing"):
        Config.from_env(cellkey).check_production_safety()
    with pytest.raises(UnsafeConfigError, match="MRC_CELLKEY_SECRET is missing"):
        Config.from_env({**cellkey, "MRC_CELLKEY_SECRET": " "}).check_production_safety()
    secret = {**cellkey, "MRC_CELLKEY_SECRET": "kept-with-the-encryption-keys"}
    Config.from_env(secret).check_production_safety()
    assert Settings(Config.from_env(secret).to_flask()).cellkey_secret == \
        b"kept-with-the-encryption-keys"
    with pytest.raises(UnsafeConfigError, match="MRC_CELLKEY_SECRET is missing"):
        Config.from_env({**cellkey, "MRC_CELLKEY_SECRET": DEV_CELLKEY_SECRET}
                        ).check_production_safety()
    suppression = {**cellkey, "MRC_DISCLOSURE_METHOD": "suppression"}
    Config.from_env(suppression).check_production_safety()  # suppression: not needed
