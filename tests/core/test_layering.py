"""The shared kit (`expertnet.core`) imports no domain package: domains build on the kit."""
import ast
from pathlib import Path

import expertnet

SRC = Path(expertnet.__file__).resolve().parent
KIT_MAY_IMPORT = {"expertnet.config", "expertnet.db", "expertnet.core"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name == "expertnet" or name.startswith("expertnet.")}


def _allowed(name: str) -> bool:
    return any(name == ok or name.startswith(ok + ".") for ok in KIT_MAY_IMPORT)


def test_the_kit_imports_no_domain():
    found = {
        f"{path.relative_to(SRC)}: {name}"
        for path in sorted((SRC / "core").rglob("*.py"))
        for name in _imports(path)
        if not _allowed(name)
    }
    assert not found, sorted(found)


def test_the_check_sees_a_domain_import(tmp_path):
    # Control: the same scan reports a kit module that reaches into a domain.
    module = tmp_path / "auth.py"
    module.write_text("from expertnet.members.models import Member\nimport expertnet.db\n", "utf-8")
    assert {name for name in _imports(module) if not _allowed(name)} == {"expertnet.members.models"}
