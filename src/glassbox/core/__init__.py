"""The composition root: one place that builds a running Glassbox from settings.

The server (`glassbox serve`), the CLI commands that need a node, the tests and
the benchmarks all build it here; `init_data_dir` creates a data directory and
publishes the default policy; `open_source` opens a log for an auditor's command.
"""

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
from glassbox.core._sources import open_source

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
    "open_source",
    "policy_dir",
    "tune_gc_for_serving",
]
