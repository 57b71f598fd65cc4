"""The addon's tree as Odoo's own test runner sees it."""

import ast
import pathlib

ADDON = pathlib.Path(__file__).resolve().parent.parent / "relances_auto"


def test_every_test_module_is_imported_by_the_tests_package():
    """Odoo's runner (--test-enable, OCA CI, runbot) runs only the test
    modules that ``relances_auto/tests/__init__.py`` imports."""
    tests = ADDON / "tests"
    modules = {path.stem for path in tests.glob("test_*.py")}
    tree = ast.parse((tests / "__init__.py").read_text())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert modules - imported == set(), f"not imported by tests/__init__.py: {sorted(modules - imported)}"
