"""`cartel serve` survives the whole hostile fixture set dropped into the vault it watches."""

from __future__ import annotations

from tests.security.hostile import SECRET, make_hostile_vault
from tests.serve.conftest import live  # noqa: F401  (the running-preview fixture)


def test_preview_survives_a_hostile_vault_dropped_in(live, tmp_path):  # noqa: F811
    site = live()
    assert site.request("/")[0] == 200
    make_hostile_vault(site.vault / "hostile", tmp_path / "outside")
    assert site.wait_until(lambda: site.request("/hostile/scripts/")[0] == 200, timeout=120), "hostile notes never served"
    assert site.wait_until(lambda: site.request("/hostile/chain/c0/")[0] == 200, timeout=60)
    page = site.html("/hostile/scripts/")
    body = page.split('<div class="note-body">', 1)[1].split("</article>", 1)[0]
    for bad in ("<script", "onerror", "javascript:", "<iframe"):
        assert bad not in body
    assert SECRET not in page
    for path in ("/", "/hostile/cible/", "/hostile/../../etc/passwd", "/hostile/%2e%2e/%2e%2e/etc/passwd"):
        status, _, body = site.request(path)
        assert status in (200, 404) and SECRET.encode() not in body
    assert site.errors == []
