"""Every setting the package ships does something: each key of `extractor/settings.toml` is a
field of `Settings` and is read by the code (not only declared), and `scrape.fetch_timeout`
really bounds a download. A renamed section is still read from a user file, with a warning."""

from __future__ import annotations

import re
import time
import tomllib
from pathlib import Path

import pytest
from localsite import local_site
from typer.testing import CliRunner

import extractor
from extractor.cli import app
from extractor.cli.options import ExitCode
from extractor.errors import InputError
from extractor.fetch import fetch_page
from extractor.settings import DEFAULTS_FILE, Settings

PACKAGE = Path(extractor.__file__).parent
SHIPPED = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
KEYS = [(section, key) for section, values in SHIPPED.items() for key in values]


def test_the_shipped_file_and_the_settings_model_have_the_same_keys():
    fields = {(s, k) for s, model in Settings.model_fields.items() for k in model.annotation.model_fields}
    assert set(KEYS) == fields


@pytest.mark.parametrize(("section", "key"), KEYS, ids=[f"{s}.{k}" for s, k in KEYS])
def test_every_setting_is_read_by_the_code(section, key):
    """Read as an attribute (`settings.scrape.fetch_timeout`, `scrape.fetch_timeout`) by some
    module other than the one that declares it."""
    readers = [
        path.relative_to(PACKAGE).as_posix()
        for path in PACKAGE.rglob("*.py")
        if path != PACKAGE / "settings.py" and re.search(rf"\.{key}\b", path.read_text(encoding="utf-8"))
    ]
    assert readers, f"{section}.{key} is in settings.toml but no module reads it"


def test_fetch_timeout_bounds_a_slow_download():
    settings = Settings.load()
    scrape = settings.scrape.model_copy(update={"fetch_allow": ["127.0.0.1/32"], "fetch_timeout": 1.0})
    settings = settings.model_copy(update={"scrape": scrape})
    with local_site() as site:  # the page trickles in over 10 s
        started = time.monotonic()
        with pytest.raises(InputError) as refused:
            fetch_page(site.url("/slow"), settings)
        took = time.monotonic() - started
    assert took < 4, f"the fetch took {took:.1f} s with fetch_timeout = 1"
    assert "fetch_timeout" in refused.value.reason or "timed out after 1 s" in refused.value.reason


# --------------------------------------------------------------------------- renamed sections


def test_a_user_file_with_the_old_dedup_section_is_still_read_with_a_warning(tmp_path):
    """`[dedup]` is the old name of `[repeated_paragraphs]`: a settings file written for it keeps
    working, and its user is told the new name."""
    old = tmp_path / "old.toml"
    old.write_text("[dedup]\nparagraph_threshold = 80\n", encoding="utf-8")
    with pytest.warns(FutureWarning, match=r"\[dedup\] is now called \[repeated_paragraphs\]"):
        settings = Settings.load(old)
    assert settings.repeated_paragraphs.paragraph_threshold == 80
    assert (
        settings.repeated_paragraphs.min_paragraph_chars
        == Settings.load().repeated_paragraphs.min_paragraph_chars
    )


def test_the_old_and_the_new_section_name_together_is_an_error(tmp_path):
    both = tmp_path / "both.toml"
    both.write_text("[dedup]\nparagraph_threshold = 80\n[repeated_paragraphs]\nparagraph_threshold = 90\n")
    with pytest.raises(InputError, match=r"\[dedup\] is the old name of \[repeated_paragraphs\]"):
        Settings.load(both)


def test_the_cli_says_the_old_section_name_in_one_warning_line_and_goes_on(tmp_path):
    old = tmp_path / "old.toml"
    old.write_text("[dedup]\nparagraph_threshold = 92\n", encoding="utf-8")  # the shipped value
    page = tmp_path / "page.txt"
    page.write_text("Markets wrap\nBitcoin was trading at $62,350 on Thursday.\n", encoding="utf-8")
    plain = CliRunner().invoke(app, ["extract", str(page), "--published", "2025-05-09"])
    warned = CliRunner().invoke(
        app, ["extract", str(page), "--published", "2025-05-09", "--config", str(old)]
    )
    assert warned.exit_code == plain.exit_code == ExitCode.OK, warned.output
    assert warned.stdout == plain.stdout and plain.stdout
    assert warned.stderr.splitlines() == [
        f"warning: {old}: the settings section [dedup] is now called [repeated_paragraphs]; "
        "rename it (the old name is still read for now)"
    ]
