"""A C2SP tlog-witness: verifies each new checkpoint of the logs it follows and cosigns it.

It keeps, per log, the latest checkpoint it cosigned, and cosigns a new one only
with a consistency proof from that one: a log that shows two different trees
cannot get both cosigned.  The checks are those of the pure `glassbox.tlog` core.
"""

from glassbox.witness._app import SIZE_MEDIA_TYPE, create_witness_app
from glassbox.witness._keyfile import DATABASE_FILE, KEY_FILE, init_witness_dir, load_cosigner
from glassbox.witness._request import (
    MAX_BODY_BYTES,
    MAX_PROOF_LINES,
    AddCheckpoint,
    parse_add_checkpoint,
)
from glassbox.witness._store import Evidence, Witnessed, WitnessStore
from glassbox.witness._witness import OldSizeMismatch, Witness

__all__ = [
    "DATABASE_FILE",
    "KEY_FILE",
    "MAX_BODY_BYTES",
    "MAX_PROOF_LINES",
    "SIZE_MEDIA_TYPE",
    "AddCheckpoint",
    "Evidence",
    "OldSizeMismatch",
    "Witness",
    "WitnessStore",
    "Witnessed",
    "create_witness_app",
    "init_witness_dir",
    "load_cosigner",
    "parse_add_checkpoint",
]
