"""`glassbox init` and `glassbox serve`."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from glassbox.cli._options import DatabaseOpt, DataOpt, node, settings_for
from glassbox.entries import OPERATOR
from glassbox.errors import ConfigError

console = Console(highlight=False, soft_wrap=True)


def init(
    data: DataOpt = None,
    origin: Annotated[
        str | None, typer.Option(help="Log origin, e.g. example.org/glassbox (the key's name).")
    ] = None,
    signing_key: Annotated[
        Path | None,
        typer.Option(help="Import this PRIVATE+KEY+... note signing key instead of generating."),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Create a data directory, settings, a signing key and the database."""
    from glassbox.core import init_data_dir

    key_text = None
    if signing_key is not None:
        try:
            key_text = signing_key.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read --signing-key {signing_key}: {exc.strerror}") from None
        name = key_text.strip().split("+")[2:3]
        if origin is not None and name and name[0] != origin:
            raise ConfigError(f"--origin {origin!r} differs from the key's name {name[0]!r}")
        origin = origin or (name[0] if name else None)
    settings = settings_for(data, origin=origin, database=database)
    result = init_data_dir(settings, signing_key=key_text, database=database)
    console.print(f"Initialised {result.settings.data_dir} for log {result.settings.origin}")
    if result.policy is not None:
        console.print(
            f"Published the default policy {result.policy.hash} (log index "
            f"{result.policy.index}) from {result.policy_dir}"
        )
    console.print("Verifier key (publish it; auditors pass it as --key):")
    console.print(result.verifier_key, soft_wrap=True)
    if result.operator_token:
        console.print("Operator token (shown once; stored only as a hash):")
        console.print(result.operator_token, soft_wrap=True)


def serve(
    data: DataOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [8080].")] = None,
    database: DatabaseOpt = None,
) -> None:
    """Run the HTTP server (log API and services)."""
    import uvicorn

    from glassbox.core import load_signer, tune_gc_for_serving
    from glassbox.web import create_app

    settings = settings_for(data, host=host, port=port, database=database)
    if not settings.key_path.exists():
        raise ConfigError(
            f"setting 'data_dir': {settings.data_dir} is not initialised; run "
            f"`glassbox init --data {settings.data_dir}` first"
        )
    vkey = load_signer(settings).verifier_key()
    base = f"http://{settings.host}:{settings.port}"
    _first_start_demo(data, database, base)
    console.print(f"Glassbox log {settings.origin} on {base}/log")
    console.print(f"Verifier key: {vkey}", soft_wrap=True)
    listening = _listen(settings.host, settings.port)  # before the app starts: a clear error
    app = create_app(settings)
    tune_gc_for_serving()
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level="info", access_log=False
    )
    uvicorn.Server(config).run(sockets=[listening])


def _listen(host: str, port: int) -> socket.socket:
    """A socket bound to `host`:`port` for the server; `ConfigError` if it cannot be."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that name it, and without
    # it every small answer on a kept-alive connection waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ConfigError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}; is another server "
            "running there? Stop it, or choose another port with --port"
        ) from None
    return sock


def _first_start_demo(data: Path | None, database: str | None, base: str) -> None:
    """On the very first start, register a demo client and show a ready request."""
    with node(data, database, publish=True) as opened:
        if opened.clients.all():
            return
        opened.clients.add(
            "demo",
            category="commercial",
            purposes=["accessibility"],
            daily_audio_hours=8,
            by=OPERATOR,
        )
        _, key = opened.clients.create_key("demo", by=OPERATOR)
    console.print("First start: registered client 'demo' (commercial, purpose accessibility).")
    console.print("Its API key (shown once):")
    console.print(key, soft_wrap=True)
    from glassbox.assets import sample_audio_path

    console.print("Transcribe the bundled sample:")
    console.print(
        f"curl {base}/v1/audio/transcriptions -H 'Authorization: Bearer {key}' "
        f"-F file=@{sample_audio_path()} -F model=whisper-1",
        soft_wrap=True,
    )
