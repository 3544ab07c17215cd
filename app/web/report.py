"""The give/ask report page: its tables, two bar charts drawn as SVG on the
server (readable without JavaScript, each with its numbers in a table beside
it) and the CSV download. The figures come from app/services/report.py; this
door only lays them out."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from babel.dates import format_date
from fastapi import Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import i18n
from app.db import SessionDep
from app.errors import AppError
from app.i18n import gettext as _
from app.routers import Router
from app.schemas import MAX_YEAR, MIN_YEAR
from app.services import report as service
from app.services import streaks as streak_service
from app.services.access import Access
from app.web.deps import CurrentUser, WebAccess
from app.web.nav import nav
from app.web.render import render

router = Router(prefix="/w/{workspace_id}", include_in_schema=False)

PAGE_FIELD = {"query.end": "to", "query.start": "from"}


# ---- the charts' geometry ---------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    label: str  # the value as the reader writes it, drawn above the bar (no unit)
    tip: str  # what a screen reader or a hovering pointer reads


@dataclass
class Chart:
    id: str
    title: str
    desc: str
    width: int
    height: int
    baseline: float
    left: float
    bars: list[Bar] = field(default_factory=list)
    missing: list[tuple[float, str]] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    categories: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    axis: str = ""  # what the categories are, under them


def _top(values: list[float]) -> float:
    """A round top for the scale, above the largest value."""
    largest = max(values, default=0.0)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000):
        if largest <= step * 0.9 or step == 1000:
            return float(step) if largest <= step else largest * 1.1
    return largest  # pragma: no cover


def bar_chart(*, id: str, title: str, desc: str, categories: list[str],
              series: list[tuple[str, str, list[float | None]]], unit: str,
              digits: int = 1, faint: list[bool] | None = None,
              min_group_width: float = 0.0, axis: str = "") -> Chart:
    """Bars per category, one per series ``(name, css class, values)``; a value
    of None is drawn as "n/a" on the baseline. A ``faint`` category (too few
    to conclude) is drawn pale, and says so in its label."""
    per_group = len(series)
    bar_width, gap = 22.0, 18.0
    group_width = max(per_group * bar_width + gap, min_group_width)
    left, top_margin, plot_height = 44.0, 34.0, 150.0
    width = int(max(320.0, left + len(categories) * group_width + 12))
    baseline = top_margin + plot_height
    values = [v for _name, _css, vs in series for v in vs if v is not None]
    top = _top(values)
    chart = Chart(id=id, title=title, desc=desc, width=width,
                  height=int(baseline + (48 if axis else 34)), baseline=baseline, left=left,
                  axis=axis)
    for fraction in (0.0, 0.5, 1.0):
        chart.ticks.append((baseline - plot_height * fraction,
                            i18n.number(top * fraction, 0 if (top * fraction).is_integer()
                                        else 1) + unit))
    for i, category in enumerate(categories):
        x0 = left + i * group_width + (group_width - per_group * bar_width) / 2
        chart.categories.append((x0 + per_group * bar_width / 2, category))
        for j, (name, css, vs) in enumerate(series):
            value, x = vs[i], x0 + j * bar_width
            if value is None:
                chart.missing.append((x + bar_width / 2, _("n/a")))
                continue
            height = plot_height * value / top if top else 0.0
            # The bar says the number; its unit is on the axis, and in the tip.
            label = i18n.number(value, digits)
            tip = f"{category}, {name}: {label}{unit}"
            if faint is not None and faint[i]:
                css, tip = css + " bar-too-few", tip + " (" + _("too few to conclude") + ")"
            chart.bars.append(Bar(x=x + 2, y=baseline - height, width=bar_width - 4,
                                  height=height, css=css, label=label, tip=tip))
    chart.legend = [(css, name) for name, css, _vs in series]
    return chart


def _month_label(key: str, style: str) -> str:
    day = date(int(key[:4]), int(key[5:7]), 1)
    if style == "long":
        return i18n.when(day, "month_year")
    return format_date(day, "LLL yy", locale=i18n.LOCALES.get(i18n.current(), "en"))


def shown_months(report: service.Report) -> list[service.MonthRow]:
    """The months the chart and its table show: those with a published post."""
    return [m for m in report.months if m.posts] or report.months[-1:]


def _charts(report: service.Report) -> tuple[Chart, Chart]:
    months = shown_months(report)
    engagement = bar_chart(
        id="chart-months", title=_("Engagement rate of gives and asks per month"),
        desc=_("Bars per month: engagements divided by reach, in percent, for gives and for "
               "asks. The table beside the chart holds the same numbers."),
        categories=[_month_label(m.month, "short") for m in months],
        series=[(_("Gives"), "bar-give", [m.gives.engagement_rate for m in months]),
                (_("Asks"), "bar-ask", [m.asks.engagement_rate for m in months])],
        unit=" %")
    conversions = bar_chart(
        id="chart-groups", title=_("Mean conversions of an ask, by the gives before it"),
        desc=_("One bar per group of asks, by the number of gives since the previous ask: "
               "the mean conversions of the asks with results. The table beside the chart "
               "holds the same numbers and says which groups are too few to conclude."),
        # The groups' short labels; the table beside says "0–2 gives" in full.
        categories=[label.replace("-", "–") for label, _tally in report.groups],
        series=[(_("Asks"), "bar-ask", [t.mean_conversions for _label, t in report.groups])],
        unit="", faint=[not t.enough for _label, t in report.groups], min_group_width=64,
        axis=_("Gives before the ask"))
    return engagement, conversions


# ---- the page -------------------------------------------------------------------


def _month(text: str, name: str, errors: dict[str, str]) -> date | None:
    """A month picker's value, 2026-01; empty is none. Years as the API takes
    times: 1970 to 2200."""
    if not text:
        return None
    try:
        year, month = text.split("-")
        if len(year) == 4 and len(month) == 2 and year.isascii() and month.isascii():
            found = date(int(year), int(month), 1)
            if MIN_YEAR <= found.year <= MAX_YEAR - 1:
                return found
            errors[name] = _("Pick a month from %(first)s to %(last)s.") % {
                "first": f"{MIN_YEAR}-01", "last": f"{MAX_YEAR - 1}-12"}
            return None
    except ValueError:
        pass
    errors[name] = _("Pick a month, like 2026-01.")
    return None


def _last_day(report: service.Report, tz: ZoneInfo) -> date:
    return (report.end.astimezone(tz) - timedelta(microseconds=1)).date()


def _values(report: service.Report, tz: ZoneInfo) -> dict[str, str]:
    first, last = report.start.astimezone(tz).date(), _last_day(report, tz)
    return {"from": f"{first.year:04d}-{first.month:02d}",
            "to": f"{last.year:04d}-{last.month:02d}"}


def _page(request: Request, session: Session, access: Access, user: Any,
          report: service.Report | None, values: dict[str, str],
          errors: dict[str, str] | None = None, status: int = 200) -> Response:
    context: dict[str, Any] = {
        "user": user, "access": access, "workspace": access.workspace,
        "nav": nav(session, access, "report"), "values": values, "errors": errors or {},
        "report": report, "min_group": service.MIN_GROUP, "max_months": service.MAX_MONTHS,
        "group_words": service.group_words, "too_few": service.too_few_words(),
        "month_label": _month_label,
        "streaks": streak_service.streaks(session=session, access=access, now=datetime.now(UTC)),
    }
    if report is not None:
        tz = ZoneInfo(report.timezone)
        context.update({
            "charts": _charts(report), "months": shown_months(report),
            "answer": service.answer_words(report.verdict, i18n.number),
            "first_day": report.start.astimezone(tz).date(),
            "last_day": _last_day(report, tz),
            "rhythm_first": report.rhythm_start.astimezone(tz).date(),
            "rhythm_last": (report.rhythm_end.astimezone(tz) - timedelta(days=1)).date(),
        })
    return render(request, "report.html", context, status_code=status)


def _asked(first: str, last: str, tz: ZoneInfo,
           errors: dict[str, str]) -> tuple[datetime | None, datetime | None]:
    start_month, end_month = _month(first, "from", errors), _month(last, "to", errors)
    if errors or (start_month is None and end_month is None):
        return None, None
    if start_month is None or end_month is None:
        errors["from" if start_month is None else "to"] = _("Pick both months, or neither.")
        return None, None
    return service.month_range(start_month, end_month, tz)


def _build(session: Session, access: Access, first: str, last: str
           ) -> tuple[service.Report | None, dict[str, str], dict[str, str]]:
    tz = ZoneInfo(access.workspace.timezone)
    values = {"from": first, "to": last}
    errors: dict[str, str] = {}
    try:
        start, end = _asked(first, last, tz, errors)
        if errors:
            return None, values, errors
        report = service.give_ask_report(session=session, access=access, start=start,
                                         end=end, now=datetime.now(UTC))
    except AppError as exc:
        errors.update({PAGE_FIELD.get(e.field, e.field): e.message for e in exc.errors})
        return None, values, errors or {"to": exc.detail}
    return report, _values(report, tz), errors


# Long enough for anything a person types: a longer value is refused next to
# its field by _month, not by the query's own check.
FromQuery = Annotated[str, Query(alias="from", max_length=200)]
ToQuery = Annotated[str, Query(alias="to", max_length=200)]


@router.get("/report", response_class=HTMLResponse)
def report_page(request: Request, access: WebAccess, user: CurrentUser, session: SessionDep,
                first: FromQuery = "", last: ToQuery = "") -> Response:
    report, values, errors = _build(session, access, first, last)
    return _page(request, session, access, user, report, values, errors,
                 status=422 if errors else 200)


@router.get("/report.csv")
def report_csv(request: Request, access: WebAccess, user: CurrentUser, session: SessionDep,
               first: FromQuery = "", last: ToQuery = "",
               separator: Annotated[str, Query(max_length=20)] = "") -> Response:
    report, values, errors = _build(session, access, first, last)
    try:
        delimiter = service.csv_separator(separator)
    except AppError as exc:
        report, errors = None, {**errors, "separator": exc.errors[0].message}
    if report is None:
        return _page(request, session, access, user, None, values, errors, status=422)
    tz = ZoneInfo(report.timezone)
    name = service.csv_filename(access.workspace.name, report.start, report.end, tz)
    return Response(service.to_csv(service.as_dict(report, i18n.number), delimiter),
                    media_type=service.MEDIA_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "private, no-store"})
