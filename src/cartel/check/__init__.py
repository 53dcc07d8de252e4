"""Stage `check`: a linked `Site` → editorial and structural diagnostics, and safe fixes.

The registry below is the one list of rules: each has an id, a default
severity, a one-line doc and a function `rule(ctx)` yielding `Diagnostic`s
and, for fixable rules, `Edit`s (see `check.context`). Rules whose
diagnostics come from an earlier stage (config, scan, parse, link) are listed
too, with no function, so `cartel check --list-rules` documents every id.
Adding a rule is writing a small function in the module of its family and
adding one line here.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from cartel.check import csvrules, freshness, links, metadata, structure, style
from cartel.check.configure import allowed, configuration_problems, configure, disabled_rules, note_silences
from cartel.check.context import Context, Edit
from cartel.config import Config
from cartel.diagnostics import Diagnostic, Severity
from cartel.link import Site
from cartel.scan import source_text

E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True)
class Rule:
    """One rule: id, default severity, one-line doc, and the function that applies it (None: an earlier stage does)."""

    id: str
    severity: Severity
    doc: str
    function: Callable | None = None
    family: str = ""
    fixable: bool = False


REGISTRY: list[Rule] = [
    # config, scan, parse: reported while the vault is read
    Rule("config-invalid", E, "cartel.toml cannot be read, or a value in it is wrong", family="config"),
    Rule("config-unknown-key", W, "cartel.toml has a section, key or [check] option cartel does not know", family="config"),
    Rule("config-unknown-rule", W, "cartel.toml disables or re-grades a rule id that does not exist", family="config"),
    Rule("symlink-skipped", W, "a symbolic link in the vault is not followed", family="scan"),
    Rule("file-too-large", E, "a file is over the size limit and is not published", family="scan"),
    Rule("file-unreadable", E, "a file cannot be read (permissions)", family="scan"),
    Rule("encoding", W, "a file is not UTF-8 (read as UTF-16 or Windows-1252) or holds NUL bytes", family="scan"),
    Rule("duplicate-name", E, "two files have the same name once Unicode is normalised", family="scan"),
    Rule("yaml-invalid", W, "the front matter is not valid YAML (with its line)", family="metadata"),
    Rule("yaml-too-large", E, "the front matter is too large to be read", family="metadata"),
    Rule("yaml-duplicate-key", W, "a front-matter key is given twice; the last one wins", family="metadata"),
    Rule("type-unknown", W, "`type:` names an unknown note type", family="metadata"),
    Rule("search-index-failed", W, "the search index could not be built (Pagefind missing or failed); the site has no search",
         family="build"),
    # link and hierarchy: reported while the site is linked
    Rule("url-collision", W, "two files would be published at the same URL; one gets a suffix", family="links"),
    Rule("link-unresolved", W, "a link or embed names no note or file of the vault", family="links"),
    Rule("link-ambiguous", W, "a link matches several notes equally well", family="links"),
    Rule("link-draft", W, "a link goes to a draft note, which is not published", family="links"),
    Rule("link-anchor-missing", W, "a link names a heading or ^block the target note does not have", family="links"),
    Rule("embed-cycle", W, "embeds lead back to the note that embeds them", family="links"),
    Rule("embed-too-deep", W, "embeds are nested deeper than the limit", family="links"),
    Rule("nav-parent-missing", W, "a navigation parent names no note", family="metadata"),
    Rule("nav-cycle", W, "navigation parents form a cycle", family="metadata"),
    Rule("nav-key-duplicate", W, "two notes have the same navigation key", family="metadata"),
    # check: links
    Rule("link-ignored", W, "a link goes to a note or file that exists but is ignored (templates, excluded folders)",
         links.ignored_targets, "links"),
    Rule("attachment-missing", W, "an embedded image or attached file is not in the vault", links.missing_attachments, "links"),
    Rule("url-malformed", W, "an external link's address is malformed (no host, a space, a misspelt scheme)",
         links.malformed_urls, "links"),
    Rule("link-http", I, "an external link uses http:// where https:// is the norm", links.plain_http, "links"),
    # check: metadata
    Rule("tag-undeclared", W, "a tag is not in the vault's declared tag list ([check] tags)", metadata.undeclared_tags, "metadata"),
    Rule("tag-case", I, "a tag is written with capitals", metadata.tag_case, "metadata", fixable=True),
    Rule("title-missing", W, "a note has no title (no # heading, alias, navigation title or title)", metadata.missing_title, "metadata"),
    Rule("title-duplicate", W, "two notes share a title or an alias", metadata.duplicate_titles, "metadata"),
    # check: structure
    Rule("question-no-resource", W, "a question ranks no resource", structure.question_without_resources, "structure"),
    Rule("ranked-not-resource", W, "a ranked item links to a note that is not a resource, or to a file",
         structure.ranked_non_resources, "structure"),
    Rule("resource-no-source", W, "a resource has no source link (in its title or a source: key)",
         structure.resource_without_source, "structure"),
    Rule("resource-no-key-points", W, "a resource has no 'A retenir' section", structure.resource_without_key_points, "structure"),
    Rule("resource-orphan", I, "no question ranks this resource", structure.orphan_resources, "structure"),
    Rule("summary-drift", I, "a question's summary of a resource no longer matches the resource's own summary "
         "([check] summary_similarity)", structure.summary_drift, "structure"),
    Rule("list-numbering", W, "an ordered list is not numbered 1, 2, 3…", structure.list_numbering, "structure", fixable=True),
    # check: French editorial style
    Rule("style-punctuation-space", W, "a space before ; : ! ? (Swiss style), or no non-breaking space ([check] typography = \"fr\")",
         style.punctuation_space, "style", fixable=True),
    Rule("style-inclusive-dot", W, "inclusive writing with . or - instead of the middle dot (utilisateur·rice)",
         style.inclusive_dot, "style", fixable=True),
    Rule("style-abbreviation", W, "'etc' or 'cf' without its period", style.abbreviations, "style"),
    Rule("style-double-space", I, "two or more spaces between words", style.double_spaces, "style", fixable=True),
    Rule("style-apostrophes", I, "a note mixes straight (') and curly (’) apostrophes", style.mixed_apostrophes, "style", fixable=True),
    Rule("style-trailing-space", I, "lines end with spaces that make no line break", style.trailing_spaces, "style", fixable=True),
    # directory CSV (the reader reports the rest)
    Rule("directory-missing", W, "a directory CSV declared in cartel.toml is not in the vault", family="directory"),
    Rule("directory-csv-invalid", E, "a directory CSV cannot be read", family="directory"),
    Rule("directory-column-missing", W, "a directory CSV lacks the name, URL or a facet column", family="directory"),
    Rule("directory-row-columns", W, "a CSV row has more or fewer fields than the header", family="directory"),
    Rule("directory-row-name", W, "a CSV row has no name", family="directory"),
    Rule("directory-row-required", W, "a CSV row leaves a required field empty", family="directory"),
    Rule("directory-row-url", W, "a CSV row's URL is malformed", family="directory"),
    Rule("csv-header", W, "a CSV header has an empty or repeated column name, or data in place of names",
         csvrules.csv_header, "directory"),
    Rule("csv-duplicate-name", W, "two CSV rows have the same name", csvrules.csv_duplicate_names, "directory"),
    Rule("csv-stray-space", I, "a CSV cell has spaces before, after or doubled inside its text", csvrules.csv_stray_spaces, "directory"),
    # check: freshness
    Rule("resource-stale", I, "a resource is dated more than N years ago ([check] freshness_years, default 10)",
         freshness.stale_resources, "freshness"),
]

RULES: dict[str, Rule] = {rule.id: rule for rule in REGISTRY}
# `[check]` options besides tags, disable and severity: allowed strings, or the type of number.
OPTIONS = {"typography": ("ch", "fr"), "summary_similarity": float, "freshness_years": int}


@dataclass(frozen=True)
class CheckResult:
    """The diagnostics of a check, configured, and the safe edits its rules propose."""

    diagnostics: tuple[Diagnostic, ...]
    edits: tuple[Edit, ...]
    digests: dict = field(default_factory=dict, compare=False)     # path -> sha256 of the file as checked

    @property
    def errors(self) -> int:
        """How many diagnostics are errors."""
        return sum(1 for d in self.diagnostics if d.severity is Severity.ERROR)


def run_rules(site: Site, config: Config, texts: dict | None = None, today: _dt.date | None = None,
              fixing: bool = True) -> tuple[tuple[Diagnostic, ...], tuple[Edit, ...]]:
    """Run every enabled rule that has a function; diagnostics and (when fixing) edits, in registry order."""
    ctx = Context(site, config, dict(texts or {}), today or _dt.date.today(), fixing=fixing)
    off = disabled_rules(config)
    found: list[Diagnostic] = []
    edits: list[Edit] = []
    for rule in REGISTRY:
        if rule.function is None or rule.id in off:
            continue
        for item in rule.function(ctx):
            if type(item) is Edit:
                if fixing:
                    edits.append(item)
            else:
                found.append(item)
    return tuple(found), tuple(edits)


def config_problems(config: Config) -> list[Diagnostic]:
    """What is wrong in cartel.toml's [check] settings (unknown rules, severities, options): build and check alike."""
    return configuration_problems(config, RULES, OPTIONS)


def refine(stage: tuple[Diagnostic, ...], checked: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
    """Drop a stage's generic diagnostic where check reports the same place under a more precise rule."""
    precise = {(d.path, d.line, d.column, links.REFINES[d.rule]) for d in checked if d.rule in links.REFINES}
    return tuple(d for d in stage if (d.path, d.line, d.column, d.rule) not in precise)


def check_vault(vault: Path, today: _dt.date | None = None, fixing: bool = False, use_cache: bool = True) -> CheckResult:
    """Read and link the vault (parsing through the build cache), run every rule, apply cartel.toml and
    per-note settings; edits only when fixing."""
    from cartel.build import LongLivedHeap, collect_diagnostics, load_site

    with LongLivedHeap() as heap:
        config, scanned, site = load_site(Path(vault), use_cache=use_cache, heap=heap)
        texts = {s.path: source_text(s) for s in scanned.sources if s.kind in ("note", "data")}
        checked, edits = run_rules(site, config, texts, today, fixing)
        stage = refine(collect_diagnostics(config, scanned, site), checked)
        diagnostics = configure(stage + checked, config, site.notes)
    off, silences = disabled_rules(config), note_silences(site.notes)
    edits = tuple(e for e in edits if allowed(e.rule, e.path, off, silences))
    return CheckResult(diagnostics, edits, {s.path: s.digest for s in scanned.sources})
