from __future__ import annotations

from pathlib import Path

import pytest

from kgservice.errors import SettingsError
from kgservice.settings import default_data_dir, load_settings


def test_defaults_use_a_per_user_data_dir() -> None:
    assert default_data_dir().name == "kgservice"


def test_env_file_and_flags_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "kg.toml"
    config.write_text(f'[kgservice]\ndata_dir = "{tmp_path / "from-file"}"\nport = 9000\n')
    monkeypatch.setenv("KG_CONFIG_FILE", str(config))
    assert load_settings().port == 9000
    assert load_settings().data_dir == tmp_path / "from-file"
    monkeypatch.setenv("KG_PORT", "9100")
    assert load_settings().port == 9100  # the environment wins over the file
    assert load_settings(port=9200).port == 9200


def test_env_variables_are_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_DATA_DIR", str(tmp_path / "env"))
    monkeypatch.setenv("KG_GRAPH_ENGINE", "ladybug")
    settings = load_settings()
    assert settings.data_dir == tmp_path / "env"
    assert settings.graph_path.name == "graph.lbug"
    assert settings.data_dir.is_dir()


def test_invalid_value_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_PORT", "not-a-port")
    with pytest.raises(SettingsError, match="^invalid setting port: ") as caught:
        load_settings(data_dir=tmp_path)
    assert "\n" not in str(caught.value)


def test_data_dir_that_is_a_file(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SettingsError, match="is not a directory"):
        load_settings(data_dir=blocker)
    with pytest.raises(SettingsError, match="cannot create data directory"):
        load_settings(data_dir=blocker / "below")


def test_missing_or_broken_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_CONFIG_FILE", str(tmp_path / "absent.toml"))
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(data_dir=tmp_path)
    broken = tmp_path / "broken.toml"
    broken.write_text("port = = 1")
    monkeypatch.setenv("KG_CONFIG_FILE", str(broken))
    with pytest.raises(SettingsError, match="unreadable"):
        load_settings(data_dir=tmp_path)


def test_unknown_setting_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="invalid setting colour"):
        load_settings(data_dir=tmp_path, colour="blue")
