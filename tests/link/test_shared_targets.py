"""Link's memory: one `Target` object per distinct target (a large vault has 1.5 million links, half of them alike)."""

from __future__ import annotations

from collections import defaultdict

from cartel.config import load_config
from cartel.link import link_site
from cartel.parse import parse_note
from cartel.scan import scan_vault
from tests.conftest import DEMO, write_vault


def test_links_that_go_to_the_same_place_share_one_target():
    config = load_config(DEMO)
    sources = scan_vault(config).sources
    site = link_site([parse_note(s, config) for s in sources if s.kind == "note"], sources, config)
    objects = defaultdict(set)
    for targets in site.targets.values():
        for target in targets:
            objects[target].add(id(target))
    uses = sum(len(targets) for targets in site.targets.values())
    assert len(objects) < uses  # some links go where others go
    assert all(len(ids) == 1 for ids in objects.values())


def test_every_link_with_a_problem_is_reported_where_it_is(tmp_path):
    vault = write_vault(tmp_path / "vault", {
        "Notes/Un.md": "# Un\n\n[[Absente]] et [[Deux#Nulle part]].\n\n[[Absente]] encore, [[Deux]], [[Deux#Section]].\n",
        "Notes/Deux.md": "# Deux\n\n## Section\n\n[[Absente]], [[Un]].\n",
        "Ailleurs/Deux.md": "# Deux ailleurs\n\n[[Deux]] et [[Absente]].\n",
    })
    config = load_config(vault)
    sources = scan_vault(config).sources
    site = link_site([parse_note(s, config) for s in sources if s.kind == "note"], sources, config)
    found = sorted((d.path, d.line, d.column, d.rule) for d in site.diagnostics)
    assert found == [
        ("Ailleurs/Deux.md", 3, 13, "link-unresolved"),
        ("Notes/Deux.md", 5, 1, "link-unresolved"),
        ("Notes/Un.md", 3, 1, "link-unresolved"),
        ("Notes/Un.md", 3, 16, "link-anchor-missing"),
        ("Notes/Un.md", 5, 1, "link-unresolved"),  # the same link again: reported again
    ]
    by_note = {path: [t.path for t in targets] for path, targets in site.targets.items()}
    assert by_note["Notes/Un.md"] == ["", "Notes/Deux.md", "", "Notes/Deux.md", "Notes/Deux.md"]
    assert by_note["Ailleurs/Deux.md"] == ["Ailleurs/Deux.md", ""]  # the same text, another folder: its own note
