"""Monthly statements: each app's cost in one UTC month of a workspace, as data, HTML and PDF.

The figures are the usage report's (`reports.usage` by app, priced at the version each record was
metered at), summed per app and resource; a month still running is the month to date. HTML is a
Django template; PDF is drawn with fpdf2 (pure Python: no system library on the host).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.template.loader import render_to_string

from . import reports

__all__ = ["AppLine", "Statement", "StatementError", "html", "money", "month_range", "pdf", "statement"]

MONTH = re.compile(r"(\d{4})-(\d{2})")


class StatementError(ValueError):
    """A month that is not YYYY-MM."""


@dataclass
class AppLine:
    app_id: str
    app: str
    cpu: float = 0.0
    memory: float = 0.0
    gpu: float = 0.0

    @property
    def total(self) -> float:
        return self.cpu + self.memory + self.gpu


@dataclass
class Statement:
    workspace_id: str
    workspace: str
    month: str  # YYYY-MM
    start: datetime
    end: datetime
    complete: bool  # False: the month is still running (to date)
    generated_at: datetime
    apps: list[AppLine] = field(default_factory=list)

    @property
    def total(self) -> float:
        return sum(line.total for line in self.apps)


def month_range(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a UTC month given as YYYY-MM."""
    match = MONTH.fullmatch(month or "")
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1970:
        raise StatementError(f"month={month!r}: give a month as YYYY-MM (2026-12)")
    year, number = int(match[1]), int(match[2])
    start = datetime(year, number, 1, tzinfo=UTC)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=UTC)
    return start, end


def statement(workspace, month: str, now: datetime | None = None) -> Statement:
    now = now or datetime.now(UTC)
    start, end = month_range(month)
    lines: dict[str, AppLine] = {}
    for row in reports.usage(workspace.id, start=start, end=end, by="app", granularity="day"):
        line = lines.setdefault(row["app_id"], AppLine(app_id=row["app_id"], app=row["app"]))
        kind = row["resource"].split(":", 1)[0]
        setattr(line, kind, getattr(line, kind) + row["cost"])
    return Statement(
        workspace_id=workspace.id,
        workspace=workspace.name,
        month=month,
        start=start,
        end=end,
        complete=now >= end,
        generated_at=now,
        apps=sorted(lines.values(), key=lambda line: (-line.total, line.app)),
    )


def money(value: float) -> str:
    """$12.34; below a cent, two significant digits ($0.0031, $0.000012); the dashboard's rule too."""
    if value == 0 or abs(value) >= 0.01:
        return f"${value:,.2f}"
    digits = min(8, max(4, math.ceil(-math.log10(abs(value))) + 1))
    return f"${value:,.{digits}f}"


def _rows(found: Statement) -> list[list[str]]:
    return [
        [line.app, money(line.cpu), money(line.memory), money(line.gpu), money(line.total)]
        for line in found.apps
    ]


def _title(found: Statement) -> str:
    return f"Skylift statement: {found.workspace}, {found.start:%B %Y}"


def html(found: Statement) -> str:
    return render_to_string(
        "billing/statement.html",
        {
            "s": found,
            "title": _title(found),
            "rows": _rows(found),
            "total": money(found.total),
            "header": ["App", "CPU", "Memory", "GPU", "Total"],
        },
    )


def pdf(found: Statement) -> bytes:
    from fpdf import FPDF

    def latin(text: str) -> str:  # the PDF's core fonts draw Latin-1; other letters show as "?"
        return text.encode("latin-1", "replace").decode("latin-1")

    found = Statement(
        **{
            **found.__dict__,
            "workspace": latin(found.workspace),
            "apps": [AppLine(**{**line.__dict__, "app": latin(line.app)}) for line in found.apps],
        }
    )
    doc = FPDF(format="A4")
    doc.set_title(_title(found))
    doc.set_creator("Skylift")
    doc.add_page()
    doc.set_font("Helvetica", "B", 16)
    doc.cell(0, 10, _title(found), new_x="LMARGIN", new_y="NEXT")
    doc.set_font("Helvetica", size=10)
    span = f"{found.start:%Y-%m-%d} to {found.end:%Y-%m-%d} (UTC)"
    if not found.complete:
        span += f", to date: {found.generated_at:%Y-%m-%d %H:%M} UTC"
    doc.cell(
        0, 6, f"Workspace {found.workspace} ({found.workspace_id}). {span}.", new_x="LMARGIN", new_y="NEXT"
    )
    doc.cell(0, 6, "US dollars, at the prices each usage was metered at.", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    widths = (70, 28, 28, 28, 30)
    header = ("App", "CPU", "Memory", "GPU", "Total")
    doc.set_font("Helvetica", "B", 10)
    for width, text in zip(widths, header, strict=True):
        doc.cell(width, 7, text, border="B", align="L" if text == "App" else "R")
    doc.ln()
    doc.set_font("Helvetica", size=10)
    for row in _rows(found) or [["No usage this month", "", "", "", money(0)]]:
        for index, (width, text) in enumerate(zip(widths, row, strict=True)):
            doc.cell(width, 7, text, align="L" if index == 0 else "R")
        doc.ln()
    doc.set_font("Helvetica", "B", 10)
    doc.cell(sum(widths[:-1]), 8, "Total", border="T")
    doc.cell(widths[-1], 8, money(found.total), border="T", align="R")
    doc.ln()
    return bytes(doc.output())
