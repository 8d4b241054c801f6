# Fixture repositories hold test files of their own (test_main.py, main_test.go …) that are
# data for the probes, not tests of this project.
collect_ignore_glob = ["fixtures/*"]

# Platform probes run against the fake GitHub / Azure DevOps servers.
from tests.fakes.fixtures import azure, github, settings, sleeps  # noqa: E402, F401
