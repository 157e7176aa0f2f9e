"""The pure verification core of the Glassbox transparency log.

Hashing (RFC 6962), compact ranges, inclusion and consistency proofs
(RFC 9162), tiles and entry bundles (C2SP tlog-tiles), signed notes
(C2SP signed-note, Ed25519), checkpoints (C2SP tlog-checkpoint) and witness
cosignatures (C2SP tlog-cosignature).
Nothing here does I/O: callers hand in bytes, or functions that fetch them.
"""

from ._checkpoint import Checkpoint, open_checkpoint, sign_checkpoint
from ._compact import CompactRange, tree_root
from ._cosignature import (
    COSIGNATURE_V1,
    CosignatureVerifier,
    CosignedCheckpoint,
    Cosigner,
    cosign_checkpoint,
    open_cosigned_checkpoint,
    verify_cosignature,
)
from ._hash import (
    EMPTY_ROOT,
    HASH_SIZE,
    NATIVE,
    leaf_hash,
    leaf_hashes,
    leaf_tile,
    node_hash,
    subtree_hash,
    subtree_root,
    subtree_roots,
)
from ._keys import Signer, Verifier
from ._note import Note, NoteSignature, add_signatures, open_note, parse_note, sign_note
from ._proof import (
    NodeReader,
    consistency_proof,
    inclusion_proof,
    root_at,
    verify_consistency,
    verify_inclusion,
)
from ._tiles import (
    MAX_ENTRY_SIZE,
    TILE_HEIGHT,
    TILE_WIDTH,
    TileHashReader,
    TilePath,
    decode_bundle,
    encode_bundle,
    entries_path,
    extend_tiles,
    parse_tile_path,
    tile_path,
    tile_width,
)
from ._tlogproof import PROOF_HEADER, TlogProof
from ._witnesses import WitnessEndpoint, parse_witnesses

__all__ = [
    "COSIGNATURE_V1",
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MAX_ENTRY_SIZE",
    "NATIVE",
    "PROOF_HEADER",
    "TILE_HEIGHT",
    "TILE_WIDTH",
    "Checkpoint",
    "CompactRange",
    "CosignatureVerifier",
    "CosignedCheckpoint",
    "Cosigner",
    "NodeReader",
    "Note",
    "NoteSignature",
    "Signer",
    "TileHashReader",
    "TilePath",
    "TlogProof",
    "Verifier",
    "WitnessEndpoint",
    "add_signatures",
    "consistency_proof",
    "cosign_checkpoint",
    "decode_bundle",
    "encode_bundle",
    "entries_path",
    "extend_tiles",
    "inclusion_proof",
    "leaf_hash",
    "leaf_hashes",
    "leaf_tile",
    "node_hash",
    "open_checkpoint",
    "open_cosigned_checkpoint",
    "open_note",
    "parse_note",
    "parse_tile_path",
    "parse_witnesses",
    "root_at",
    "sign_checkpoint",
    "sign_note",
    "subtree_hash",
    "subtree_root",
    "subtree_roots",
    "tile_path",
    "tile_width",
    "tree_root",
    "verify_consistency",
    "verify_cosignature",
    "verify_inclusion",
]
