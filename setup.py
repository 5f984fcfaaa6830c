"""Packaging glue that pyproject.toml cannot express on its own.

The rule model lives in the top-level `models/` folder (data, not code), but an installed
package must carry it: it is mapped into the wheel as `extractor.models`, next to the code
that reads it (`extractor.rules.models_dir`).
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["extractor", "extractor.*"]), "extractor.models"],
    package_dir={"extractor.models": "models"},
)
