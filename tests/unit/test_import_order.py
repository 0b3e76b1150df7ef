"""Every module of the web app and the CLI imports on its own, whichever is imported first: a
circular import shows only for the module a process happens to import first (a test importing
omk_web.pages.devoutbox before omk_web.app once found one)."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import pytest

pytestmark = pytest.mark.unit

PACKAGES = ("omk_web", "omk_cli")


def _modules() -> list[str]:
    names = []
    for package in PACKAGES:
        root = importlib.import_module(package)
        names.append(package)
        names += [m.name for m in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")]
    return sorted(names)


@pytest.mark.parametrize("module", _modules())
def test_the_module_imports_first(module: str) -> None:
    package = module.split(".", 1)[0]
    saved = {name: mod for name, mod in sys.modules.items() if name == package or name.startswith(package + ".")}
    for name in saved:
        del sys.modules[name]
    try:
        importlib.import_module(module)
    finally:  # put the originals back: other tests hold references to them
        for name in [n for n in sys.modules if n == package or n.startswith(package + ".")]:
            del sys.modules[name]
        sys.modules.update(saved)
