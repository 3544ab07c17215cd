"""`giveask check PLAN.csv` as a user runs it: a real process, no database.

Exit codes (the command's docstring): 0 nothing at or above --fail-on, 1
findings at or above it, 2 an invalid file or option (nothing analysed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "docs" / "sample-plan.csv"
HEADER = "channel,scheduled_at,kind,category,text,story,episode\n"


LANGUAGE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def giveask_check(cwd: Path, *args: str, **language: str) -> subprocess.CompletedProcess[str]:
    """The command in a shell that asks for no language but ``language``'s
    variables (LANG="de_DE.UTF-8", say)."""
    env = {k: v for k, v in os.environ.items() if k not in LANGUAGE_VARIABLES}
    env.update({**language, "PYTHONPATH": str(ROOT), "GIVEASK_ENV": "development",
                "GIVEASK_DATABASE_URL": f"sqlite:///{cwd / 'unused.db'}"})
    return subprocess.run([sys.executable, "-m", "app.cli", "check", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


def write(tmp_path: Path, rows: list[str], header: str = HEADER, name: str = "plan.csv") -> str:
    (tmp_path / name).write_text(header + "".join(row + "\n" for row in rows), encoding="utf-8")
    return name


def daily(channel: str, kinds: str, first_day: int = 2, every: int = 1) -> list[str]:
    """A post at 09:00 every `every` days in November 2026 from `first_day`,
    Berlin winter time."""
    rows = []
    for i, kind in enumerate(kinds):
        is_ask = kind == "a"
        rows.append(f"{channel},2026-11-{first_day + every * i:02d}T09:00:00+01:00,"
                    f"{'ask' if is_ask else 'give'},{'offer' if is_ask else 'share'},"
                    f"Post {i + 1},,")
    return rows


def as_json(result: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(result.stdout)


class TestSamplePlan:
    def test_findings_are_grouped_by_channel_and_the_blocking_density_fails(self, tmp_path):
        result = giveask_check(tmp_path, str(SAMPLE))
        assert result.returncode == 1, result.stderr
        out = result.stdout
        assert "35 posts on 2 channel(s); preset beth_dunn" in out
        linkedin = out.index("LinkedIn – Demo Café: no findings")
        instagram = out.index("Instagram – Demo Café: 8 finding(s)")
        assert linkedin < instagram
        block = out[instagram:]
        assert "BLOCKING  ask_density" in block
        assert block.count("ask_too_soon") == 6
        assert "ask_too_early" in block
        # Findings name the file's lines: the Instagram asks are on even lines 24 to 36.
        assert "line 24, 26, 28, 30, 32, 34, 36" in block
        assert "Only 1 give since the last ask on Tue 3 Nov; the rhythm asks for 9." in block
        assert "8 finding(s): 1 blocking, 7 warning, 0 info." in out

    def test_json_gives_the_api_finding_shape(self, tmp_path):
        result = giveask_check(tmp_path, str(SAMPLE), "--format", "json")
        assert result.returncode == 1
        body = as_json(result)
        assert body["preset"] == "beth_dunn"
        assert body["posts"] == 35
        assert body["channels"] == ["LinkedIn – Demo Café", "Instagram – Demo Café"]
        assert body["listening_checked"] is False
        findings = body["findings"]
        assert len(findings) == 8
        for finding in findings:
            assert set(finding) == {"code", "severity", "channel_id", "story_id", "post_ids",
                                    "start", "end", "message", "details"}
            assert finding["start"].endswith("Z") and finding["end"].endswith("Z")
        density = findings[0]
        assert density["code"] == "ask_density"
        assert density["severity"] == "blocking"
        assert density["channel_id"] == "Instagram – Demo Café"
        assert density["post_ids"][:2] == ["row-000024", "row-000026"]
        assert density["start"] == "2026-11-02T11:00:00Z"
        assert density["details"]["max_ask_share"] in (0.2, "1/5", "0.2")
        too_soon = [f for f in findings if f["code"] == "ask_too_soon"]
        assert too_soon[0]["details"] == {"gives_since_last_ask": 1, "required": 9,
                                          "previous_ask_id": "row-000024"}
        keys = [(f["start"], f["code"], f["post_ids"][0]) for f in findings]
        assert keys == sorted(keys)


class TestFailOn:
    def test_warnings_only_fail_with_fail_on_warning(self, tmp_path):
        # Three gives between two asks, a post every other day: never five posts in a
        # week, so no density, only a warning.
        plan = write(tmp_path, daily("Blog", "ggggggggaggga", first_day=1, every=2))
        default = giveask_check(tmp_path, plan)
        assert default.returncode == 0, default.stdout + default.stderr
        assert "WARNING   ask_too_soon" in default.stdout
        strict = giveask_check(tmp_path, plan, "--fail-on", "warning")
        assert strict.returncode == 1
        blocking = giveask_check(tmp_path, plan, "--fail-on", "blocking")
        assert blocking.returncode == 0

    def test_info_does_not_fail_even_with_fail_on_warning(self, tmp_path):
        # 20 gives in a row: jab-jab-jab's no_ask_lately, an info.
        plan = write(tmp_path, daily("Blog", "g" * 20, first_day=1))
        result = giveask_check(tmp_path, plan, "--preset", "jab_jab_jab_right_hook",
                               "--fail-on", "warning", "--format", "json")
        assert result.returncode == 0, result.stderr
        assert [(f["code"], f["severity"]) for f in as_json(result)["findings"]] == \
            [("no_ask_lately", "info")]

    def test_a_clean_plan_passes_both_ways(self, tmp_path):
        plan = write(tmp_path, daily("Blog", "gggggggga"))
        for level in ("blocking", "warning"):
            result = giveask_check(tmp_path, plan, "--fail-on", level)
            assert result.returncode == 0, result.stdout
        assert "Blog: no findings" in result.stdout
        assert "0 finding(s)" in result.stdout

    def test_the_sample_fails_on_warning_too(self, tmp_path):
        assert giveask_check(tmp_path, str(SAMPLE), "--fail-on", "warning").returncode == 1

    def test_a_bad_fail_on_is_an_invalid_option(self, tmp_path):
        result = giveask_check(tmp_path, str(SAMPLE), "--fail-on", "info")
        assert result.returncode == 2
        assert "--fail-on" in result.stderr
        assert result.stdout == ""


class TestInvalidFiles:
    def test_a_missing_column_is_named_on_line_1(self, tmp_path):
        plan = write(tmp_path, ["Blog,2026-11-02T09:00:00Z,share"],
                     header="channel,scheduled_at,category\n")
        result = giveask_check(tmp_path, plan)
        assert result.returncode == 2
        assert "plan.csv: line 1, column kind: missing column" in result.stderr
        assert "Nothing was analysed." in result.stderr
        assert result.stdout == ""

    def test_a_bad_date_names_its_line_and_column(self, tmp_path):
        rows = daily("Blog", "ggggg")  # lines 2 to 6
        rows.append("Blog,2026-11-31T09:00:00+01:00,give,share,Line seven,,")
        plan = write(tmp_path, rows)
        result = giveask_check(tmp_path, plan)
        assert result.returncode == 2
        assert "plan.csv: line 7, column scheduled_at: '2026-11-31T09:00:00+01:00'" \
            in result.stderr
        assert result.stdout == ""

    def test_kind_promo_is_refused(self, tmp_path):
        plan = write(tmp_path, ["Blog,2026-11-02T09:00:00Z,promo,,Buy,,"])
        result = giveask_check(tmp_path, plan)
        assert result.returncode == 2
        assert "plan.csv: line 2, column kind: 'promo' is not give or ask" in result.stderr

    def test_every_problem_is_listed_at_once(self, tmp_path):
        plan = write(tmp_path, [
            "Blog,2026-11-02T09:00:00Z,give,sale,Wrong category,,",
            "Blog,yesterday,give,share,Bad time,,",
            ",2026-11-04T09:00:00Z,give,share,No channel,,",
            "Blog,2026-11-05T09:00:00Z,give,share,Episode alone,,2",
        ])
        result = giveask_check(tmp_path, plan)
        assert result.returncode == 2
        for where in ("line 2, column category", "line 3, column scheduled_at",
                      "line 4, column channel", "line 5, column story"):
            assert f"plan.csv: {where}:" in result.stderr

    def test_multi_line_text_keeps_physical_line_numbers(self, tmp_path):
        plan = write(tmp_path, [
            'Blog,2026-11-02T09:00:00+01:00,give,share,"A thread:',
            "line two",
            'line three",,',
            "Blog,2026-11-03T09:00:00+01:00,ask,offer,Buy now,,",  # line 5
            'Blog,2026-11-04T09:00:00+01:00,ask,offer,"Again,',
            'really",,',
            "Blog,2026-11-05T09:00:00+01:00,give,memes,x,,",  # line 8
        ])
        result = giveask_check(tmp_path, plan)
        assert result.returncode == 2
        assert "plan.csv: line 8, column category" in result.stderr
        # Fixed, the findings name lines 5 and 6 as the file shows them.
        (tmp_path / plan).write_text(
            (tmp_path / plan).read_text(encoding="utf-8").replace("memes", "share"),
            encoding="utf-8")
        fixed = giveask_check(tmp_path, plan, "--format", "json")
        assert fixed.returncode == 0, fixed.stderr
        findings = {f["code"]: f["post_ids"] for f in as_json(fixed)["findings"]}
        assert findings == {"ask_too_early": ["row-000005"], "ask_too_soon": ["row-000006"]}
        text = giveask_check(tmp_path, plan).stdout
        assert "ask_too_early" in text and "line 5" in text
        assert "ask_too_soon" in text and "line 6" in text

    def test_an_empty_file_is_refused(self, tmp_path):
        (tmp_path / "empty.csv").write_text("", encoding="utf-8")
        result = giveask_check(tmp_path, "empty.csv")
        assert result.returncode == 2
        assert "empty.csv: line 1:" in result.stderr

    def test_a_missing_file_is_refused(self, tmp_path):
        result = giveask_check(tmp_path, "nowhere.csv")
        assert result.returncode == 2
        assert "nowhere.csv" in result.stderr


class TestOptions:
    def test_unknown_preset_is_refused_before_reading(self, tmp_path):
        result = giveask_check(tmp_path, str(SAMPLE), "--preset", "spam_a_lot")
        assert result.returncode == 2
        assert "--preset" in result.stderr and "spam_a_lot" in result.stderr
        assert "beth_dunn" in result.stderr  # the known ones are listed
        assert result.stdout == ""

    @pytest.mark.parametrize(("option", "value"), [("--timezone", "Mars/Olympus"),
                                                   ("--started-on", "someday"),
                                                   ("--format", "xml")])
    def test_other_bad_options_are_refused(self, tmp_path, option, value):
        result = giveask_check(tmp_path, str(SAMPLE), option, value)
        assert result.returncode == 2
        assert option in result.stderr

    def test_another_preset_changes_the_findings(self, tmp_path):
        result = giveask_check(tmp_path, str(SAMPLE), "--preset", "four_one_one",
                               "--format", "json")
        codes = {f["code"] for f in as_json(result)["findings"]}
        assert "ask_run" in codes
        assert "ask_density" not in codes  # 4-1-1 sets no density window
        assert result.returncode == 0  # ask_run is a warning

    def test_times_without_offset_are_read_in_the_time_zone(self, tmp_path):
        plan = write(tmp_path, ["Blog,2026-11-02T09:00:00,give,share,Morning,,"])
        result = giveask_check(tmp_path, plan, "--timezone", "Europe/Berlin", "--format",
                               "json")
        assert result.returncode == 0, result.stderr
        assert as_json(result)["timezone"] == "Europe/Berlin"
        silent = giveask_check(tmp_path, write(tmp_path, [
            "Blog,2026-11-02T09:00:00,give,share,Morning,,",
            "Blog,2026-11-12T09:00:00,give,share,Ten days later,,"], name="gap.csv"),
            "--timezone", "Europe/Berlin", "--format", "json")
        (finding,) = as_json(silent)["findings"]
        assert finding["code"] == "channel_silent"
        assert (finding["start"], finding["end"]) == ("2026-11-02T08:00:00Z",
                                                      "2026-11-12T08:00:00Z")


class TestListening:
    ROWS = daily("Blog", "gggggggga")  # an on-rhythm ask on Tue 10 Nov

    def test_without_started_on_the_listening_check_is_off(self, tmp_path):
        plan = write(tmp_path, self.ROWS)
        result = giveask_check(tmp_path, plan)
        assert result.returncode == 0
        assert "listening check is off" in result.stdout
        assert "ask_during_listening" not in result.stdout
        assert as_json(giveask_check(tmp_path, plan, "--format", "json"))[
            "listening_checked"] is False

    def test_with_started_on_an_early_ask_is_flagged(self, tmp_path):
        plan = write(tmp_path, self.ROWS)
        result = giveask_check(tmp_path, plan, "--started-on", "2026-11-01", "--format", "json")
        assert result.returncode == 0  # a warning
        body = as_json(result)
        assert body["listening_checked"] is True
        assert body["started_on"] == "2026-11-01"
        (finding,) = body["findings"]
        assert finding["code"] == "ask_during_listening"
        assert finding["post_ids"] == ["row-000010"]
        assert finding["details"]["asks_from"] == "2026-11-15"
        text = giveask_check(tmp_path, plan, "--started-on", "2026-11-01")
        assert "listening check is off" not in text.stdout
        assert "ask_during_listening" in text.stdout and "line 10" in text.stdout

    def test_a_start_long_enough_ago_lets_the_ask_through(self, tmp_path):
        plan = write(tmp_path, self.ROWS)
        result = giveask_check(tmp_path, plan, "--started-on", "2026-10-01", "--format", "json")
        assert result.returncode == 0
        assert as_json(result)["findings"] == []
