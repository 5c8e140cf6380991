"""What the notebooks show (a helper's source, excerpts of an example) and how exercises grade."""

import pytest

from helpers import display, grading, tables


def test_show_source_renders_a_helpers_code_with_its_boto3_calls():
    shown = display.show_source(tables.ensure_table).data
    assert shown.startswith("`helpers/tables.py: ensure_table`")
    assert "```python\ndef ensure_table(" in shown and "dynamodb.create_table(" in shown


def test_show_source_refuses_what_has_no_source():
    with pytest.raises(TypeError, match="no Python source"):
        display.show_source(42)


def test_an_excerpt_is_the_named_definitions_read_from_the_file_in_the_order_asked():
    text = display.excerpt("guestbook", "app.py", names=["match_route", "ROUTES"])
    assert text.startswith("def match_route(")
    assert "\n\nROUTES: dict[" in text and '("GET", "/api/health"): health,' in text
    shown = display.show_excerpt("guestbook", "app.py", names=["ROUTES"]).data
    assert shown.startswith("`lambda_examples/guestbook/app.py: ROUTES`\n\n```python\nROUTES")


def test_an_excerpt_includes_decorators_and_can_be_a_line_range():
    assert display.excerpt("guestbook", "app.py", names=["_path_pattern"]).startswith(
        "@functools.cache\ndef _path_pattern(")
    assert display.excerpt("hello", "hello.py", lines=(1, 1)) == (
        display.example_path("hello", "hello.py").read_text().splitlines()[0])


def test_an_excerpt_names_what_the_file_defines_when_asked_for_something_else():
    with pytest.raises(ValueError, match="no top-level nowhere; it has: .*handler"):
        display.excerpt("hello", "hello.py", names=["nowhere"])
    with pytest.raises(ValueError, match="outside it"):
        display.excerpt("hello", "hello.py", lines=(1, 10_000))


QUESTION = grading.Question(ask="a status code", explain="Because.")


def test_a_prediction_is_needed_before_the_experiment_runs(capsys):
    ran = []
    assert not grading.predict_then_run(QUESTION, None, lambda: ran.append(1) or 200)
    assert ran == [] and capsys.readouterr().out.startswith("Not yet: write your prediction")


def test_a_prediction_is_compared_with_what_the_cloud_did_and_explained(capsys):
    assert grading.predict_then_run(QUESTION, 200, lambda: 200)
    assert capsys.readouterr().out == (
        "You predicted 200; the cloud answered 200.\nRight! Because.\n")
    assert not grading.predict_then_run(QUESTION, 404, lambda: 200)
    assert "Not quite. Because." in capsys.readouterr().out


def test_text_predictions_ignore_case_spaces_and_quotes():
    assert grading.same_text(' "Binary/Octet-Stream" ', "binary/octet-stream")
    assert not grading.same_text("text/html", "binary/octet-stream")


def test_build_hints_get_more_specific_for_the_same_missing_piece_then_stay(capsys):
    grading.reset_attempts()

    def steps(first_done):
        yield first_done, ("vague one", "exact one")
        yield False, ("vague two", "exact two")

    for _ in range(3):
        assert not grading.grade_build("t", steps(False), "")
    said = capsys.readouterr().out.splitlines()
    assert said[0].startswith("Not yet: vague one (Run this check again")
    assert said[1:] == ["Not yet: exact one", "Not yet: exact one"]
    grading.grade_build("t", steps(True), "")  # the next piece starts vague again
    assert capsys.readouterr().out.startswith("Not yet: vague two")


def test_a_build_is_correct_only_when_every_piece_is_done_and_stops_at_the_first_missing(capsys):
    checked = []

    def steps():
        checked.append(1)
        yield True, ("",)
        checked.append(2)
        yield True, ("",)

    assert grading.grade_build("done", steps(), "It works.")
    assert capsys.readouterr().out == "Correct! It works.\n" and checked == [1, 2]


def test_an_outcome_is_true_when_correct_and_shows_nothing_in_a_notebook(capsys):
    outcome = grading.verdict(False, "try again")
    assert not outcome and repr(outcome) == "<Outcome: not yet>"
    assert outcome._ipython_display_() is None and grading.verdict(True, "")
