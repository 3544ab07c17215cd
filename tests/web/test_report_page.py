"""The give/ask report page: its two SVG charts with their tables, the figures
of the seeded plan of tests/api/test_report.py, the too-few sentence, the CSV
link and download, the nav link, German with a decimal comma, and a bad month
named next to its field."""

from __future__ import annotations

import re

from tests.api.test_report import seed
from tests.web.test_planner import sign_in

PAGE = "/w/{id}/report?from=2026-01&to=2026-02"


def page_of(client, world, language: str = "en") -> str:  # type: ignore[no-untyped-def]
    response = client.get(PAGE.format(id=world.workspace_id),
                          headers={"Accept-Language": language})
    assert response.status_code == 200, response.text
    return response.text


class TestTheReportPage:
    def test_charts_and_tables(self, client, world, session):
        seed(session, world)
        sign_in(client, world, "viewer")
        page = page_of(client, world)
        assert page.count("<svg class=\"chart\"") == 2
        assert page.count("<title id=\"chart-") == 2 and page.count("<desc id=\"chart-") == 2
        assert 'role="img"' in page and "<script" not in page.split("<main")[-1]
        # The months' table: January's asks 1.4 %, gives 5.0 %; February's gives 8.0 %.
        assert re.search(r"January 2026</th><td>9</td><td>3</td><td>6</td><td>5\.0 %</td>"
                         r"<td>1\.4 %</td>", page)
        # The groups: 0-2 with 2.3 conversions; 6-8 empty (n/a); three too few.
        assert re.search(r"0–2 gives</th><td>5</td><td>5</td><td>2\.3</td><td>1\.3 %</td>", page)
        assert re.search(r"6–8 gives</th><td>0</td><td>0</td><td>n/a</td><td>n/a</td>", page)
        assert page.count("Too few asks with results to conclude anything (fewer than 5).") == 3
        assert "Do our asks do better after more gives?" in page
        assert "Too few asks with results to tell yet" in page
        csv_link = f'href="/w/{world.workspace_id}/report.csv?from=2026-01&amp;to=2026-02"'
        assert csv_link in page

    def test_the_csv_download(self, client, world, session):
        seed(session, world)
        sign_in(client, world, "viewer")
        response = client.get(f"/w/{world.workspace_id}/report.csv?from=2026-01&to=2026-02")
        assert response.status_code == 200
        assert response.content.startswith(b"\xef\xbb\xbf")
        text = response.content.decode("utf-8-sig")
        assert "group,,,0-2,,,,,5,5,2.3,1.3,,,yes," in text

    def test_a_csv_for_german_excel(self, client, world, session):
        seed(session, world)
        sign_in(client, world, "viewer")
        page = page_of(client, world)
        link = (f'href="/w/{world.workspace_id}/report.csv?from=2026-01&amp;to=2026-02'
                '&amp;separator=semicolon"')
        assert link in page
        response = client.get(f"/w/{world.workspace_id}/report.csv?from=2026-01&to=2026-02"
                              "&separator=semicolon")
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        # Semicolons between cells and a decimal comma: what German Excel splits and reads.
        assert "group;;;0-2;;;;;5;5;2,3;1,3;;;yes;" in text
        assert "2.3" not in text

    def test_a_bad_separator_is_named_and_downloads_nothing(self, client, world, session):
        seed(session, world)
        sign_in(client, world, "viewer")
        response = client.get(f"/w/{world.workspace_id}/report.csv?from=2026-01&to=2026-02"
                              "&separator=pipe")
        assert response.status_code == 422
        assert response.headers["content-type"].startswith("text/html")
        assert "The CSV's separator must be , or ;" in response.text

    def test_months_out_of_range_are_named_next_to_their_field(self, client, world):
        sign_in(client, world, "viewer")
        for query, field in (("from=9999-12&to=9999-12", "r-from"),
                             ("from=0001-01&to=0001-12", "r-from"),
                             ("from=2026-01&to=2201-01", "r-to"),
                             ("from=" + "2026-01" * 10 + "&to=2026-02", "r-from")):
            response = client.get(f"/w/{world.workspace_id}/report?{query}")
            assert response.status_code == 422, (query, response.status_code)
            assert f'id="{field}-error"' in response.text, query
            assert "Pick a month" in response.text

    def test_the_rate_axis_says_percent(self, client, world, session):
        seed(session, world)
        sign_in(client, world, "viewer")
        months_chart = page_of(client, world).split('id="chart-months-title"')[1]
        axis = months_chart.split('class="chart-axis"')[1].split("</g>")[0]
        labels = re.findall(r'text-anchor="end">([^<]+)</text>', axis)
        assert len(labels) == 3 and all(label.endswith(" %") for label in labels), labels

    def test_the_nav_links_to_it(self, client, world):
        sign_in(client, world, "viewer")
        calendar = client.get(f"/w/{world.workspace_id}/calendar").text
        assert f'href="/w/{world.workspace_id}/report"' in calendar
        report = client.get(f"/w/{world.workspace_id}/report").text
        assert f'href="/w/{world.workspace_id}/report" aria-current="page"' in report

    def test_german_with_a_decimal_comma(self, client, world, session):
        seed(session, world)
        sign_in(client, world, "viewer")
        page = page_of(client, world, "de")
        assert '<html lang="de">' in page
        assert "Januar 2026" in page
        assert re.search(r"<td>5,0 %</td><td>1,4 %</td>", page)
        assert ">2,3</td>" in page
        assert "Bringen unsere Bitten mehr nach mehr Geben?" in page

    def test_a_bad_month_is_named_at_its_field(self, client, world):
        sign_in(client, world, "viewer")
        response = client.get(f"/w/{world.workspace_id}/report?from=2026-13&to=2026-02")
        assert response.status_code == 422
        assert 'id="r-from-error"' in response.text
        later = client.get(f"/w/{world.workspace_id}/report?from=2026-03&to=2026-01")
        assert later.status_code == 422
        assert 'id="r-to-error"' in later.text
