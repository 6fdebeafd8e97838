"""Any command: the prompt on stdin (or as the last argument), stdout is the answer, exit code 0
is success. It has no session and reports no usage."""

from activities.cli.base import Stream
from paperclip.models import CliConfig


class Process:
    tool = "process"
    default_command: list[str] = []

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        if cli.prompt_on_stdin:
            return list(cli.command) + cli.args, prompt
        return list(cli.command) + cli.args + [prompt], None

    def feed(self, line: str, stream: Stream) -> None:
        stream.events += 1
        stream.last_event = "output"
        stream.raw.append(line)
