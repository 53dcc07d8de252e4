"""Freshness: resources dated long ago may describe a web that has moved on."""

from __future__ import annotations

import re

import datetime as _dt
from collections.abc import Iterator

from cartel.check.context import Context
from cartel.diagnostics import Severity, diag


def stale_resources(ctx: Context) -> Iterator:
    """A resource dated more than `freshness_years` (default 10) years ago."""
    years = ctx.option("freshness_years", 10)
    if years <= 0:
        return
    limit = _years_before(ctx.today, years)
    for path in ctx.site.resources:
        note = ctx.site.by_path[path]
        if not note.date:
            continue
        dated = _dt.date.fromisoformat(note.date[:10])
        if dated < limit:
            yield diag(path, _date_line(ctx, note), "resource-stale", Severity.INFO,
                       f"the resource is dated {dated.isoformat()}, more than {years} years ago",
                       "check that the source still exists and still holds; update the date when it does "
                       "(freshness_years in [check] sets the limit)")


def _years_before(day: _dt.date, years: int) -> _dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:          # 29 February
        return day.replace(year=day.year - years, day=28)


def _date_line(ctx: Context, note) -> int:
    text = ctx.texts.get(note.path, "")
    for index, line in enumerate(text.split("\n")[: note.body_line - 1]):
        if re.match(r"date\s*:", line, re.I):
            return index + 1
    return 1
