"""The layers of src/expertnet, read from the code's own imports: the shared kit imports no domain,
and the domains that others build on import none of those above them."""

import ast
from pathlib import Path

import pytest

import expertnet

SRC = Path(expertnet.__file__).resolve().parent
# package -> the expertnet packages and modules it may import (itself included)
MAY_IMPORT = {
    "core": {"config", "db", "core"},
    "members": {"config", "db", "core", "members"},
    "experts": {"config", "db", "core", "members", "experts"},
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.startswith("expertnet.")}


def _forbidden(package: str, path: Path) -> set[str]:
    return {name for name in _imports(path) if name.split(".")[1] not in MAY_IMPORT[package]}


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_lower_layers_import_nothing_above_them(package):
    found = {
        f"{path.relative_to(SRC)}: {name}"
        for path in sorted((SRC / package).rglob("*.py"))
        for name in _forbidden(package, path)
    }
    assert not found, sorted(found)


def test_the_check_sees_a_domain_import(tmp_path):
    # Control: the same scan reports a kit module that reaches into a domain.
    module = tmp_path / "auth.py"
    module.write_text("from expertnet.members.models import Member\nimport expertnet.db\n", "utf-8")
    assert _forbidden("core", module) == {"expertnet.members.models"}
