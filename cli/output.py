"""How the CLI prints: a console as wide as the terminal (or unbounded in a pipe), tables that
keep every cell's full text at any width, and `--json` for the commands that list or show.

A table never clips: at 80 columns its short columns (ids, statuses, costs) keep their text on
one line and the long ones (titles, summaries) fold; in a pipe nothing wraps at all, so a row
stays one line for `grep`. `--json` prints the API's answer and nothing else."""

import json
import os
from typing import Annotated, Any

import rich.table
import typer
from rich import box
from rich.console import Console, ConsoleDimensions, ConsoleOptions, RenderResult
from rich.measure import Measurement

PIPE_WIDTH = 4096
"""The console's width when its output is not a terminal (and `COLUMNS` does not say one): wide
enough that no table row or line wraps, so a pipe receives every cell whole."""

FOLD_FLOOR = 8
"""The fewest characters a folding column is left with before a narrower one gives up staying whole."""


ROOMY = 20
"""What a folding column should have at least, before the table gives up its vertical rules."""


class PipeWideConsole(Console):
    """A console the terminal's width on a terminal, `PIPE_WIDTH` in a pipe (rich would take the
    width of the terminal the pipe started from, or 80, and clip tables to it); `COLUMNS` set in
    the environment is the width either way."""

    @property
    def size(self) -> ConsoleDimensions:
        if self._width is None and not self.is_terminal and not os.environ.get("COLUMNS", "").isdigit():
            return ConsoleDimensions(PIPE_WIDTH, super().size.height)
        return super().size

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


class Table(rich.table.Table):
    """A rich table that loses no text to the width it is printed in.

    It keeps whole (one line, never truncated) as many of its narrowest columns as leave every
    other column `FOLD_FLOOR` characters; the others fold their text, wrapping at words and breaking
    a word longer than the column, never cutting it off with an ellipsis. When its rules would leave
    the folding columns less than `ROOMY` characters each, it drops its vertical rules (columns then
    stand two spaces apart: eleven characters more for the text of eight columns)."""

    def __init__(self, *headers: Any, **kwargs: Any) -> None:
        super().__init__(*headers, **kwargs)
        self._asked_frame = (self.box, self.show_edge, self.pad_edge, self.padding)
        self._asked: list[tuple[bool, int | None]] | None = None

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        self.fit(console, options)
        yield from super().__rich_console__(console, options)

    def fit(self, console: Console, options: ConsoleOptions) -> None:
        """Set the frame and each column's wrapping for `options.max_width` (again on every render:
        a table may be printed at two widths; a column's own `no_wrap` and `min_width` stay)."""
        if self._asked is None or len(self._asked) != len(self.columns):
            self._asked = [(column.no_wrap, column.min_width) for column in self.columns]
        self.box, self.show_edge, self.pad_edge, self.padding = self._asked_frame
        natural = [self._natural(console, options, column) for column in self.columns]
        whole = self._whole(natural, options.max_width)
        folding = len(natural) - len(whole)
        left = options.max_width - self._frame_width() - sum(natural[i] for i in whole)
        if self.box is not None and folding and left < ROOMY * folding:
            self.box, self.show_edge, self.pad_edge, self.padding = box.SIMPLE_HEAD, False, False, (0, 1, 0, 0)
            whole = self._whole(natural, options.max_width)
        for index, column in enumerate(self.columns):
            no_wrap, min_width = self._asked[index]
            column.overflow = "fold"
            column.no_wrap = no_wrap or index in whole
            column.min_width = max(min_width or 0, natural[index]) if index in whole else min_width

    def _whole(self, natural: list[int], width: int) -> set[int]:
        """The columns kept whole: the narrowest first, while the others keep `FOLD_FLOOR` each."""
        room = width - self._frame_width()
        whole: set[int] = set()
        for index in sorted(range(len(natural)), key=natural.__getitem__):
            kept = whole | {index}
            rest = sum(min(width, FOLD_FLOOR) for i, width in enumerate(natural) if i not in kept)
            if sum(natural[i] for i in kept) + rest > room:
                break
            whole = kept
        return whole

    def _frame_width(self) -> int:
        """What the rules and the cells' padding take of a row's width."""
        return self._extra_width + sum(self._get_padding_width(index) for index in range(len(self.columns)))

    def _natural(self, console: Console, options: ConsoleOptions, column: rich.table.Column) -> int:
        """The column's width with nothing wrapped: its widest cell, or its header."""
        unbounded = options.update_width(PIPE_WIDTH)
        cells = [*column.cells, column.header] if self.show_header else list(column.cells)
        return max((Measurement.get(console, unbounded, cell).maximum for cell in cells), default=0)


JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the API's answer as JSON (nothing else), for scripts and jq.")
]
"""The `--json` of every command that lists or shows."""


def print_json(answer: Any) -> None:
    """Print an API answer as indented JSON on stdout, with no markup, highlighting or wrapping."""
    typer.echo(json.dumps(answer, indent=2, ensure_ascii=False))
