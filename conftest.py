"""Project-wide pytest rules.

A skipped test is not a passed one: pytest-odoo skips every HttpCase without
``--odoo-http`` and Odoo skips browser tours when Chromium or websocket-client
is missing, so any skip makes the run fail.
"""

import os

import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    skipped = terminalreporter.stats.get("skipped", [])
    if skipped:
        terminalreporter.section("SKIPPED TESTS FAIL THIS RUN", sep="!", red=True, bold=True)
        for report in skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            terminalreporter.write_line(f"{report.nodeid}: {reason}", red=True)
    message = os.environ.get("RELANCES_ODOO_SKIPPED")
    if message:
        terminalreporter.section("ODOO SUITE DID NOT RUN", sep="!", red=True, bold=True)
        terminalreporter.write_line(message, red=True, bold=True)
