"""`glassbox receipt verify`: a client proves what it sent, received and was decided."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from glassbox.audit import HttpSource, parse_receipt, verify_receipt
from glassbox.errors import InputError

app = typer.Typer(rich_markup_mode=None, help="Verify receipts.", no_args_is_help=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None


@app.command()
def verify(
    receipt: Annotated[
        Path,
        typer.Argument(metavar="RECEIPT", help="Receipt JSON (or a response body holding one)."),
    ],
    key: Annotated[str, typer.Option("--key", help="The log's verifier key (name+hash+key).")],
    log: Annotated[
        str | None,
        typer.Option(
            "--log",
            help="The log's base URL, e.g. http://host/log: also check the receipt's checkpoint "
            "is consistent with the live log (needed for a receipt without a tlog-proof).",
        ),
    ] = None,
    witness: Annotated[
        list[str] | None,
        typer.Option("--witness", help="A witness's cosigner key (name+hash+key); repeatable."),
    ] = None,
    quorum: Annotated[
        int | None,
        typer.Option("--quorum", min=1, help="Cosignatures required [all --witness keys]."),
    ] = None,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="The file you sent: opens the input commitment.")
    ] = None,
    output_file: Annotated[
        Path | None,
        typer.Option("--output", help="The result you received: opens the output commitment."),
    ] = None,
) -> None:
    """Check the receipt's entry is in the log, and that its commitments open to your files.

    A receipt from GET /v1/receipts/INDEX carries a C2SP tlog-proof and verifies
    offline, with the log's key (and witness keys) alone; --log then also checks
    its checkpoint against the live log. A receipt as sent with a response has
    no proof yet and needs --log.
    """
    parsed = parse_receipt(_read(receipt).decode("utf-8", errors="replace"))
    files = {}
    if input_file is not None:
        files["input"] = _read(input_file)
    if output_file is not None:
        files["output"] = _read(output_file)
    source = HttpSource(log) if log is not None else None
    try:
        result = verify_receipt(
            parsed, source, key=key, files=files, witnesses=witness or (), quorum=quorum
        )
    finally:
        if source is not None:
            source.close()
    typer.echo(result.summary())
