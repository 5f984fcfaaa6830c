"""One settings object for the whole pipeline.

Defaults ship with the package in `settings.toml`; a user file (`--config FILE` or the
`MARKET_CLAIMS_CONFIG` environment variable) overrides only the keys it sets. Stages receive
the `Settings` they need as an argument: nothing reads global state.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from extractor.errors import InputError

DEFAULTS_FILE = Path(__file__).with_name("settings.toml")


class ScrapeSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_input_bytes: int = Field(gt=0)
    fetch_timeout: float = Field(gt=0)
    max_redirects: int = Field(ge=0, le=20)
    fetch_allow: list[str] = Field(
        default_factory=list
    )  # networks fetched although internal (tests, local use)
    min_text_chars: int = Field(ge=0)
    languages: list[str] = Field(min_length=1)  # ISO 639-1 codes of the languages accepted ("en")

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, value: list[str]) -> list[str]:
        for code in value:
            if not (len(code) == 2 and code.isalpha() and code.islower()):
                raise ValueError(
                    f"{code!r} is not an ISO 639-1 language code (two lower-case letters, e.g. en)"
                )
        return value

    @field_validator("fetch_allow")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network, strict=False)
            except ValueError:
                raise ValueError(f"{network!r} is not a network (CIDR, e.g. 127.0.0.1/32)") from None
        return value


class RepeatedParagraphsSettings(BaseModel):
    """How `repeated_paragraphs.remove_repeats` tells a repeated paragraph."""

    model_config = ConfigDict(extra="forbid")
    paragraph_threshold: float = Field(ge=0, le=100)
    min_paragraph_chars: int = Field(ge=0)


class ExtractSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_confidence: float = Field(ge=0, le=1)


class BatchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_timeout: float = Field(default=120, gt=0)


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scrape: ScrapeSettings
    repeated_paragraphs: RepeatedParagraphsSettings
    extract: ExtractSettings
    batch: BatchSettings = BatchSettings()

    @classmethod
    def load(cls, user_file: str | Path | None = None) -> Settings:
        """Shipped defaults, overridden key by key by `user_file` (or $MARKET_CLAIMS_CONFIG)."""
        data = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
        user_file = user_file or os.environ.get("MARKET_CLAIMS_CONFIG")
        if user_file:
            path = Path(user_file)
            try:
                override = tomllib.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise InputError(str(path), "settings file not found") from None
            except tomllib.TOMLDecodeError as exc:
                raise InputError(str(path), f"settings file is not valid TOML ({exc})") from None
            data = _merge(data, _renamed_sections(override, path))
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise InputError(str(user_file or DEFAULTS_FILE), f"{where}: {first['msg']}") from None


# Sections renamed since a user file may have been written: old name -> new name. The old name is
# still read (with a warning) so that a settings file that worked keeps working.
RENAMED_SECTIONS = {"dedup": "repeated_paragraphs"}


def _renamed_sections(override: dict[str, Any], path: Path) -> dict[str, Any]:
    """`override` with each old section name replaced by its new one (a FutureWarning says so:
    it is meant for the user who wrote the file). Both names at once is an error: which one
    is meant cannot be told."""
    out = dict(override)
    for old, new in RENAMED_SECTIONS.items():
        if old not in out:
            continue
        if new in out:
            raise InputError(str(path), f"[{old}] is the old name of [{new}]: give only [{new}]")
        warnings.warn(
            f"{path}: the settings section [{old}] is now called [{new}]; rename it "
            f"(the old name is still read for now)",
            FutureWarning,
            stacklevel=3,
        )
        out[new] = out.pop(old)
    return out


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        out[key] = (
            _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
        )
    return out


@lru_cache(maxsize=1)
def default_settings() -> Settings:
    return Settings.load()
