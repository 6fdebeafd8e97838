"""The board token file (`paperclip.board`): made with mode 0600 and kept, one token however many
processes make it at once, never half-read, and sent only to an API on this machine."""

import multiprocessing
import stat
from pathlib import Path

import pytest

from paperclip import board

ROUNDS = 40
RACERS = 6


def test_the_token_is_made_once_with_mode_0600_and_kept(tmp_path: Path) -> None:
    home = tmp_path / "new" / "home"
    assert board.read_token(home) is None
    token = board.ensure_token(home)
    path = home / "board.token"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert board.is_board_token(token) and len(token) == len("pcb_") + 64
    assert path.read_text().strip() == token
    assert board.ensure_token(home) == token and board.read_token(home) == token
    assert [p.name for p in home.iterdir()] == ["board.token"]  # no temporary file left behind
    assert board.ensure_token(tmp_path / "other") != token


def _race(root: str, barrier: "multiprocessing.synchronize.Barrier", out: "multiprocessing.Queue[list[str]]") -> None:
    tokens = []
    for n in range(ROUNDS):
        barrier.wait()  # every racer starts each round together
        try:
            tokens.append(board.ensure_token(Path(root) / str(n)))
        except board.BoardTokenError as err:  # e.g. it read a file another racer had half written
            tokens.append(f"error: {err}")
    out.put(tokens)


def test_processes_making_it_at_once_end_with_one_token(tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(RACERS)
    out: multiprocessing.Queue[list[str]] = spawn.Queue()
    racers = [spawn.Process(target=_race, args=(str(tmp_path), barrier, out)) for _ in range(RACERS)]
    for racer in racers:
        racer.start()
    results = [out.get(timeout=120) for _ in racers]
    for racer in racers:
        racer.join(30)
        assert racer.exitcode == 0
    for n in range(ROUNDS):
        seen = {tokens[n] for tokens in results}
        assert seen == {(tmp_path / str(n) / "board.token").read_text().strip()}, n


def test_a_damaged_file_is_an_error_that_names_the_file_not_its_content(tmp_path: Path) -> None:
    (tmp_path / "board.token").write_text("pcb_not-a-token-at-all\n")
    with pytest.raises(board.BoardTokenError) as raised:
        board.ensure_token(tmp_path)
    assert str(tmp_path / "board.token") in str(raised.value) and "not-a-token" not in str(raised.value)


def test_a_client_sends_the_board_token_only_to_an_api_on_this_machine(tmp_path: Path) -> None:
    token = board.ensure_token(tmp_path)

    def sent(url: str, **kwargs: str | None) -> str | None:
        return board.bearer_for(url, home=tmp_path, **{"api_key": None, **kwargs})

    for local in ("http://127.0.0.1:8000", "http://localhost:8000/", "http://[::1]:8000", "http://0.0.0.0:8000"):
        assert sent(local) == token, local
    assert sent("http://10.1.2.3:8000", own_host="10.1.2.3") == token  # where this home's API listens
    for remote in ("http://10.1.2.3:8000", "https://paperclip.example.com", "http://127.0.0.1.example.com", "x"):
        assert sent(remote) is None, remote
    # An API key wins; inside an agent's turn its task token does (it acts for the agent, not the board).
    assert sent("http://127.0.0.1:8000", api_key="pck_x_y") == "pck_x_y"
    assert sent("http://127.0.0.1:8000", task_token="ptt1.a.b") == "ptt1.a.b"
    assert sent("https://paperclip.example.com", api_key="pck_x_y") == "pck_x_y"
    assert board.bearer_for("http://127.0.0.1:8000", api_key=None, home=tmp_path / "none") is None


def test_tokens_compare_whole() -> None:
    token = "pcb_" + "a" * 64
    assert board.matches(token, token)
    assert not board.matches(token[:-1] + "b", token)
    assert not board.matches(token[:-1], token) and not board.matches(token + "a", token)
