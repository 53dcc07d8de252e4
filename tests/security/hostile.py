"""A hostile vault, made on the fly: each file with the behaviour it proves.

`make_hostile_vault(root, outside)` writes the vault in `root` and a secret
in `outside` (a folder beside it); it returns {vault path: expected rule},
"" where the file must build with no report at all.
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

SECRET = "SECRET-7d1f-ne-doit-jamais-sortir"
PWNED = "window.__pwned = (window.__pwned || 0) + 1"

SCRIPT_PAYLOADS = "\n\n".join([
    f"<script>{PWNED}</script>",
    f'<img src="x" onerror="{PWNED}" alt="x">',
    f'<svg onload="{PWNED}"><circle r="1"/></svg>',
    f'<iframe srcdoc="<script>parent.__pwned=1</script>"></iframe>',
    f'<iframe src="https://evil.example/"></iframe>',
    '<base href="https://evil.example/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    f'<a href="javascript:{PWNED}">clic</a> [md](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=)',
    f'<object data="javascript:{PWNED}"></object><embed src="javascript:{PWNED}">',
    f'<form action="javascript:{PWNED}"><button>ok</button></form>',
    f'<style>body {{ background: url("javascript:{PWNED}") }}</style>',
    f'<details open ontoggle="{PWNED}"><summary>x</summary></details>',
    f'<div style="background:url(javascript:{PWNED})" onmouseover="{PWNED}">survol</div>',
    f'<math><mtext><table><mglyph><style><img src=x onerror="{PWNED}">',
    f'<noscript><p title="</noscript><img src=x onerror={PWNED}>"></noscript>',
    f"[[Cible|<img src=x onerror=\"{PWNED}\">]]",
    f'> [!note] <img src=x onerror="{PWNED}">\n> corps',
    f'![[x.png|" onerror="{PWNED}]]',
])


def make_hostile_vault(root: Path, outside: Path) -> dict[str, str]:
    """Write the hostile vault; return the rule expected for each file ("" for none)."""
    root.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "secret.md").write_text(f"# Secret\n{SECRET}\n", encoding="utf-8")
    (outside / "dossier").mkdir(exist_ok=True)
    (outside / "dossier" / "autre.md").write_text(SECRET, encoding="utf-8")
    expected: dict[str, str] = {}

    def put(name: str, content: str | bytes, rule: str = "") -> None:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        expected[unicodedata.normalize("NFC", name)] = rule

    put("Cible.md", "# Cible\n\n## Titre\n")
    put("yaml-tabs.md", "---\ntitle: x\n\ttags: [a\n---\nCorps\n", "yaml-invalid")
    put("yaml-unclosed.md", '---\ntitle: "jamais fermé\n---\nCorps\n', "yaml-invalid")
    put("yaml-duplicate.md", "---\ntags: a\ntags: b\n---\nCorps\n", "yaml-duplicate-key")
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 10) + "]\n" for i in range(20))
    put("yaml-bomb.md", "---\n" + bomb + "---\nCorps\n", "yaml-invalid")
    put("yaml-huge.md", "---\n" + "cle: " + "v" * (1024 * 1024) + "\n---\nCorps\n", "yaml-too-large")
    put("bad-utf8.md", b"# Titre \xff\xfe\xc3\x28 fin\n", "encoding")
    put("nul-bytes.md", b"# Avant\x00apr\xc3\xa8s\n", "encoding")
    put("utf16.md", "# Musée en UTF-16\n".encode("utf-16"), "encoding")
    put("huge.md", b"# Trop grand\n" + b"x" * (50 * 1024 * 1024), "file-too-large")
    put("many-links.md", "\n".join(f"[[Note {i}]]" for i in range(10_000)), "link-unresolved")
    put("deep-list.md", "- " * 10_000 + "fond\n")
    put("deep-quote.md", ">" * 10_000 + " fond\n")
    put("cycle-a.md", "![[cycle-b]]\n", "embed-cycle")
    put("cycle-b.md", "![[cycle-a]]\n", "embed-cycle")
    for i in range(100):
        put(f"chain/c{i}.md", f"![[c{i + 1}]]\n" if i < 99 else "fond\n", "embed-too-deep" if i < 94 else "")
    os.symlink(outside / "secret.md", root / "lien-fichier.md")
    os.symlink(outside / "dossier", root / "lien-dossier")
    os.symlink(root / "boucle", root / "boucle")
    expected.update({"lien-fichier.md": "symlink-skipped", "lien-dossier": "symlink-skipped", "boucle": "symlink-skipped"})
    put("noms/a..b.md", "# points\n")
    put("noms/a\\b.md", "# barre oblique inverse\n", "url-collision")
    put("noms/pourquoi ?.md", "# question\n")
    put("noms/c#.md", "# dièse\n")
    put("noms/100%.md", "# pour cent\n")
    put("noms/ctl\x01\x1f.md", "# contrôle\n")
    put("noms/Casse.md", "# casse 1\n")
    put("noms/casse.md", "# casse 2\n", "url-collision")
    put(unicodedata.normalize("NFC", "noms/Été.md"), "# NFC\n")
    nfd = unicodedata.normalize("NFD", "noms/Été.md")
    (root / nfd).write_text("# NFD\n", encoding="utf-8")
    expected["noms/Été.md"] = "duplicate-name"
    put("evasion.md", "[[../../etc/passwd]] [[/etc/passwd]] ![x](../../../etc/passwd) ![y](/etc/passwd) "
                      "[f](file:///etc/passwd) ![[../secret.md]] [[lien-fichier]]\n", "link-unresolved")
    put("scripts.md", SCRIPT_PAYLOADS + "\n", "link-unresolved")
    put("permalink.md", "---\npermalink: ../../../../tmp/evasion/\n---\n# Permalien\n")
    put("slug.md", "---\nslug: ../../..\n---\n# Slug\n")
    put("titre.md", "---\ntitle: '<script>window.__pwned=1</script>'\naliases: ['\"><img src=x onerror=window.__pwned=1>']\n---\nx\n")
    put("_data/acteurs.csv", ("\ufeffNom;URL;Localisation\r\nMusée A;https://a.example;Vaud\n"
                              "Court\r\n=HYPERLINK(\"https://evil.example\",\"clic\");javascript:alert(1);Genève;en trop\n"
                              "@SUM(1+1);https://b.example;+cmd\n"), "")
    return expected
