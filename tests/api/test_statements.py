"""Monthly statements: each app's cost in a month, as data, HTML and PDF; bad months refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from billing import statements

from .test_usage import DEFAULT

CPU, MEMORY = 7.5 * DEFAULT["cpu"], 7.5 * DEFAULT["memory"]  # A's task this month (support.py)
MONTH = f"{datetime.now(UTC):%Y-%m}"


def test_the_statement_lists_each_apps_cost_of_the_month(trio, objects_a):
    # when bob, a member, asks for this month's statement
    body = trio.bob.api.get("/api/v1/statements/", {"month": MONTH}).json()
    # then A's app is on it with its CPU and memory cost, the month still running
    (line,) = body["results"]
    assert (line["app_id"], line["app"]) == (objects_a.app.id, objects_a.app.name)
    assert (line["cpu"], line["memory"], line["gpu"]) == (pytest.approx(CPU), pytest.approx(MEMORY), 0)
    assert body["total_cost"] == pytest.approx(CPU + MEMORY) and body["complete"] is False
    assert (body["month"], body["workspace"]) == (MONTH, trio.alice.workspace.name)
    # and a month without usage is an empty statement, complete
    empty = trio.bob.api.get("/api/v1/statements/", {"month": "2020-02"}).json()
    assert (empty["results"], empty["total_cost"], empty["complete"]) == ([], 0, True)
    assert (empty["start"], empty["end"]) == ("2020-02-01T00:00:00Z", "2020-03-01T00:00:00Z")


def test_the_statement_as_html_and_pdf(trio, objects_a):
    # when alice opens the statement as a page, and downloads it as a PDF
    page = trio.alice.api.get("/api/v1/statements/html/", {"month": MONTH})
    document = trio.alice.api.get("/api/v1/statements/pdf/", {"month": MONTH})
    # then both name the app and its cost, the total, and the month
    assert page.status_code == 200 and page["Content-Type"].startswith("text/html")
    text = page.content.decode()
    total = statements.money(CPU + MEMORY)
    assert objects_a.app.name in text and f"<td>Total</td><td></td><td></td><td></td><td>{total}</td>" in text
    assert document.status_code == 200 and document["Content-Type"] == "application/pdf"
    assert f"skylift-statement-{trio.alice.workspace.id}-{MONTH}.pdf" in document["Content-Disposition"]
    pdf_text = PdfReader(io.BytesIO(document.content)).pages[0].extract_text()
    assert objects_a.app.name in pdf_text and "Total" in pdf_text and total in pdf_text
    assert f"Skylift statement: {trio.alice.workspace.name}" in pdf_text


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "december", "0000-01"])
def test_a_month_that_is_not_yyyy_mm_is_refused(trio, month):
    for path in ("/api/v1/statements/", "/api/v1/statements/html/", "/api/v1/statements/pdf/"):
        refused = trio.alice.api.get(path, {"month": month})
        assert refused.status_code == 400, (path, month)
        assert refused.json()["error"]["field"] == "month"
