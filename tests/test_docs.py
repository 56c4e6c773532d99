"""The manual: docs/ builds with mkdocs --strict, the README stays one page, and no text narrates history."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from dreamtf.config import load_config

ROOT = Path(__file__).resolve().parents[1]
README_MAX_LINES = 150
# history belongs in CHANGES.md, and a reader can open neither a session nor an issue number
HISTORY = re.compile(
    r"\bsessions?\b|\bearlier machines?\b|\bthe machine (?:of|before)\b"
    r"|(?<!GitHub )\bissues? #?\d+|\bDESIGN(?:\.md)? sections?\b",
    re.IGNORECASE,
)
PROSE = [
    ROOT / "README.md",
    ROOT / "CHANGES.md",
    *sorted((ROOT / "docs").rglob("*.md")),
    *sorted((ROOT / "report").glob("*.rst")),
]
CAPTION_WILDCARDS = {"model": "catchitt", "feature_set": "dnase_motif", "tf": "CTCF", "cell": "HepG2"}


def mkdocs_build(config: Path, site: Path) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config), "--site-dir", str(site)]
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)


def test_manual_builds_strict_without_warnings(tmp_path):
    r = mkdocs_build(ROOT / "mkdocs.yml", tmp_path / "site")
    out = r.stdout + r.stderr
    assert r.returncode == 0, out[-3000:]
    assert "WARNING" not in out, out[-3000:]
    for page in (ROOT / "docs").glob("*.md"):
        name = "index.html" if page.stem == "index" else f"{page.stem}/index.html"
        assert (tmp_path / "site" / name).is_file(), name


def test_a_broken_anchor_or_an_unlisted_page_fails_the_build(tmp_path):
    # mkdocs.yml's validation settings make these warnings, which --strict turns into errors
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    with open(tmp_path / "docs" / "index.md", "a") as fh:
        fh.write("\n[a section that is not there](usage.md#no-such-section)\n")
    (tmp_path / "docs" / "unlisted.md").write_text("# Not in the nav\n")
    r = mkdocs_build(tmp_path / "mkdocs.yml", tmp_path / "site")
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert "no-such-section" in out and "unlisted.md" in out


def test_readme_is_one_page_and_its_links_resolve():
    text = (ROOT / "README.md").read_text()
    assert len(text.splitlines()) <= README_MAX_LINES
    assert "make demo" in text and "make test" in text
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    local = [link for link in links if not re.match(r"[a-z]+://", link)]
    assert local, "the README links to the manual"
    missing = [link for link in local if not (ROOT / link).exists()]
    assert not missing, missing


@pytest.mark.parametrize("path", PROSE, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_text_narrates_sessions_issues_or_design_sections(path):
    hits = [
        f"{path.name}:{i}: {line.strip()}"
        for i, line in enumerate(path.read_text().splitlines(), 1)
        if HISTORY.search(line)
    ]
    assert not hits, hits


@pytest.mark.parametrize("caption", sorted((ROOT / "report").glob("*.rst")), ids=lambda p: p.name)
def test_report_captions_render(caption):
    # as Snakemake's report renders them: Jinja2 with the run's config and wildcards, then docutils
    import jinja2
    from docutils.core import publish_parts

    config = load_config(ROOT / "config.yaml", ROOT / "schemas" / "config.schema.yaml")
    snakemake = SimpleNamespace(config=config, wildcards=SimpleNamespace(**CAPTION_WILDCARDS))
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    text = env.from_string(caption.read_text()).render(snakemake=snakemake)
    assert "{{" not in text
    body = publish_parts(text, writer="html", settings_overrides={"halt_level": 2, "report_level": 5})["body"]
    assert body.strip()
