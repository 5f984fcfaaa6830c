"""Inputs: what the user gives, read into `Source`s.

`pages`: page files, folders, URLs and stdin (`claims extract`, `verify`, `show`);
`dumps`: everything `claims batch` reads on top (JSON Lines, WARC, archives, globs), streamed
with a stable key per page so a run can resume.
"""

from extractor.inputs.pages import Source, iter_sources

__all__ = ["Source", "iter_sources"]
