"""``manage.py screen`` end to end (exchange-format.md, "Command line").

Spec: "python manage.py screen FILE [FILE ...] (- reads standard input) evaluates each
document without touching the database and prints, for each, one result document as a
single line of JSON (JSON Lines). A refused document prints {"format":
"alter-screening-result/1", "file": "...", "errors": [...]} in its place; the command then
exits with status 2 after processing all files; otherwise 0."

Run in-process (``call_command``; pytest-django refuses any database access in these
unmarked tests) and as a real process with DATABASE_URL pointing at a server that does not
exist. Paths are found from this file: ``shared/`` lies beside the checkout.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from screening import exchange
from screening.exchange import encode, screen
from screening.management.commands.screen import Command
from tests.exchange.conftest import EXAMPLE_PATH, EXAMPLES, REPO_ROOT, example, example_with

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
NO_DATABASE = "postgres://nobody:x@127.0.0.1:1/none"


def test_examples_found_beside_the_checkout() -> None:
    assert EXAMPLE_PATH in EXAMPLE_FILES


def run_in_process(*files: str | Path) -> tuple[list[dict[str, Any]], int]:
    """(the JSON lines printed, exit status) of ``manage.py screen files``, in-process."""
    out = io.StringIO()
    status = 0
    try:
        call_command("screen", *map(str, files), stdout=out, stderr=io.StringIO())
    except CommandError as error:
        status = error.returncode
    return lines_of(out.getvalue()), status


def run_process(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """``python manage.py screen args`` as its own process, with no reachable database."""
    env = {**os.environ, "DATABASE_URL": NO_DATABASE}
    return subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", "screen", *map(str, args)],
        cwd=REPO_ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        timeout=120,
        check=False,
    )


def lines_of(output: str) -> list[dict[str, Any]]:
    """The JSON Lines of ``output``: every line one JSON object, none blank."""
    assert output.endswith("\n"), repr(output[-80:])
    lines = output.splitlines()
    assert all(line.strip() for line in lines), output
    parsed = [json.loads(line) for line in lines]
    assert all(isinstance(item, dict) for item in parsed)
    return parsed


def expected_line(path: Path) -> dict[str, Any]:
    result, _ = screen(path.read_bytes(), today=timezone.localdate(), file=str(path))
    data = json.loads(encode(result))
    assert isinstance(data, dict)
    return data


def assert_refusal(line: dict[str, Any], file: str | Path) -> set[str]:
    """``line`` is a refusal of ``file``; the paths it names."""
    assert set(line) == {"format", "file", "errors"}, line
    assert line["format"] == "alter-screening-result/1"
    assert line["file"] == str(file)
    assert line["errors"]
    for error in line["errors"]:
        assert set(error) == {"path", "message"}
        assert error["message"]
    return {error["path"] for error in line["errors"]}


@pytest.fixture
def refused_file(tmp_path: Path) -> Path:
    path = tmp_path / "refused.json"
    path.write_text(json.dumps(example_with({"/patient/age": 44})), encoding="utf-8")
    return path


# --- in-process ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=[p.name for p in EXAMPLE_FILES])
def test_each_example_screened_as_one_line_exit_0(path: Path) -> None:
    lines, status = run_in_process(path)
    assert status == 0
    assert lines == [expected_line(path)]
    assert lines[0]["format"] == "alter-screening-result/1"
    if path.name.startswith("eligible-"):
        assert lines[0]["status"] == "eligible"


def test_all_examples_one_line_per_document_in_argument_order() -> None:
    lines, status = run_in_process(*EXAMPLE_FILES, *EXAMPLE_FILES)
    assert status == 0
    assert lines == [expected_line(path) for path in [*EXAMPLE_FILES, *EXAMPLE_FILES]]


def test_spec_example_result_line() -> None:
    (line,), status = run_in_process(EXAMPLE_PATH)
    assert status == 0
    assert line["screening_id"] == "IPC-0007"
    assert line["status"] == "eligible"
    assert line["crcl_ml_min"] == 93.6
    assert len(line["criteria"]) == 32


def test_refused_document_printed_in_its_place_and_valid_one_after_it_exit_2(refused_file: Path) -> None:
    lines, status = run_in_process(refused_file, EXAMPLE_PATH)
    assert status == 2
    assert len(lines) == 2
    assert assert_refusal(lines[0], refused_file) == {"/patient/age"}
    assert lines[1] == expected_line(EXAMPLE_PATH)


def test_refused_document_between_valid_ones_all_processed(refused_file: Path) -> None:
    lines, status = run_in_process(EXAMPLE_PATH, refused_file, EXAMPLE_PATH)
    assert status == 2
    assert [line.get("status") for line in lines] == ["eligible", None, "eligible"]
    assert_refusal(lines[1], refused_file)


def test_refusal_lists_every_error_of_the_document(tmp_path: Path) -> None:
    path = tmp_path / "several.json"
    path.write_text(json.dumps(example_with({"/site": "XYZ", "/ecog": 5, "/labs/0/unit": "g/dl"})), encoding="utf-8")
    (line,), status = run_in_process(path)
    assert status == 2
    assert assert_refusal(line, path) == {"/site", "/ecog", "/labs/0/unit"}


@pytest.mark.parametrize(
    ("content", "path"),
    [
        (b"{not json", ""),
        (b"[]", ""),
        (b'{"format": "alter-screening/1", "site": "IPC"}', "/assessment_date"),
        (b'{"format": "alter-screening/1", "bogus": 1,', ""),
        (b'{"format": "alter-screening/1", "site": "IPC", "assessment_date": "2026-03-10", "ecog": 1e999}', "/ecog"),
    ],
    ids=["malformed", "not-an-object", "missing-key", "truncated-after-unknown-key", "number-beyond-float-range"],
)
def test_bad_file_refused_in_its_place(tmp_path: Path, content: bytes, path: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    lines, status = run_in_process(bad, EXAMPLE_PATH)
    assert status == 2
    assert assert_refusal(lines[0], bad) == {path}
    assert lines[1]["status"] == "eligible"


def test_unreadable_file_refused_in_its_place_and_the_others_processed(tmp_path: Path) -> None:
    missing = tmp_path / "does-not-exist.json"
    lines, status = run_in_process(missing, EXAMPLE_PATH)
    assert status == 2
    assert_refusal(lines[0], missing)
    assert lines[1]["status"] == "eligible"


def test_jsonl_file_holds_one_document_per_line(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    documents = [example(), example_with({"/screening_id": "IGR-0002", "/site": "IGR", "/ecog": 2})]
    path.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    lines, status = run_in_process(path)
    assert status == 0
    assert [(line["screening_id"], line["status"]) for line in lines] == [
        ("IPC-0007", "eligible"),
        ("IGR-0002", "ineligible"),
    ]


def test_jsonl_refused_line_in_its_place_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    documents = [example(), example_with({"/patient/age": 44}), example_with({"/screening_id": "IPC-0008"})]
    path.write_text("\n".join(json.dumps(d) for d in documents) + "\n", encoding="utf-8")
    lines, status = run_in_process(path, EXAMPLE_PATH)
    assert status == 2
    assert len(lines) == 4
    assert lines[0]["screening_id"] == "IPC-0007"
    assert set(lines[1]) == {"format", "file", "errors"}
    assert str(path) in lines[1]["file"]  # the file, and which line of it
    assert [e["path"] for e in lines[1]["errors"]] == ["/patient/age"]
    assert lines[2]["screening_id"] == "IPC-0008"
    assert lines[3]["screening_id"] == "IPC-0007"


def test_stdin_dash_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(EXAMPLE_PATH.read_bytes()), encoding="utf-8"))
    lines, status = run_in_process("-")
    assert status == 0
    assert lines == [expected_line(EXAMPLE_PATH)]


def test_save_option_is_known() -> None:
    # Spec: "--save also stores each valid document as a screening". Parsing the option
    # touches no database.
    options = Command().create_parser("manage.py", "screen").parse_args(["--save", str(EXAMPLE_PATH)])
    assert options.save is True


# --- as its own process, without a database ---------------------------------------------


def test_process_screens_every_example_without_a_database() -> None:
    done = run_process(*EXAMPLE_FILES)
    assert done.returncode == 0, done.stderr.decode()
    lines = lines_of(done.stdout.decode())
    assert lines == [expected_line(path) for path in EXAMPLE_FILES]


def test_process_refused_then_valid_exit_2_after_both(refused_file: Path) -> None:
    done = run_process(refused_file, EXAMPLE_PATH)
    assert done.returncode == 2, done.stderr.decode()
    lines = lines_of(done.stdout.decode())
    assert len(lines) == 2
    assert assert_refusal(lines[0], refused_file) == {"/patient/age"}
    assert lines[1] == expected_line(EXAMPLE_PATH)
    assert b"Traceback" not in done.stderr


def test_process_reads_stdin_for_dash() -> None:
    done = run_process("-", stdin=EXAMPLE_PATH.read_bytes())
    assert done.returncode == 0, done.stderr.decode()
    (line,) = lines_of(done.stdout.decode())
    assert line == expected_line(EXAMPLE_PATH)


def test_process_stdin_refusal_names_dash() -> None:
    done = run_process("-", EXAMPLE_PATH, stdin=json.dumps(example_with({"/site": "XYZ"})).encode())
    assert done.returncode == 2, done.stderr.decode()
    lines = lines_of(done.stdout.decode())
    assert assert_refusal(lines[0], "-") == {"/site"}
    assert lines[1]["status"] == "eligible"


def test_process_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        "\n".join(json.dumps(example_with({"/screening_id": f"IPC-{n:04}"})) for n in range(1, 4)), encoding="utf-8"
    )
    done = run_process(path)
    assert done.returncode == 0, done.stderr.decode()
    assert [line["screening_id"] for line in lines_of(done.stdout.decode())] == ["IPC-0001", "IPC-0002", "IPC-0003"]


def test_control_the_database_of_these_processes_is_unreachable() -> None:
    # Without this control, the tests above would prove nothing if DATABASE_URL were ignored.
    env = {**os.environ, "DATABASE_URL": NO_DATABASE}
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [sys.executable, "manage.py", "migrate", "--check"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert b"127.0.0.1" in done.stderr or b"connect" in done.stderr.lower()


# --- one bad document never stops the others (issue 9) ------------------------------------

HOSTILE = {
    "deep.json": b"[" * 100_000,
    "unknown-deep.json": b'{"format": "alter-screening/1", "x": ' + b'{"y": ' * 1000 + b"1" + b"}" * 1000 + b"}",
    "not-utf8.json": json.dumps(example()).encode().replace(b'"MD"', b'"\xff\xfe"'),
    "nan.json": json.dumps(example()).replace('"weight_kg": 63.5', '"weight_kg": NaN').encode(),
    "big.json": b" " * (1024 * 1024 + 1),
}


def _hostile_files(tmp_path: Path) -> list[Path]:
    files = []
    for name, body in HOSTILE.items():
        path = tmp_path / name
        path.write_bytes(body)
        files.append(path)
    return files


def test_hostile_documents_each_refused_and_the_next_answered_in_process(tmp_path: Path) -> None:
    files = _hostile_files(tmp_path)
    args: list[Path] = []
    for path in files:
        args += [path, EXAMPLE_PATH]
    lines, status = run_in_process(*args)
    assert status == 2
    assert len(lines) == 2 * len(files)
    for i, path in enumerate(files):
        assert assert_refusal(lines[2 * i], path)
        assert lines[2 * i + 1] == expected_line(EXAMPLE_PATH)


def test_hostile_documents_as_a_process_exit_2_without_traceback(tmp_path: Path) -> None:
    files = _hostile_files(tmp_path)
    done = run_process(*files, EXAMPLE_PATH)
    assert done.returncode == 2, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    lines = lines_of(done.stdout.decode())
    assert [set(line) == {"format", "file", "errors"} for line in lines] == [True] * len(files) + [False]
    assert lines[-1] == expected_line(EXAMPLE_PATH)


def test_deep_nesting_on_stdin_refused_exit_2() -> None:
    done = run_process("-", stdin=b"[" * 100_000)
    assert done.returncode == 2, done.stderr.decode()
    assert b"Traceback" not in done.stderr
    (line,) = lines_of(done.stdout.decode())
    assert assert_refusal(line, "-") == {"/0/0/0/0/0/0/0/0", ""}


def test_hostile_line_of_a_jsonl_file_refused_in_its_place(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                json.dumps(example()).encode(),
                b"[" * 100_000,
                HOSTILE["nan.json"],
                HOSTILE["not-utf8.json"],
                json.dumps(example()).encode(),
            ]
        )
        + b"\n"
    )
    lines, status = run_in_process(path)
    assert status == 2
    assert [line.get("status") for line in lines] == ["eligible", None, None, None, "eligible"]
    assert [line["file"] for line in lines[1:4]] == [f"{path}:{n}" for n in (2, 3, 4)]


def test_internal_error_on_one_document_is_its_refusal_and_the_others_are_answered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boom = tmp_path / "boom.json"
    boom.write_bytes(EXAMPLE_PATH.read_bytes())
    real_screen = exchange.screen

    def failing_screen(raw: bytes, **kwargs: Any) -> Any:
        if kwargs["file"] == str(boom):
            raise ZeroDivisionError("a bug")
        return real_screen(raw, **kwargs)

    monkeypatch.setattr(exchange, "screen", failing_screen)
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("screen", str(EXAMPLE_PATH), str(boom), str(EXAMPLE_PATH), stdout=out, stderr=err)
    assert failed.value.returncode == 2
    lines = lines_of(out.getvalue())
    assert [line.get("status") for line in lines] == ["eligible", None, "eligible"]
    assert "internal error" in lines[1]["errors"][0]["message"]
    assert "ZeroDivisionError" in err.getvalue()  # the bug is shown, with its traceback


def test_file_name_that_is_not_text_refused_with_a_printable_name(tmp_path: Path) -> None:
    name = os.fsdecode(bytes(tmp_path) + b"/\xff-missing.json")  # POSIX names are bytes: \udcff here
    (line,), status = run_in_process(name)
    assert status == 2
    assert line["file"] == str(tmp_path) + "/\\udcff-missing.json"
