"""Link's memory: one `Target` object per distinct target (a large vault has 1.5 million links, half of them alike)."""

from __future__ import annotations

from collections import defaultdict

from cartel.config import load_config
from cartel.link import link_site
from cartel.parse import parse_note
from cartel.scan import scan_vault
from tests.conftest import DEMO


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
