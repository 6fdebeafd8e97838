"""`python -m workers.replay` (what `paperclip replay-check` runs): replay workflow histories
against this code's workflows (`WORKFLOWS`) and the deployment's data converter (the payload
codec too, when `PAPERCLIP_PAYLOAD_KEY` is set), one line a history; exit 1 when any does not
replay, or when there is nothing to check. It lives with the workers because only they may
import the workflows (the import-linter contracts)."""

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from paperclip.replay_check import HistoryError, export_histories, export_query, history_files, replay
from paperclip.settings import Settings, bad_settings_exit, get_settings
from paperclip.temporal import connect, data_converter
from workers.main import WORKFLOWS

PROGRAM = "paperclip replay-check"


def parser() -> argparse.ArgumentParser:
    parse = argparse.ArgumentParser(prog=PROGRAM, description=__doc__)
    parse.add_argument("histories", nargs="*", type=Path, help="history JSON files, or folders of them")
    parse.add_argument("--from-temporal", action="store_true", help="export histories from Temporal first")
    parse.add_argument("--company", help="with --from-temporal: only this company's workflows")
    parse.add_argument("--query", help="with --from-temporal: a visibility query (default: the running ones)")
    parse.add_argument("--limit", type=int, default=200, help="with --from-temporal: at most this many")
    parse.add_argument("--save", type=Path, help="with --from-temporal: keep the exported histories here")
    return parse


async def _export(settings: Settings, folder: Path, args: argparse.Namespace) -> list[Path]:
    query = export_query(company=args.company, query=args.query)
    try:
        client = await asyncio.wait_for(connect(settings), timeout=10)
    except Exception as error:  # noqa: BLE001 - not answering, whatever the cause
        raise HistoryError(f"Temporal at {settings.resolved_temporal_address} does not answer ({error})") from None
    written = await export_histories(client, folder, query=query, limit=args.limit)
    print(f"exported {len(written)} histories ({query}) to {folder}")
    return written


async def check(args: argparse.Namespace, settings: Settings) -> int:
    """The exit code: 0 when every history replays, 1 otherwise."""
    if not args.histories and not args.from_temporal:
        raise HistoryError("name history files or folders, or --from-temporal")
    if (args.company or args.query or args.save) and not args.from_temporal:
        raise HistoryError("--company, --query and --save go with --from-temporal")
    files = history_files(args.histories)
    with tempfile.TemporaryDirectory(prefix="paperclip-histories-") as scratch:
        if args.from_temporal:
            files += await _export(settings, args.save or Path(scratch), args)
        if not files:
            raise HistoryError("no histories to replay")
        outcomes = await replay(files, workflows=WORKFLOWS, data_converter=data_converter(settings))
    for outcome in outcomes:
        if outcome.ok:
            print(f"OK    {outcome.name} ({outcome.workflow_type})")
        else:
            print(f"FAIL  {outcome.name} ({outcome.workflow_type}): {outcome.error}")
    bad = sum(not o.ok for o in outcomes)
    print(f"{len(outcomes) - bad} of {len(outcomes)} histories replay" + (f"; {bad} do not" if bad else ""))
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    with bad_settings_exit(PROGRAM):
        settings = get_settings()
    try:
        return asyncio.run(check(args, settings))
    except HistoryError as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
