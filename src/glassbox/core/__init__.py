"""The composition root: one place that builds a running Glassbox from settings.

The server (`glassbox serve`), the CLI commands that need a node, the tests and
the benchmarks all build it here; `init_data_dir` creates a data directory and
publishes the default policy; `open_source` opens a log for an auditor's command.

Names load on first use: an auditor's command that only needs `open_source` does
not pay for importing the server's parts (the services, review, reports).
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
    from glassbox.core._glassbox import Glassbox
    from glassbox.core._init import (
        OPERATOR_TOKEN_PREFIX,
        InitResult,
        init_data_dir,
        install_default_policy,
        policy_dir,
    )
    from glassbox.core._keys import load_pseudonym_key, load_signer
    from glassbox.core._process import tune_gc_for_serving
    from glassbox.core._services import Services, build_services
    from glassbox.core._sources import node_source, open_source

_WHERE = {
    "OPERATOR_TOKEN_PREFIX": "_init",
    "Glassbox": "_glassbox",
    "InitResult": "_init",
    "Services": "_services",
    "build_services": "_services",
    "init_data_dir": "_init",
    "install_default_policy": "_init",
    "load_pseudonym_key": "_keys",
    "load_signer": "_keys",
    "node_source": "_sources",
    "open_source": "_sources",
    "policy_dir": "_init",
    "tune_gc_for_serving": "_process",
}

__all__ = [
    "OPERATOR_TOKEN_PREFIX",
    "Glassbox",
    "InitResult",
    "Services",
    "build_services",
    "init_data_dir",
    "install_default_policy",
    "load_pseudonym_key",
    "load_signer",
    "node_source",
    "open_source",
    "policy_dir",
    "tune_gc_for_serving",
]


def __getattr__(name: str) -> _typing.Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'glassbox.core' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"glassbox.core.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
