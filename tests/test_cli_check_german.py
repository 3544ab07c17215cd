"""`giveask check` with German habits: files as German Excel saves them
(``;``, ``15.12.2026 09:00``, cp1252 or a byte order mark), the output in
German (``--lang de`` or the shell's LANG), and slashed dates read day first."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import environment_language
from tests.test_cli_check import giveask_check

HEADER = "channel;scheduled_at;kind;category;text;story;episode"
# Eight gives, then an ask on the ninth day, at 09:00 in Berlin (winter time):
# on rhythm, except that the ask comes one give early for a first ask.
ROWS = [f"Blog;{day:02d}.11.2026 09:00;give;share;Grüße, Tipp Nummer {day};;"
        for day in range(2, 9)] + ["Blog;09.11.2026 09:00;ask;offer;Jetzt 20 % Rabatt, "
                                   "nur heute;;"]


def excel_file(tmp_path: Path, rows: list[str], encoding: str = "cp1252",
               name: str = "plan.csv", header: str = HEADER) -> str:
    """The file as German Excel writes it: CRLF line ends, cp1252 ("CSV") or
    UTF-8 with a byte order mark ("CSV UTF-8")."""
    (tmp_path / name).write_bytes("\r\n".join([header, *rows, ""]).encode(encoding))
    return name


class TestGermanExcelFiles:
    @pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
    def test_semicolons_and_dotted_dates_are_read_in_the_time_zone(self, tmp_path, encoding):
        plan = excel_file(tmp_path, ROWS, encoding)
        result = giveask_check(tmp_path, plan, "--timezone", "Europe/Berlin",
                               "--format", "json")
        assert result.returncode == 0, result.stderr
        body = json.loads(result.stdout)
        assert body["posts"] == 8
        assert body["channels"] == ["Blog"]
        (finding,) = body["findings"]
        assert finding["code"] == "ask_too_early"
        # 09:00 in Berlin in November is 08:00 UTC; the ask is the file's line 9.
        assert finding["start"] == "2026-11-09T08:00:00Z"
        assert finding["post_ids"] == ["row-000009"]

    def test_the_same_plan_with_iso_times_gives_the_same_findings(self, tmp_path):
        german = giveask_check(tmp_path, excel_file(tmp_path, ROWS), "--timezone",
                               "Europe/Berlin", "--format", "json")
        iso_rows = [row.replace(f"{row[5:7]}.11.2026 09:00", f"2026-11-{row[5:7]}T09:00:00")
                    for row in ROWS]
        iso = giveask_check(tmp_path, excel_file(tmp_path, iso_rows, name="iso.csv"),
                            "--timezone", "Europe/Berlin", "--format", "json")
        assert json.loads(german.stdout)["findings"] == json.loads(iso.stdout)["findings"]

    def test_a_bad_dotted_date_names_its_line(self, tmp_path):
        plan = excel_file(tmp_path, [*ROWS, "Blog;31.11.2026 09:00;give;share;x;;"])
        result = giveask_check(tmp_path, plan, "--timezone", "Europe/Berlin")
        assert result.returncode == 2
        assert "plan.csv: line 10, column scheduled_at: '31.11.2026 09:00' is not a real " \
            "date and time" in result.stderr

    def test_the_separator_option_overrides_the_file(self, tmp_path):
        tabbed = excel_file(tmp_path, [r.replace(";", "\t") for r in ROWS], name="tabs.csv",
                            header=HEADER.replace(";", "\t"))
        read = giveask_check(tmp_path, tabbed, "--separator", "tab", "--format", "json")
        assert read.returncode == 0, read.stderr
        assert json.loads(read.stdout)["posts"] == 8
        # A wrong separator reads the whole header as one column.
        wrong = giveask_check(tmp_path, excel_file(tmp_path, ROWS), "--separator", ",")
        assert wrong.returncode == 2
        assert "line 1, column scheduled_at: missing column" in wrong.stderr
        bad = giveask_check(tmp_path, excel_file(tmp_path, ROWS), "--separator", "|")
        assert bad.returncode == 2
        assert "option --separator" in bad.stderr and "tab" in bad.stderr


class TestLanguage:
    def test_lang_de_speaks_german(self, tmp_path):
        plan = excel_file(tmp_path, ROWS)
        result = giveask_check(tmp_path, plan, "--timezone", "Europe/Berlin", "--lang", "de")
        assert result.returncode == 0, result.stderr
        out = result.stdout
        assert "8 Beiträge in 1 Kanal; Vorlage beth_dunn; Zeitzone Europe/Berlin." in out
        assert "Kein --started-on: Kanäle gelten als eingeführt" in out
        assert "Blog: 1 Hinweis" in out
        line = next(x for x in out.splitlines() if "ask_too_early" in x)
        assert line.split()[0] == "WARNUNG"
        assert "Mo., 9. Nov. 2026, 09:00" in line and line.endswith("Zeile 9")
        assert "1 Hinweis – Blockiert: 0, Warnung: 1, Info: 0." in out
        # The finding itself, told in German from the same engine run.
        assert "Geben-Beiträge vor der ersten Bitte des Kanals am Mo., 9. Nov." in out
        assert "the rhythm" not in out

    def test_lang_en_and_the_default_speak_english(self, tmp_path):
        plan = excel_file(tmp_path, ROWS)
        for args in ((), ("--lang", "en")):
            out = giveask_check(tmp_path, plan, "--timezone", "Europe/Berlin", *args).stdout
            assert "8 posts on 1 channel; preset beth_dunn; time zone Europe/Berlin." in out
            assert "WARNING   ask_too_early" in out
            assert "Mon 9 Nov 2026, 09:00  line 9" in out
            assert "1 finding: 0 blocking, 1 warning, 0 info." in out

    @pytest.mark.parametrize(("variables", "german"), [
        ({"LANG": "de_DE.UTF-8"}, True),
        ({"LC_ALL": "de_AT.UTF-8", "LANG": "en_GB.UTF-8"}, True),
        ({"LANGUAGE": "fr:de", "LANG": "en_US.UTF-8"}, True),
        ({"LC_ALL": "C", "LANG": "de_DE.UTF-8"}, False),
        ({"LANG": "fr_FR.UTF-8"}, False),
    ])
    def test_without_lang_the_shell_decides(self, tmp_path, variables, german):
        result = giveask_check(tmp_path, excel_file(tmp_path, ROWS), **variables)
        assert result.returncode == 0, result.stderr
        assert ("Hinweis" in result.stdout) is german, result.stdout

    def test_lang_beats_the_shell(self, tmp_path):
        result = giveask_check(tmp_path, excel_file(tmp_path, ROWS), "--lang", "en",
                               LANG="de_DE.UTF-8")
        assert "1 finding:" in result.stdout

    def test_an_unknown_lang_is_an_invalid_option(self, tmp_path):
        result = giveask_check(tmp_path, excel_file(tmp_path, ROWS), "--lang", "fr")
        assert result.returncode == 2
        assert result.stdout == ""
        assert "error: option --lang: unknown language 'fr' (one of de, en)" in result.stderr
        # In a German shell, the refusal is German; the option and the choices stay.
        german = giveask_check(tmp_path, excel_file(tmp_path, ROWS), "--lang", "xx",
                               LANG="de_DE.UTF-8")
        assert german.returncode == 2
        assert "Fehler: Option --lang: unbekannte Sprache 'xx' (eine von de, en)" \
            in german.stderr

    def test_row_errors_and_the_summary_line_in_german(self, tmp_path):
        plan = excel_file(tmp_path, ["Blog;morgen;werbung;;x;;",
                                     ";03.11.2026 09:00;give;sale;x;;"])
        result = giveask_check(tmp_path, plan, "--lang", "de")
        assert result.returncode == 2
        err = result.stderr
        assert "plan.csv: Zeile 2, Spalte scheduled_at: 'morgen' ist kein Datum mit " \
            "Uhrzeit" in err
        assert "plan.csv: Zeile 2, Spalte kind: 'werbung' ist weder give noch ask" in err
        assert "plan.csv: Zeile 3, Spalte channel: ist leer" in err
        assert "plan.csv: Zeile 3, Spalte category: 'sale' ist keine Kategorie eines " \
            "Geben-Beitrags (share, help, engage, personal, correction)" in err
        assert err.rstrip().endswith("Nichts wurde geprüft.")
        english = giveask_check(tmp_path, plan, "--lang", "en").stderr
        assert "plan.csv: line 2, column kind: 'werbung' is not give or ask" in english
        assert "'sale' is not a category of a give post" in english

    def test_option_errors_in_german(self, tmp_path):
        result = giveask_check(tmp_path, excel_file(tmp_path, ROWS), "--lang", "de",
                               "--fail-on", "info", "--date-order", "ymd")
        assert result.returncode == 2
        assert "Fehler: Option --fail-on: muss blocking oder warning sein" in result.stderr
        assert "Fehler: Option --date-order: muss dmy" in result.stderr

    def test_json_keeps_its_keys_in_german(self, tmp_path):
        english = json.loads(giveask_check(tmp_path, excel_file(tmp_path, ROWS),
                                           "--format", "json").stdout)
        german = json.loads(giveask_check(tmp_path, excel_file(tmp_path, ROWS),
                                          "--format", "json", "--lang", "de").stdout)
        assert german.keys() == english.keys()
        assert [(f["code"], f["start"]) for f in german["findings"]] == \
            [(f["code"], f["start"]) for f in english["findings"]]


class TestSlashedDates:
    # 04/11 and 05/11 read either way; no date in the file settles the order.
    AMBIGUOUS = ["Blog;04/11/2026 09:00;give;share;x;;", "Blog;05/11/2026 09:00;give;share;y;;"]

    def starts(self, result) -> list[str]:  # type: ignore[no-untyped-def]
        assert result.returncode == 0, result.stderr
        return [f["start"][:10] for f in json.loads(result.stdout)["findings"]]

    def test_english_asks_for_the_order_naming_the_option(self, tmp_path):
        result = giveask_check(tmp_path, excel_file(tmp_path, self.AMBIGUOUS), "--lang", "en")
        assert result.returncode == 2
        assert "plan.csv: dates like '04/11/2026' (line 2) read as day/month or month/day; " \
            "choose --date-order: dmy (31/12/2026) or mdy (12/31/2026)" in result.stderr

    def test_german_reads_them_day_first(self, tmp_path):
        # Two gives far apart are one silent gap: its start says which day it is.
        rows = ["Blog;01/11/2026 09:00;give;share;x;;", "Blog;12/11/2026 09:00;give;share;y;;"]
        plan = excel_file(tmp_path, rows)
        german = giveask_check(tmp_path, plan, "--lang", "de", "--format", "json")
        assert self.starts(german) == ["2026-11-01"]
        month_first = giveask_check(tmp_path, plan, "--lang", "de", "--date-order", "mdy",
                                    "--format", "json")
        assert self.starts(month_first) == ["2026-01-11"]

    def test_a_date_that_reads_one_way_settles_the_file_in_any_language(self, tmp_path):
        rows = ["Blog;04/11/2026 09:00;give;share;x;;", "Blog;11/13/2026 09:00;give;share;y;;"]
        result = giveask_check(tmp_path, excel_file(tmp_path, rows), "--lang", "de",
                               "--format", "json")
        assert self.starts(result) == ["2026-04-11"]  # month first, as 11/13 must be


class TestEnvironmentLanguage:
    @pytest.mark.parametrize(("environ", "language"), [
        ({}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "de"}, "de"),
        ({"LANG": "de_CH@euro"}, "de"),
        ({"LANGUAGE": "", "LANG": "de_DE.UTF-8"}, "de"),
        ({"LANGUAGE": "fr_FR:de_DE", "LANG": "en_US.UTF-8"}, "de"),
        ({"LC_MESSAGES": "de_DE.UTF-8", "LANG": "en_US.UTF-8"}, "de"),
        ({"LC_ALL": "C.UTF-8", "LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "ja_JP.UTF-8"}, "en"),
    ])
    def test_as_gettext_reads_it(self, environ, language):
        assert environment_language(environ) == language
