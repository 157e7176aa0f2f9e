"""Settings: precedence, validation naming the setting, secrets hidden, every field documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from glassbox.errors import ConfigError
from glassbox.settings import Settings, load_settings, write_settings_file

DOCS = Path(__file__).parent.parent / "docs" / "settings.md"


def test_defaults(tmp_path: Path) -> None:
    s = load_settings({"data_dir": tmp_path}, environ={})
    assert (s.host, s.port) == ("127.0.0.1", 8080)
    assert s.database == f"sqlite:///{tmp_path / 'glassbox.db'}"
    assert s.key_path == tmp_path / "log.key"
    assert s.checkpoint_interval <= 1.0


def test_precedence_override_then_env_then_file_then_default(tmp_path: Path) -> None:
    write_settings_file(tmp_path, {"port": 9000, "origin": "file.example/log", "host": "0.0.0.0"})
    env = {"GLASSBOX_PORT": "9100", "GLASSBOX_ORIGIN": "env.example/log"}
    s = load_settings({"data_dir": tmp_path, "port": 9200}, environ=env)
    assert s.port == 9200
    assert s.origin == "env.example/log"
    assert s.host == "0.0.0.0"
    assert s.append_batch_max == Settings().append_batch_max


def test_data_dir_from_environment(tmp_path: Path) -> None:
    s = load_settings({}, environ={"GLASSBOX_DATA_DIR": str(tmp_path)})
    assert s.data_dir == tmp_path


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"GLASSBOX_PORT": "eighty"}, "port"),
        ({"GLASSBOX_PORT": "70000"}, "port"),
        ({"GLASSBOX_CHECKPOINT_INTERVAL": "0"}, "checkpoint_interval"),
        ({"GLASSBOX_DATABASE": "mysql://x"}, "database"),
        ({"GLASSBOX_ORIGIN": ""}, "origin"),
        ({"GLASSBOX_APPEND_BATCH_MAX": "0"}, "append_batch_max"),
        ({"GLASSBOX_OPERATOR_TOKEN_SHA256": "xyz"}, "operator_token_sha256"),
    ],
)
def test_invalid_values_raise_naming_the_setting(
    tmp_path: Path, env: dict[str, str], name: str
) -> None:
    with pytest.raises(ConfigError, match=f"'{name}'"):
        load_settings({"data_dir": tmp_path}, environ=env)


def test_bad_settings_file_is_an_error_not_a_fallback(tmp_path: Path) -> None:
    (tmp_path / "settings.toml").write_text("port = [\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings({"data_dir": tmp_path}, environ={})
    (tmp_path / "settings.toml").write_text("prot = 1\n")
    with pytest.raises(ConfigError, match="unknown setting"):
        load_settings({"data_dir": tmp_path}, environ={})


def test_settings_are_frozen(tmp_path: Path) -> None:
    s = load_settings({"data_dir": tmp_path}, environ={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.port = 1  # type: ignore[misc]


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `(\w+)` \|", DOCS.read_text(), flags=re.M))
    fields = {f.name for f in dataclasses.fields(Settings)}
    assert fields <= documented, f"undocumented: {sorted(fields - documented)}"
    assert documented <= fields, f"documented but gone: {sorted(documented - fields)}"
