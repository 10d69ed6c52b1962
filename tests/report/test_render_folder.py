"""The report folder is written as a whole (surveykit.report.render.write_report): a failure, Ctrl-C,
a full disk or a file-size limit leaves the previous report as it was and no temporary file; a folder
holding the user's files is never replaced."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

import surveykit as sk
from surveykit.errors import OutputError
from surveykit.report import write_report
from tests._tiny import write_tiny

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    return sk.analyze(write_tiny(folder))


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _previous(tiny, out: Path) -> dict[str, bytes]:
    write_report(tiny.results, tiny.manifest, out, formats=("json",))
    (out / "figures").mkdir()
    (out / "figures" / "stale.svg").write_bytes(b"<svg/>")  # a figure an earlier report drew
    return _tree(out)


def test_rewrite_replaces_the_whole_folder(tiny, tmp_path):
    out = tmp_path / "r"
    _previous(tiny, out)
    write_report(tiny.results, tiny.manifest, out, formats=("json",))
    assert sorted(_tree(out)) == ["manifest.json", "results.json"]  # the stale figure went with the old folder
    assert sorted(os.listdir(tmp_path)) == ["r"]


@pytest.mark.parametrize("errno_, reason", [(28, "the disk is full"), (27, "exceed the file-size limit"),
                                            (30, "the file system is read-only")])
def test_os_error_is_one_sentence_and_keeps_the_previous_report(tiny, tmp_path, monkeypatch, errno_, reason):
    out = tmp_path / "r"
    before = _previous(tiny, out)
    real = Path.write_bytes

    def failing(self, data):
        if self.name == "manifest.json":  # the last file: everything else is written by then
            raise OSError(errno_, os.strerror(errno_), str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(OutputError) as info:
        write_report(tiny.results, tiny.manifest, out, formats=("json",))
    monkeypatch.undo()
    msg = str(info.value)
    assert msg.startswith(f"Cannot write the report folder {out}: ")
    assert reason in msg and msg.endswith("the previous report is unchanged and no temporary file was left.")
    assert _tree(out) == before
    assert sorted(os.listdir(tmp_path)) == ["r"]


def test_interrupt_while_writing_keeps_the_previous_report(tiny, tmp_path, monkeypatch):
    out = tmp_path / "r"
    before = _previous(tiny, out)
    real = Path.write_bytes

    def interrupted(self, data):
        if self.name == "manifest.json":
            assert (self.parent / "results.json").exists()  # the new results are half way there
            raise KeyboardInterrupt
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_report(tiny.results, tiny.manifest, out, formats=("json",))
    monkeypatch.undo()
    assert _tree(out) == before
    assert sorted(os.listdir(tmp_path)) == ["r"]


def test_folder_with_the_users_files_is_refused(tiny, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match=r"holds files a report does not write \(notes.txt\); the report replaces "
                                          r"its folder as a whole, so choose a new or empty folder with --out"):
        write_report(tiny.results, tiny.manifest, tmp_path, formats=("json",))
    assert sorted(os.listdir(tmp_path)) == ["notes.txt"]
    (tmp_path / "f").write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        write_report(tiny.results, tiny.manifest, tmp_path / "f", formats=("json",))


def test_the_current_folder_is_not_replaced(tiny, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    for out in (Path("."), tmp_path):
        with pytest.raises(OutputError, match=r"is the current folder or holds it; the report replaces its folder as a "
                                              r"whole, so give a folder inside it, e.g. --out "):
            write_report(tiny.results, tiny.manifest, out, formats=("json",))
    assert here.is_dir() and os.listdir(here) == []


def test_file_size_limit_in_the_command_line(tmp_path):
    """A real limit (RLIMIT_FSIZE) in a child process: exit 2, one sentence, the old report intact."""
    spec = write_tiny(tmp_path / "in")
    out = tmp_path / "out"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONWARNINGS"}
    cmd = [sys.executable, "-m", "surveykit", "analyze", str(spec), "--out", str(out)]
    assert subprocess.run(cmd, cwd=ROOT, capture_output=True, env=env, timeout=300).returncode == 0
    before = _tree(out)
    json.loads(before["manifest.json"])

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=300, preexec_fn=limit)
    assert proc.returncode == 2
    assert proc.stderr == (f"surveykit: error: Cannot write the report folder {out}: a file would exceed the "
                           "file-size limit (File too large); raise the limit (ulimit -f); the previous report is "
                           "unchanged and no temporary file was left.\n")
    assert _tree(out) == before
    assert sorted(os.listdir(tmp_path)) == ["in", "out"]


def test_markdown_title_is_text_not_html(tiny):
    """The spec's title reaches report.md literally (Markdown passes raw HTML through; issue 13)."""
    import copy

    from surveykit.report import render_markdown

    results = copy.deepcopy(tiny.results)
    results["analysis"]["title"] = {"zh": "<script>alert(1)</script> | x", "en": "<img src=x onerror=alert(1)>"}
    for lang, shown in (("zh", "# &lt;script>alert(1)&lt;/script> \\| x"), ("en", "# &lt;img src=x onerror=alert(1)>")):
        md = render_markdown(results, lang)
        assert md.splitlines()[0] == shown
        assert "<script" not in md and "<img" not in md
