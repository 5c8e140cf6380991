import importlib

import counter


def fresh_module():
    """A new import is what a cold start does."""
    return importlib.reload(counter)


def test_first_invocation_of_an_environment_is_cold():
    module = fresh_module()
    assert module.handler({}, None)["cold_start"] is True


def test_module_state_persists_across_warm_invocations():
    module = fresh_module()
    module.handler({}, None)
    second = module.handler({}, None)
    assert second["cold_start"] is False
    assert second["invocations_in_this_environment"] == 2


def test_a_new_environment_starts_counting_again():
    first = fresh_module().handler({}, None)
    again = fresh_module().handler({}, None)
    assert again["invocations_in_this_environment"] == 1
    assert again["environment_id"] != first["environment_id"]


def test_greeting_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("GREETING", "Bonjour")
    assert fresh_module().handler({}, None)["greeting"] == "Bonjour"


def test_simulated_work_is_capped(monkeypatch):
    slept = []
    monkeypatch.setattr(counter.time, "sleep", slept.append)
    fresh_module().handler({"work_seconds": 60}, None)
    assert slept == [counter.MAX_WORK_SECONDS]
