"""`glassbox report build` (operator) and `glassbox audit report` (anyone)."""

from __future__ import annotations

from typing import Annotated

import typer

from glassbox.cli import _audit
from glassbox.cli._options import DatabaseOpt, DataOpt, node
from glassbox.core import open_source
from glassbox.errors import TamperError

app = typer.Typer(
    rich_markup_mode=None, help="Transparency reports computed from the log.", no_args_is_help=True
)

PeriodOpt = Annotated[str, typer.Option("--period", help="The month, YYYY-MM (UTC).")]


@app.command()
def build(
    period: PeriodOpt,
    band_below: Annotated[
        int | None,
        typer.Option(
            "--band-below",
            min=1,
            help="Show counts from 1 to this minus 1 as a band [the method's default, 10].",
        ),
    ] = None,
    provisional: Annotated[
        bool,
        typer.Option(
            "--provisional",
            help="Build a report of the running month, marked provisional (its figures will "
            "change); a running month is refused without it.",
        ),
    ] = False,
    data: DataOpt = None,
    database: DatabaseOpt = None,
) -> None:
    """Compute a month's figures at the latest checkpoint and append them to the log.

    A month that has not begun is refused; the running month only with --provisional.
    """
    from glassbox.report import BAND_BELOW, MEASURES, PROVISIONAL_NOTE, shown

    with node(data, database) as opened:
        report = opened.build_report(
            period, band_below=band_below or BAND_BELOW, provisional=provisional
        )
    kind = "Provisional report" if report.provisional else "Report"
    typer.echo(
        f"{kind} {report.period} appended at log index {report.index}, computed at checkpoint "
        f"{report.origin} size={report.size} root={report.root}"
    )
    if report.provisional:
        typer.echo(PROVISIONAL_NOTE)
    requests = (report.figures or {}).get("requests", {})
    for measure in MEASURES:
        typer.echo(f"  {measure:<9} {shown(requests.get(measure))}")


def audit(
    log: Annotated[
        str, typer.Argument(metavar="LOG", help="Log base URL (http://host:port/log) or data dir.")
    ],
    period: PeriodOpt,
    key: Annotated[
        str | None, typer.Option("--key", help="The log's verifier key (name+hash+key).")
    ] = None,
    index: Annotated[
        int | None,
        typer.Option("--index", min=0, help="Check this report entry, not the period's latest."),
    ] = None,
) -> None:
    """Recompute a transparency report from the verified log: MATCH, or each differing cell.

    Exits 10 when any cell differs, as for any other failed verification.
    """
    from glassbox.report import audit_report

    source = open_source(log)
    try:
        result = audit_report(source, period, key=key, index=index)
    finally:
        source.close()
    typer.echo(result.summary())
    for difference in result.differences:
        typer.echo(f"  {difference}")
    if not result.matches:
        raise TamperError(
            f"{len(result.differences)} cells of report {result.report.index} ({period}) differ "
            "from the figures recomputed from the log"
        )


# `glassbox audit report`: the auditor's commands live together under `audit`.
_audit.app.command("report")(audit)
