"""The build tasks' checkers: each inspects the cloud and reports the first missing piece, with a
hint that gets more specific each time (see ``grading.grade_build``).

One checker per notebook, grouped by part of the workbook; the solutions are in
``notebooks/solutions/``. The notebooks call them through ``helpers.exercises``.
"""

from .data import check_author_index, check_hand_written_message
from .events import check_import_folder, check_throttles_alarm
from .first_steps import (
    check_early_alert,
    check_hello_logging,
    check_reader_role,
    check_rollback,
    check_shout_package,
)
from .operations import (
    check_budget_matches_bill,
    check_required_tag_scp,
    check_teardown_finds_your_table,
)
from .web_app import (
    check_about_page,
    check_echo_route,
    check_health_behaviour,
    check_stylesheet_release,
)

__all__ = [
    "check_about_page",
    "check_author_index",
    "check_budget_matches_bill",
    "check_early_alert",
    "check_echo_route",
    "check_hand_written_message",
    "check_health_behaviour",
    "check_hello_logging",
    "check_import_folder",
    "check_reader_role",
    "check_required_tag_scp",
    "check_rollback",
    "check_shout_package",
    "check_stylesheet_release",
    "check_teardown_finds_your_table",
    "check_throttles_alarm",
]
