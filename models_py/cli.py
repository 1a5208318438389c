"""`nqp`: build the warehouse, query it, write the reports.

    nqp build            full build from an empty build copy, then publish, then the reports (what
                         `make run` does); waits for the build lock if another build runs (--no-wait:
                         fail instead); --no-reports stops after publish (the warehouse is the same)
    nqp sql "select …"   query the published warehouse read-only and print a table
    nqp reports          write reports/ (tables, figures, index.html) from the published warehouse;
                         --language en for English labels (default Chinese, or $NQP_LANGUAGE)
    nqp inbox            check the inbox (data/inbox/ or $NQP_INBOX) without building: print what
                         each file gives, or the first error with its file, line and reason
"""
from __future__ import annotations

import argparse
import os
import sys
import time


def _build(args: argparse.Namespace) -> int:
    from models_py.warehouse import BuildLockBusy, build_lock

    # One build at a time writes the build copy: held from the reset to the publish.
    try:
        with build_lock(wait=not args.no_wait):
            return _build_locked(reports=not args.no_reports)
    except BuildLockBusy as busy:
        print(f"nqp build: {busy}", file=sys.stderr)
        return 75  # EX_TEMPFAIL


def assets_up_to_publish(defs) -> list:
    """Every asset of the build except the reports, which read the published warehouse after publish.
    The dbt steps keep all their models and tests, so dbt runs the same command as in a full build."""
    from dagster import AssetSelection

    after_publish = AssetSelection.assets("published_warehouse").downstream(include_self=False)
    return sorted((AssetSelection.all() - after_publish).resolve(defs.resolve_asset_graph()))


def _build_locked(reports: bool = True) -> int:
    from dagster import DagsterInstance

    from models_py.warehouse import reset_build_copy

    os.environ.setdefault("DAGSTER_HOME", str(_default_dagster_home()))
    os.makedirs(os.environ["DAGSTER_HOME"], exist_ok=True)
    _parse_if_stale("build")  # a model or YAML changed since the last parse: the assets follow it
    from orchestration.definitions import defs  # imported late: it reads the dbt manifest

    started = time.perf_counter()
    reset_build_copy()
    job = defs.resolve_job_def("build_all")
    selection = None if reports else assets_up_to_publish(defs)
    result = job.execute_in_process(
        instance=DagsterInstance.get(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        asset_selection=selection,
    )
    if not result.success:
        for event in result.all_events:
            if event.is_step_failure:
                print(f"FAILED {event.step_key}: {event.step_failure_data.error.message.strip()}", file=sys.stderr)
        _print_quarantine(sys.stderr)  # the error rows that stopped dbt, when the mart got built
        print("build failed; the published warehouse was left as it was", file=sys.stderr)
        return 1
    print(f"build succeeded in {time.perf_counter() - started:.1f}s")
    _print_summary(sys.stdout)
    _print_quarantine(sys.stdout)
    from models_py import config  # the job's report assets wrote them

    print(f"reports in {config.reports_dir()}" if reports else "reports not written (--no-reports)")
    return 0


def _print_summary(stream) -> None:
    """Studies computed or not (and why), index systems not scored, and how real each one's data are."""
    import duckdb

    from models_py import config
    from models_py.build_summary import summary_lines
    from models_py.data.real_only import synthetic_enabled
    from models_py.declarations import load_manifest

    if not synthetic_enabled():
        print("real data only (NQP_SYNTHETIC=off or inbox.yml synthetic: false): nothing generated", file=stream)
    with duckdb.connect(str(config.build_warehouse()), read_only=True) as connection:
        for line in summary_lines(connection, load_manifest()):
            print(line, file=stream)


def _print_quarantine(stream) -> None:
    """The quality flags of the build copy (mart `quarantine`), one line per check and series."""
    import duckdb

    from models_py import config
    from models_py.quarantine import read_quarantine, summarise

    try:
        with duckdb.connect(str(config.build_warehouse()), read_only=True) as connection:
            flags = read_quarantine(connection)
    except duckdb.Error:
        return  # no build copy (the loader failed first): the step failure above says why
    for line in summarise(flags):
        print(line, file=stream)


def _default_dagster_home():
    from models_py import config

    return config.PROJECT_ROOT / ".dagster_home"


def _sql(args: argparse.Namespace) -> int:
    from models_py.warehouse import query_published

    frame = query_published(args.query)
    with_pandas_options = __import__("pandas").option_context(
        "display.max_rows", args.max_rows, "display.max_columns", None, "display.width", 200
    )
    with with_pandas_options:
        print(frame.to_string(index=False))
    return 0


def _parse_if_stale(command: str) -> None:
    """`dbt parse` when a project file is newer than the manifest the command reads, and say so."""
    from models_py import config
    from models_py.manifest.freshness import parse_if_stale

    changed = parse_if_stale()
    if changed:
        print(f"nqp {command}: {len(changed)} dbt project file(s) changed since the last parse (newest: "
              f"{changed[0].relative_to(config.PROJECT_ROOT)}); ran dbt parse", flush=True)


def _reports(args: argparse.Namespace) -> int:
    from models_py.reporting import write_reports

    _parse_if_stale("reports")  # titles, labels and figures are declared in the YAML
    for path in write_reports(lang=args.language):
        print(f"wrote {path}")
    return 0


def _inbox(_: argparse.Namespace) -> int:
    import pandas as pd

    from models_py import config
    from models_py.errors import DataError
    from models_py.ingest import load_inbox
    from models_py.ingest.attributes import yearless_summary
    from models_py.ingest.cities import former_names_summary
    from models_py.ingest.firms import FIRST_TEXT_FIRM_CODE, check_character_summary, failed_check_characters
    from models_py.ingest.inbox import aliased_summary

    inbox = config.data_inbox()
    try:
        result = load_inbox(inbox)
    except DataError as error:
        print(f"nqp inbox: {error}", file=sys.stderr)
        return 1
    report = result.report()
    columns = ["file", "origin", "kind", "rows_read", "cells", "empty_cells", "placeholder_cells", "kept",
               "overridden", "unmapped_indicators"]
    shown = report[columns].assign(unmapped_indicators=report["unmapped_indicators"].str.slice(0, 50))
    with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 250):
        print(shown.to_string(index=False))
    for row in report[report["skipped_rows"] > 0].itertuples():  # declared rules (a CSMAR download's B rows …)
        print(f"{row.file}: {row.skipped_rows} rows left out: {row.skipped_why}")
    inbox_files = set(report.loc[report.origin == "inbox", "file"])
    mine = result.observations[result.observations["source_file"].isin(inbox_files)]
    replaced = result.overridden[result.overridden["kept_file"].isin(inbox_files)
                                 & ~result.overridden["source_file"].isin(inbox_files)]
    print(f"inbox {inbox}: {len(inbox_files)} files, {len(mine)} values "
          f"({', '.join(sorted(mine['series'].unique())) or 'none'}); {len(replaced)} shipped values replaced")
    firms = result.firm_units
    if len(firms):  # the units the firm tables bring (raw.firm_units)
        by_registration_id = firms["unit_code"] >= FIRST_TEXT_FIRM_CODE
        by_id = int(by_registration_id.sum())
        print(f"{len(firms)} firms ({len(firms) - by_id} by stock code, {by_id} by registration id) in "
              f"{firms['province_code'].nunique()} provinces, {int(firms['city_code'].notna().sum())} placed in "
              f"a prefecture city")
        failed = failed_check_characters(firms)
        if failed:  # reported (real exports carry a few); inbox.yml check_characters: error refuses them
            print(check_character_summary(failed, shown=5))
        # GB 32100-2015: a credit code's characters 9-17 are the organisation code; link tables: stock codes
        for ids, what, whose in ((firms[by_registration_id]["linked_ids"].dropna(),
                                  "organisation codes read as the credit codes containing them", "firms"),
                                 (firms[~by_registration_id]["linked_ids"].dropna(),
                                  "registration ids read as listed firms", "stock codes")):
            if len(ids):
                print(f"{what}: {sum(len(i.split()) for i in ids)}, of {len(ids)} {whose} (raw.firm_units.linked_ids)")
    labels = result.unit_attributes
    if len(labels):  # attribute columns (行业代码 …, inbox.yml attributes:), mart unit_attributes
        counts = labels.groupby("attribute").agg(units=("unit_code", "nunique"), labels=("value", "nunique"))
        print("labels per unit and year (raw.unit_attributes): " + ", ".join(
            f"{name} ({row.units} units, {row.labels} distinct)" for name, row in counts.iterrows()))
        yearless = yearless_summary(labels)
        if yearless:
            print(yearless)
    by_source = result.shipped_sources.groupby("source_id").size()
    if len(by_source):
        print("shipped sources (SQL chooses between sources, seeds/reference/source_precedence.csv): "
              + ", ".join(f"{source} {n} values" for source, n in by_source.items()))
    users = result.user_series
    if len(users):  # indicators nothing maps, loaded as series of their own (mart user_series)
        print(f"{len(users)} user series (not in the catalogue; map one under series: in inbox.yml to merge it "
              "into a catalogue series, or list it under skip:):")
        with pd.option_context("display.max_rows", None, "display.width", 250):
            print(users[["series_code", "name_zh", "unit", "n_values", "first_year", "last_year",
                         "first_file"]].to_string(index=False))
    if result.aliased:  # another wording of a catalogue series (seeds/reference/series_aliases.csv)
        print(aliased_summary(result.aliased))
    if result.former_names:  # 襄樊 read as 襄阳市, 富阳市 as 富阳区 …
        print(former_names_summary(result.former_names))
    skipped = [i for f in result.files if f.origin == "inbox" for i in f.unmapped_indicators]
    if skipped:
        print(f"not loaded: {'; '.join(skipped)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nqp", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build = commands.add_parser("build", help="build everything and publish the warehouse")
    build.add_argument("--no-wait", action="store_true", help="fail at once if another build holds the build lock")
    build.add_argument("--no-reports", action="store_true",
                       help="stop after publish: skip the reports (tables, figures, index), e.g. in tests of the warehouse")
    build.set_defaults(handler=_build)
    sql = commands.add_parser("sql", help="query the published warehouse read-only")
    sql.add_argument("query")
    sql.add_argument("--max-rows", type=int, default=200)
    sql.set_defaults(handler=_sql)
    reports = commands.add_parser("reports", help="write reports/ (tables, figures, index) from the published warehouse")
    reports.add_argument("--language", choices=("zh", "en"), default=None,
                         help="labels and notes in Chinese (default) or English; default $NQP_LANGUAGE or zh")
    reports.set_defaults(handler=_reports)
    commands.add_parser("inbox", help="check the inbox without building").set_defaults(handler=_inbox)
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
