from tests.fakes.fixtures import azure, github, settings, sleeps  # noqa: F401
