"""ComponentConfig, the base of the batteries' configs: from_env and building from options."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Literal

import pytest

from schooner.config import Secret
from schooner.contrib._config import ComponentConfig
from schooner.exceptions import ImproperlyConfigured


class BoatConfig(ComponentConfig, frozen=True, kw_only=True):
    """A config with one field of each kind a battery uses."""

    env_prefix: ClassVar[str] = "BOAT_"

    name: str = "Skylark"
    length: float = 7.5
    crew: int | None = None
    rig: Literal["sloop", "ketch"] = "sloop"
    sails: list[str] = []  # noqa: RUF012 - msgspec copies empty defaults
    limits: dict[str, int] = {}  # noqa: RUF012 - msgspec copies empty defaults
    password: Secret | None = None
    hook: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        if self.length <= 0:
            raise ImproperlyConfigured("Boat: length must be positive.")


def test_from_env_converts_text_to_each_fields_type() -> None:
    """Numbers, choices, comma lists, JSON mappings and secrets are read from text."""
    config = BoatConfig.from_env(
        environ={
            "BOAT_LENGTH": "9.25",
            "BOAT_CREW": "3",
            "BOAT_RIG": "ketch",
            "BOAT_SAILS": "main, jib",
            "BOAT_LIMITS": '{"wind": 30}',
            "BOAT_PASSWORD": "hunter2",
            "UNRELATED": "x",
        }
    )
    assert (config.length, config.crew, config.rig) == (9.25, 3, "ketch")
    assert config.sails == ["main", "jib"]
    assert config.limits == {"wind": 30}
    assert config.password == Secret("hunter2")


def test_from_env_takes_another_prefix_and_overrides() -> None:
    """A prefix reads a second block; keyword overrides win over the variables."""
    config = BoatConfig.from_env("DINGHY_", environ={"DINGHY_NAME": "Tern"}, length=2.0)
    assert (config.name, config.length) == ("Tern", 2.0)


def test_from_env_ignores_fields_that_take_objects() -> None:
    """A variable for a field that takes a function is not read (it cannot be text)."""
    assert BoatConfig.from_env(environ={"BOAT_HOOK": "print"}).hook is None


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"BOAT_CREW": "many"}, "BOAT_CREW"),
        ({"BOAT_RIG": "yawl"}, "BOAT_RIG"),
        ({"BOAT_LIMITS": "{wind"}, "BOAT_LIMITS is not valid JSON"),
        ({"BOAT_LENGTH": "-1"}, "length must be positive"),
    ],
)
def test_from_env_reports_bad_values(environ: dict[str, str], message: str) -> None:
    """A wrong type names the variable; the config's own checks run too."""
    with pytest.raises(ImproperlyConfigured, match=message):
        BoatConfig.from_env(environ=environ)


def test_build_applies_options_over_a_config() -> None:
    """build() starts from config= (or the defaults) and applies keyword options, validated."""
    base = BoatConfig(name="Tern", crew=2)
    built = BoatConfig.build(base, {"crew": 4}, owner="Boat")
    assert (built.name, built.crew) == ("Tern", 4)
    assert BoatConfig.build(base, {}, owner="Boat") is base
    assert BoatConfig.build(None, {}, owner="Boat") == BoatConfig()
    with pytest.raises(ImproperlyConfigured, match="length must be positive"):
        BoatConfig.build(base, {"length": 0}, owner="Boat")


def test_build_refuses_unknown_options_and_other_configs() -> None:
    """An unknown option lists the valid ones; a config of another class is refused."""
    with pytest.raises(ImproperlyConfigured, match=r"Boat\(\) has no option mast; .*name, length"):
        BoatConfig.build(None, {"mast": 2}, owner="Boat")
    with pytest.raises(ImproperlyConfigured, match="takes a BoatConfig"):
        BoatConfig.build(object(), {}, owner="Boat")  # type: ignore[arg-type]
