"""Log benchmark: governed appends against a plain bulk insert, audit speed, proof latency.

    .venv/bin/python bench/tlog.py [--entries N] [--writers W] [--postgres URL]

Appends entries of 300 bytes through the real append path (the sequencer, one
entry per call from many concurrent callers) and waits until the background
integrator has signed a checkpoint covering them all. The default run is
several checkpoint intervals long, so the figure is the sustained rate rather
than the wait for one checkpoint tick. In the same run and on the same database
server it times a plain bulk insert of the same rows into a fresh schema
(driver `executemany`, the storage limit: the faster of one transaction and
transactions of 10,000 rows), `verify_log` against the machine's raw SHA-256
rate, and the proof endpoints of a live `glassbox serve`.

Each figure is printed beside its floor from the issue. The script exits 0
whatever it measures (benchmarks do not fail CI) and deletes nothing but its
own temporary directory and the PostgreSQL databases it created.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url

from glassbox.audit import verify_log
from glassbox.core import Glassbox, init_data_dir, open_source, tune_gc_for_serving
from glassbox.settings import load_settings
from glassbox.store import connect, log_entries, migrate

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "example.test/glassbox/bench"
ENTRY_SIZE = 300
BULK_CHUNK = 10_000
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
APPEND_FLOORS = {"SQLite": 20_000, "PostgreSQL": 5_000}
RATIO_FLOORS = {"SQLite": 0.5}  # the issue sets no governed/bulk ratio for PostgreSQL


@dataclass(frozen=True)
class Line:
    """One row of the summary: a measured value and, if the issue sets one, its floor."""

    name: str
    value: float
    unit: str
    floor: float | None = None

    def render(self) -> str:
        shown = f"{self.value:,.2f}" if self.value < 100 else f"{self.value:,.0f}"
        row = f"  {self.name:<42} {shown:>12} {self.unit:<10}"
        if self.floor is not None:
            verdict = "PASS" if self.value >= self.floor else "BELOW"
            row += f" >= {self.floor:<10,g} {verdict}"
        return row.rstrip()


def make_entries(n: int) -> list[bytes]:
    """`n` distinct entries of ENTRY_SIZE bytes: the index, then random padding."""
    pad = os.urandom(ENTRY_SIZE - 8)
    return [i.to_bytes(8, "big") + pad for i in range(n)]


@contextmanager
def pg_database(server: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database on `server`, dropped afterwards."""
    name = f"glassbox_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def database(pg_server: str | None, parent: Path, name: str) -> Iterator[str]:
    """A fresh database: a new SQLite file under `parent`, or a new PostgreSQL database."""
    if pg_server is None:
        yield f"sqlite:///{parent / (name + '.db')}"
    else:
        with pg_database(pg_server) as url:
            yield url


def new_data_dir(data: Path, database_url: str) -> Path:
    settings = load_settings({"data_dir": data, "origin": ORIGIN}, environ={})
    init_data_dir(settings, database=database_url, default_policy=False)
    return data


def governed_append(data: Path, entries: list[bytes], writers: int, window: int) -> float:
    """Entries/s from the first append until a signed checkpoint covers every entry.

    Each writer appends one entry per call, as a gateway request does, and keeps
    up to `window` appends in flight: writers x window concurrent requests.
    """
    node = Glassbox.open(load_settings({"data_dir": data}, environ={}))
    try:
        target = node.log.reader.size() + len(entries)
        node.log.start_background()
        sequencer = node.log.sequencer
        errors: list[BaseException] = []

        def writer(share: list[bytes]) -> None:
            inflight: deque[Future[list[int]]] = deque()
            try:
                for entry in share:
                    if len(inflight) >= window:
                        inflight.popleft().result()
                    inflight.append(sequencer.submit([entry]))
                while inflight:
                    inflight.popleft().result()
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=writer, args=(entries[w::writers],)) for w in range(writers)
        ]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        durable = time.perf_counter() - t0
        if errors:
            raise errors[0]
        while node.log.reader.size() < target:
            time.sleep(0.005)
        integrated = time.perf_counter() - t0
    finally:
        node.close()
    print(f"    durable after {durable:.2f}s, checkpoint covers all after {integrated:.2f}s")
    return len(entries) / integrated


def bulk_insert(
    url: str, entries: list[bytes], *, per_commit: int = 0, core: bool = False
) -> float:
    """Rows/s of a bulk insert of `entries` into a fresh `log_entries`.

    One transaction, or one per `per_commit` rows. By default the rows go straight
    to the driver's `executemany`; `core` sends them through SQLAlchemy Core.
    """
    engine = connect(url)
    try:
        migrate(engine)
        mark = "?" if engine.dialect.name == "sqlite" else "%s"
        sql = f"INSERT INTO log_entries (idx, data) VALUES ({mark}, {mark})"
        if core:
            rows: list = [{"idx": i, "data": e} for i, e in enumerate(entries)]
        else:
            rows = list(enumerate(entries))
        step = per_commit or len(rows)
        t0 = time.perf_counter()
        for first in range(0, len(rows), step):
            with engine.begin() as conn:
                for k in range(first, min(first + step, len(rows)), BULK_CHUNK):
                    chunk = rows[k : min(k + BULK_CHUNK, first + step)]
                    if core:
                        conn.execute(insert(log_entries), chunk)
                    else:
                        conn.exec_driver_sql(sql, chunk)
        elapsed = time.perf_counter() - t0
    finally:
        engine.dispose()
    return len(entries) / elapsed


def storage_run(
    label: str, parent: Path, pg_server: str | None, entries: list[bytes], args: argparse.Namespace
) -> list[Line]:
    """Governed appends and bulk inserts on one kind of database, `args.repeat` times."""
    print(f"{label}: {len(entries):,} appends, {args.writers} writers x {args.window} in flight")
    governed, bulk, core = [], [], []
    for r in range(args.repeat):
        with database(pg_server, parent, f"{label}-{r}") as url:
            data = new_data_dir(parent / f"{label}-log-{r}", url)
            governed.append(governed_append(data, entries, args.writers, args.window))
        with database(pg_server, parent, f"{label}-bulk-{r}") as url:
            one = bulk_insert(url, entries)
        with database(pg_server, parent, f"{label}-bulk10k-{r}") as url:
            chunked = bulk_insert(url, entries, per_commit=BULK_CHUNK)
        bulk.append(max(one, chunked))
        with database(pg_server, parent, f"{label}-core-{r}") as url:
            core.append(bulk_insert(url, entries, core=True))
        print(
            f"    governed {governed[-1]:,.0f}/s, bulk insert {one:,.0f}/s in one transaction, "
            f"{chunked:,.0f}/s in transactions of {BULK_CHUNK:,} (through SQLAlchemy Core "
            f"{core[-1]:,.0f}/s)"
        )
    g, b = statistics.median(governed), statistics.median(bulk)
    return [
        Line(f"{label} appends integrated (median)", g, "entries/s", APPEND_FLOORS[label]),
        Line(f"{label} plain bulk insert (median of best)", b, "rows/s"),
        Line(f"{label} bulk insert via SQLAlchemy Core", statistics.median(core), "rows/s"),
        Line(f"{label} governed / plain bulk insert", g / b, "ratio", RATIO_FLOORS.get(label)),
    ]


def median_of(repeat: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(repeat))


def audit_run(data: Path, entries: list[bytes], repeat: int) -> list[Line]:
    """`verify_log` of the whole log against hashing every leaf in a plain loop."""
    print(f"audit verify of {len(entries):,} entries on SQLite")

    def raw() -> float:
        sha256 = hashlib.sha256
        t0 = time.perf_counter()
        for e in entries:
            sha256(b"\x00" + e).digest()
        return len(entries) / (time.perf_counter() - t0)

    def audit() -> float:
        source = open_source(str(data))
        try:
            t0 = time.perf_counter()
            verified = verify_log(source)
            rate = verified.checkpoint.size / (time.perf_counter() - t0)
        finally:
            source.close()
        return rate

    audited, hashed = median_of(repeat, audit), median_of(repeat, raw)
    print(f"    verify {audited:,.0f} entries/s, raw SHA-256 {hashed:,.0f} leaves/s")
    return [
        Line("audit verify (SQLite data dir)", audited, "entries/s"),
        Line("raw SHA-256 of the same leaves", hashed, "leaves/s"),
        Line("audit verify / raw SHA-256", audited / hashed, "ratio", 0.5),
    ]


def proof_run(data: Path, size: int, requests: int) -> list[Line]:
    """p50/p99 latency of the proof endpoints of a live server, one request at a time."""
    import httpx

    sys.path.insert(0, str(ROOT))
    from tests.live import Server

    print(f"proof latency: {requests:,} requests per endpoint, tree size {size:,}")
    rng = random.Random(1)

    def inclusion() -> dict[str, int]:
        n = rng.randint(1, size)
        return {"index": rng.randrange(n), "size": n}

    def consistency() -> dict[str, int]:
        n = rng.randint(1, size)
        return {"from": rng.randint(1, n), "to": n}

    lines = []
    server = Server(data).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for name, path, params in [
                ("inclusion", "/log/proof/inclusion", inclusion),
                ("consistency", "/log/proof/consistency", consistency),
            ]:
                for _ in range(20):  # warm up the connection and the server
                    client.get(path, params=params()).raise_for_status()
                times = []
                for _ in range(requests):
                    query = params()
                    t0 = time.perf_counter()
                    client.get(path, params=query).raise_for_status()
                    times.append((time.perf_counter() - t0) * 1000)
                cuts = statistics.quantiles(times, n=100)
                print(f"    {name} p50 {cuts[49]:.2f} ms, p99 {cuts[98]:.2f} ms")
                lines += [
                    Line(f"{name} proof p50", cuts[49], "ms"),
                    Line(f"{name} proof p99", cuts[98], "ms"),
                ]
    finally:
        server.stop()
    return lines


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    p.add_argument("--entries", type=int, default=500_000, help="entries per run [500000]")
    p.add_argument("--writers", type=int, default=16, help="concurrent writer threads [16]")
    p.add_argument("--window", type=int, default=256, help="appends in flight per writer [256]")
    p.add_argument("--repeat", type=int, default=3, help="runs per measurement; median [3]")
    p.add_argument("--proof-requests", type=int, default=2000, help="per endpoint [2000]")
    p.add_argument(
        "--postgres",
        default=os.environ.get("GLASSBOX_BENCH_POSTGRES") or None,
        metavar="URL",
        help="also run on this PostgreSQL server, in fresh databases dropped afterwards "
        f"[$GLASSBOX_BENCH_POSTGRES; 1 means {PG_DEFAULT}]",
    )
    args = p.parse_args(argv)
    if args.postgres in ("1", "true", "yes"):
        args.postgres = PG_DEFAULT
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    entries = make_entries(args.entries)
    tune_gc_for_serving()  # as `glassbox serve` does once started
    print(f"glassbox log benchmark: entries of {ENTRY_SIZE} bytes, {os.cpu_count()} CPUs\n")
    lines: list[Line] = []
    with tempfile.TemporaryDirectory(prefix="glassbox-bench-") as tmp:
        parent = Path(tmp)
        lines += storage_run("SQLite", parent, None, entries, args)
        first_log = parent / "SQLite-log-0"
        lines += audit_run(first_log, entries, args.repeat)
        lines += proof_run(first_log, len(entries), args.proof_requests)
        if args.postgres:
            lines += storage_run("PostgreSQL", parent, args.postgres, entries, args)
    print("\nsummary (floors from the issue)")
    for line in lines:
        print(line.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
