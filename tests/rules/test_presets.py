from fractions import Fraction

import pytest

from app.errors import Invalid
from app.rules import (
    DEFAULT_PRESET,
    DEFAULT_SEVERITY,
    PARAM_NAMES,
    PRESETS,
    RULE_CODES,
    RuleParams,
    build_params,
    params_as_dict,
    validate_severities,
)


def fields_of(error: Invalid) -> dict[str, str]:
    return {e.field: e.message for e in error.errors}


class TestPresetTable:
    def test_default_is_beth_dunn(self):
        assert DEFAULT_PRESET == "beth_dunn"

    def test_every_preset_names_every_parameter(self):
        assert set(PRESETS) == {
            "beth_dunn",
            "eighty_twenty",
            "four_one_one",
            "five_three_two",
            "rule_of_thirds",
            "jab_jab_jab_right_hook",
        }
        for values in PRESETS.values():
            assert tuple(values) == PARAM_NAMES

    @pytest.mark.parametrize(
        ("preset", "expected"),
        [
            (
                "beth_dunn",
                {
                    "listen_days": 14,
                    "min_gives_before_first_ask": 8,
                    "min_gives_between_asks": 9,
                    "window_days": 7,
                    "max_ask_share": Fraction(1, 5),
                    "min_posts_in_window": 5,
                    "max_gap_days": 7,
                },
            ),
            (
                "eighty_twenty",
                {
                    "run_length": 10,
                    "max_asks_per_run": 2,
                    "window_days": 30,
                    "max_ask_share": Fraction(1, 5),
                    "min_posts_in_window": 5,
                    "min_gives_between_asks": 1,
                },
            ),
            (
                "four_one_one",
                {"run_length": 6, "max_asks_per_run": 1, "min_gives_between_asks": 1},
            ),
            (
                "five_three_two",
                {
                    "run_length": 10,
                    "max_asks_per_run": 1,
                    "min_category_share": {"share": Fraction(1, 2), "personal": Fraction(1, 5)},
                },
            ),
            (
                "rule_of_thirds",
                {
                    "run_length": 9,
                    "max_asks_per_run": 3,
                    "min_category_share": {"share": Fraction(1, 4), "engage": Fraction(1, 4)},
                },
            ),
            (
                "jab_jab_jab_right_hook",
                {"min_gives_between_asks": 3, "max_gives_without_ask": 20},
            ),
        ],
    )
    def test_values_match_the_rules_table_and_leave_the_rest_off(self, preset, expected):
        built = build_params(preset)
        for name in PARAM_NAMES:
            assert getattr(built, name) == expected.get(name), name


class TestOverrides:
    def test_override_changes_one_value_and_keeps_the_rest(self):
        built = build_params("beth_dunn", {"min_gives_between_asks": 5})
        assert built.min_gives_between_asks == 5
        assert built.min_gives_before_first_ask == 8
        assert built.listen_days == 14

    def test_none_turns_a_rule_off(self):
        built = build_params("beth_dunn", {"listen_days": None, "max_ask_share": None})
        assert built.listen_days is None
        assert built.max_ask_share is None
        assert built.window_days == 7

    def test_shares_are_exact_whatever_form_they_come_in(self):
        for given in (0.2, "0.2", "1/5", Fraction(1, 5)):
            assert build_params("beth_dunn", {"max_ask_share": given}).max_ask_share == Fraction(
                1, 5
            )
        assert build_params("beth_dunn", {"max_ask_share": 1}).max_ask_share == 1
        assert build_params("beth_dunn", {"max_ask_share": 0}).max_ask_share == 0

    def test_category_shares_are_parsed_and_ordered(self):
        built = build_params("beth_dunn", {"min_category_share": {"engage": "0.1", "share": 0.3}})
        assert built.min_category_share == {"share": Fraction(3, 10), "engage": Fraction(1, 10)}
        assert list(built.min_category_share) == ["share", "engage"]

    def test_base_params_take_the_place_of_the_preset(self):
        workspace = build_params("four_one_one", {"max_gap_days": 10})
        channel = build_params("beth_dunn", {"run_length": 8}, base=workspace)
        assert channel.run_length == 8
        assert channel.max_gap_days == 10
        assert channel.max_asks_per_run == 1
        assert channel.listen_days is None

    def test_integral_floats_are_whole_numbers(self):
        assert build_params("beth_dunn", {"window_days": 14.0}).window_days == 14

    def test_zero_is_allowed_for_counts(self):
        built = build_params("beth_dunn", {"min_gives_between_asks": 0, "listen_days": 0})
        assert built.min_gives_between_asks == 0
        assert built.listen_days == 0

    def test_preset_maps_are_not_shared_with_profiles(self):
        built = build_params("five_three_two")
        assert built.min_category_share is not PRESETS["five_three_two"]["min_category_share"]


class TestValidation:
    def test_unknown_preset(self):
        with pytest.raises(Invalid) as caught:
            build_params("ninety_ten")
        assert "preset" in fields_of(caught.value)

    def test_unknown_parameter(self):
        with pytest.raises(Invalid) as caught:
            build_params("beth_dunn", {"max_asks": 3})
        assert "overrides.max_asks" in fields_of(caught.value)

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("min_gives_between_asks", -1),
            ("listen_days", 1.5),
            ("listen_days", "14"),
            ("listen_days", True),
            ("window_days", 0),
            ("run_length", 0),
            ("max_gap_days", 0),
            ("max_posts_per_day", 0),
            ("max_gives_without_ask", 0),
            ("listen_days", 10**9),
        ],
    )
    def test_bad_whole_numbers(self, name, value):
        with pytest.raises(Invalid) as caught:
            build_params("beth_dunn", {name: value})
        assert f"overrides.{name}" in fields_of(caught.value)

    @pytest.mark.parametrize("value", [1.2, -0.1, "2/1", "a lot", "1/0", True, [0.2]])
    def test_shares_outside_zero_to_one(self, value):
        with pytest.raises(Invalid) as caught:
            build_params("beth_dunn", {"max_ask_share": value})
        assert "overrides.max_ask_share" in fields_of(caught.value)

    def test_unknown_category_and_bad_category_share_are_named(self):
        with pytest.raises(Invalid) as caught:
            build_params(
                "beth_dunn", {"min_category_share": {"memes": 0.5, "share": 2, "help": 0.5}}
            )
        assert set(fields_of(caught.value)) == {
            "overrides.min_category_share.memes",
            "overrides.min_category_share.share",
        }

    def test_category_shares_must_be_a_map(self):
        with pytest.raises(Invalid) as caught:
            build_params("beth_dunn", {"min_category_share": 0.5})
        assert "overrides.min_category_share" in fields_of(caught.value)

    def test_every_bad_field_is_reported_at_once(self):
        with pytest.raises(Invalid) as caught:
            build_params("nope", {"window_days": -3, "max_ask_share": 5, "colour": "red"})
        assert set(fields_of(caught.value)) == {
            "preset",
            "overrides.window_days",
            "overrides.max_ask_share",
            "overrides.colour",
        }
        assert caught.value.status == 422


class TestSeverities:
    def test_every_code_of_the_rules_page(self):
        assert RULE_CODES == (
            "ask_during_listening",
            "ask_too_early",
            "ask_too_soon",
            "ask_density",
            "ask_run",
            "category_mix",
            "broadcast_only",
            "channel_silent",
            "too_many_posts_per_day",
            "posts_too_close",
            "no_ask_lately",
            "story_out_of_order",
            "story_stalled",
            "story_rushed",
            "story_ask_before_payoff",
        )

    def test_defaults(self):
        # Every rule's, and the team's capacity (a finding of the week, not the posts).
        assert set(DEFAULT_SEVERITY) == {*RULE_CODES, "capacity_exceeded"}
        assert DEFAULT_SEVERITY["ask_density"] == "blocking"
        assert DEFAULT_SEVERITY["no_ask_lately"] == "info"
        assert DEFAULT_SEVERITY["capacity_exceeded"] == "info"
        others = set(RULE_CODES) - {"ask_density", "no_ask_lately"}
        assert {DEFAULT_SEVERITY[code] for code in others} == {"warning"}

    def test_valid_overrides_pass_and_none_means_default(self):
        assert validate_severities(
            {"ask_density": "warning", "no_ask_lately": None, "story_rushed": "info"}
        ) == {"ask_density": "warning", "story_rushed": "info"}

    def test_unknown_code_and_severity(self):
        with pytest.raises(Invalid) as caught:
            validate_severities({"ask_sometimes": "info", "ask_run": "fatal"})
        assert set(fields_of(caught.value)) == {"severities.ask_sometimes", "severities.ask_run"}


class TestParamsAsDict:
    def test_shares_read_back_exactly(self):
        built = build_params(
            "rule_of_thirds", {"max_ask_share": "1/3", "min_category_share": {"share": 0.25}}
        )
        shown = params_as_dict(built)
        assert shown["max_ask_share"] == "1/3"
        assert shown["min_category_share"] == {"share": 0.25}
        assert shown["listen_days"] is None
        again = build_params("rule_of_thirds", shown)
        assert again == built

    def test_every_name_is_present(self):
        assert tuple(params_as_dict(RuleParams())) == PARAM_NAMES
