"""`spm-rules lint`: syntax, checker findings, and rule-maintenance checks with stable codes.

Beyond the checker: labels, unused value sets and definitions, conditions that can never hold
or always hold, and rule sets whose effective dates overlap for the same service. Severities are
configurable per project (`spm-rules.yaml`); a finding is silenced on its line with a comment
`# spm: ignore[CODE]`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from ..lang import ast as A
from ..lang.checker import check
from ..lang.errors import Diagnostic, Severity, Span
from ..lang.library import set_folders
from ..lang.loader import parse_files, rule_files
from ..lang.printer import to_source
from ..limits import DEFAULT_LIMITS, Limits
from .config import LintConfig

IGNORE = re.compile(r"spm:\s*ignore\[([A-Z0-9_,\s]+)\]")


@dataclass
class LintResult:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    silenced: int = 0

    def failing(self, config: LintConfig) -> list[Diagnostic]:
        return [d for d in self.diagnostics if config.fails(d.severity)]


def lint_paths(
    paths: list[Path], config: LintConfig, limits: Limits = DEFAULT_LIMITS, provisional_ok: bool = True
) -> LintResult:
    """Lint each rule set on its own (with the shared files it `uses`); a shared file's findings
    are reported once, and its declarations are unused only when no set uses them."""
    result = LintResult()
    decls: list[tuple[Path, A.RuleSetDecl, set[str]]] = []
    seen: set[tuple] = set()
    shared: dict[str, A.RuleFile] = {}
    used_anywhere: set[str] = set()
    for folder in set_folders(paths):
        parsed, diags, texts = parse_files([folder], limits)
        own = {str(t) for t in texts if _inside(t, folder)}
        for name in texts:
            if name not in result.texts:
                result.texts[name] = texts[name]
                result.files.append(name)
        _rs, checked = check(parsed)
        used_anywhere |= _used_names(parsed)
        shared.update({rf.path: rf for rf in parsed if rf.path not in own})
        for d in diags + checked + _maintenance([rf for rf in parsed if rf.path in own], _used_names(parsed)):
            key = (d.file, d.span.line, d.span.col, d.code, d.message)
            if key not in seen:
                seen.add(key)
                result.diagnostics.append(d)
        ids = {i.id for rf in parsed for i in rf.items if isinstance(i, A.Standard)}
        found = [(folder, item, ids) for rf in parsed for item in rf.items if isinstance(item, A.RuleSetDecl)]
        decls += found
        if not provisional_ok:
            result.diagnostics.extend(_provisional(item) for _f, item, _i in found if _is_provisional(item))
    result.diagnostics.extend(_unused(list(shared.values()), used_anywhere))
    result.diagnostics.extend(_overlaps(decls))
    if not rule_files(paths):
        for p in paths:
            if not p.exists():
                result.diagnostics.append(
                    Diagnostic(
                        "E000",
                        Severity.ERROR,
                        "path tidak ditemukan",
                        "path not found",
                        str(p),
                        Span(1, 1, 1, 1),
                    )
                )
    result.diagnostics = _configure(result, config)
    result.diagnostics.sort(key=lambda d: (d.file, d.span.line, d.span.col, d.code))
    return result


def _configure(result: LintResult, config: LintConfig) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for d in result.diagnostics:
        sev = config.severity_of(d.code, d.severity)
        if sev is None:
            continue
        text = result.texts.get(d.file)
        if text is not None and _silenced(text, d):
            result.silenced += 1
            continue
        out.append(d if sev == d.severity else replace(d, severity=sev))
    return out


def _silenced(text: str, d: Diagnostic) -> bool:
    lines = text.splitlines()
    if not 1 <= d.span.line <= len(lines):
        return False
    m = IGNORE.search(lines[d.span.line - 1])
    return bool(m) and d.code in {c.strip() for c in m.group(1).split(",")}


# ---- maintenance checks --------------------------------------------------------------------


def _diag(code, sev, file, span, msg, msg_en, hint="", hint_en="") -> Diagnostic:
    return Diagnostic(code, sev, msg, msg_en, file, span, hint, hint_en)


def _expressions(rf: A.RuleFile):
    """(file, where, expression) for every expression of a file."""
    for item in rf.items:
        if isinstance(item, A.Define):
            yield "define", item.body
        elif isinstance(item, A.Standard):
            for key in ("period_on", "population", "attribute"):
                e = getattr(item, key)
                if e is not None:
                    yield key, e
            for alt in item.denominator:
                if alt.expr is not None:
                    yield "denominator", alt.expr
            for let in item.lets:
                yield "let", let.expr
            for node in A.iter_nodes(item.criteria):
                if node.when is not None:
                    yield "when", node.when
                if isinstance(node, A.Criterion):
                    for let in node.lets:
                        yield "let", let.expr
                    if node.require is not None:
                        yield "require", node.require


def _walk(e: A.Expr):
    yield e
    for c in A.children_of(e):
        yield from _walk(c)


def _inside(name: str, folder: Path) -> bool:
    try:
        return folder.resolve() in Path(name).resolve().parents
    except OSError:
        return False


def _is_provisional(decl: A.RuleSetDecl) -> bool:
    return decl.header.status == "provisional"


def _provisional(decl: A.RuleSetDecl) -> Diagnostic:
    return _diag(
        "E208",
        Severity.ERROR,
        decl.file,
        decl.span,
        f"rule set '{decl.name}' berstatus sementara (provisional) dan ditolak oleh --no-provisional",
        f"rule set '{decl.name}' is provisional and --no-provisional rejects it",
        "tetapkan 'status final' bila teks peraturannya sudah dikodekan",
        "set 'status final' once the regulation's text is encoded",
    )


def _used_names(parsed: list[A.RuleFile]) -> set[str]:
    used: set[str] = set()
    for rf in parsed:
        for _where, e in _expressions(rf):
            for node in _walk(e):
                if isinstance(node, A.Name):
                    used.add(node.name)
                elif isinstance(node, A.Call):
                    used.add(node.func)
    return used


def _unused(parsed: list[A.RuleFile], used: set[str]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for rf in parsed:
        for item in rf.items:
            if isinstance(item, A.ValueSet | A.Define) and item.name not in used:
                kind = "valueset" if isinstance(item, A.ValueSet) else "define"
                out.append(
                    _diag(
                        "W203",
                        Severity.WARNING,
                        rf.path,
                        item.span,
                        f"{kind} '{item.name}' tidak pernah dipakai",
                        f"{kind} '{item.name}' is never used",
                        "hapus, atau pakai dalam aturan",
                        "remove it, or use it in a rule",
                    )
                )
    return out


def _maintenance(parsed: list[A.RuleFile], used: set[str]) -> list[Diagnostic]:
    out: list[Diagnostic] = _unused(parsed, used)
    for rf in parsed:
        for item in rf.items:
            if isinstance(item, A.Standard):
                for node in A.iter_nodes(item.criteria):
                    if not node.label.strip():
                        out.append(
                            _diag(
                                "W201",
                                Severity.WARNING,
                                rf.path,
                                node.span,
                                f"'{node.id}' tidak punya label",
                                f"'{node.id}' has no label",
                            )
                        )
                    if isinstance(node, A.Criterion) and node.short is None:
                        out.append(
                            _diag(
                                "W202",
                                Severity.INFO,
                                rf.path,
                                node.span,
                                f"kriteria '{node.id}' tanpa 'short': kolom Keterangan memakai labelnya",
                                f"criterion '{node.id}' has no 'short': the remarks column uses its label",
                            )
                        )
            out.extend(_note_grounds(rf.path, item))
        for where, e in _expressions(rf):
            out.extend(_conditions(rf.path, where, e))
    return out


DECISION = re.compile(r"^\s*keputusan\b", re.IGNORECASE)
BECAUSE = re.compile(r"\b(karena|sebab|because)\b", re.IGNORECASE)


def _notes(item: A.Standard | A.RuleSetDecl | A.Criterion | A.Group):
    if isinstance(item, A.Standard | A.RuleSetDecl):
        yield from item.header.notes
    if isinstance(item, A.Standard):
        for node in A.iter_nodes(item.criteria):
            yield from _notes(node)
    if isinstance(item, A.Criterion | A.Group):
        yield from item.notes


def _note_grounds(path: str, item: object) -> list[Diagnostic]:
    """W208: every note cites its ground (`see SOURCE line N`), or is a decision that says so and
    why ("Keputusan: … karena …")."""
    if not isinstance(item, A.Standard | A.RuleSetDecl):
        return []
    out = []
    for note in _notes(item):
        if note.see is not None:
            continue
        if DECISION.search(note.text) and BECAUSE.search(note.text):
            continue
        decision = bool(DECISION.search(note.text))
        out.append(
            _diag(
                "W208",
                Severity.WARNING,
                path,
                note.span,
                "catatan keputusan tanpa alasan ('karena …') dan tanpa 'see'"
                if decision
                else "catatan tanpa dasar: tidak ada 'see' (baris peraturan) "
                "dan bukan 'Keputusan: … karena …'",
                "a decision note without its reason ('karena …') and without 'see'"
                if decision
                else "a note without its ground: no 'see' (a line of the regulation) and not "
                "'Keputusan: … karena …'",
                "tambahkan see SUMBER \"bagian\" line N, atau tulis 'Keputusan: … karena …'",
                "add see SOURCE \"section\" line N, or write 'Keputusan: … karena …'",
            )
        )
    return out


# interval reasoning over `x OP number` comparisons of one expression -------------------------

_INF = Decimal("Infinity")


@dataclass
class _Interval:
    lo: Decimal = -_INF
    lo_open: bool = True
    hi: Decimal = _INF
    hi_open: bool = True

    def empty(self) -> bool:
        return self.lo > self.hi or (self.lo == self.hi and (self.lo_open or self.hi_open))

    def meet(self, other: _Interval) -> _Interval:
        """The intersection: the larger lower bound, the smaller upper bound."""
        if self.lo != other.lo:
            lo, lo_open = max((self.lo, self.lo_open), (other.lo, other.lo_open))
        else:
            lo, lo_open = self.lo, self.lo_open or other.lo_open
        if self.hi != other.hi:
            hi, hi_open = min((self.hi, self.hi_open), (other.hi, other.hi_open))
        else:
            hi, hi_open = self.hi, self.hi_open or other.hi_open
        return _Interval(lo, lo_open, hi, hi_open)


def _bound(e: A.Expr) -> tuple[str, _Interval] | None:
    """`x >= 60` -> ("x", [60, inf)); `x between 1 and 2` -> ("x", [1, 2])."""
    if isinstance(e, A.Compare):
        left, right, op = e.left, e.right, e.op
        if isinstance(left, A.Literal) and not isinstance(right, A.Literal):
            left, right = right, left
            op = {">": "<", "<": ">", ">=": "<=", "<=": ">="}.get(op, op)
        if not (isinstance(right, A.Literal) and isinstance(right.value, Decimal)):
            return None
        v = right.value
        key = to_source(left)
        match op:
            case ">=":
                return key, _Interval(v, False)
            case ">":
                return key, _Interval(v, True)
            case "<=":
                return key, _Interval(hi=v, hi_open=False)
            case "<":
                return key, _Interval(hi=v, hi_open=True)
            case "==":
                return key, _Interval(v, False, v, False)
        return None
    if isinstance(e, A.Between):
        lo, hi = e.low, e.high
        if (
            isinstance(lo, A.Literal)
            and isinstance(hi, A.Literal)
            and isinstance(lo.value, Decimal)
            and isinstance(hi.value, Decimal)
        ):
            return to_source(e.value), _Interval(lo.value, False, hi.value, False)
    return None


def _flatten(e: A.Expr, op: str) -> list[A.Expr]:
    if isinstance(e, A.Binary) and e.op == op:
        return [*_flatten(e.left, op), *_flatten(e.right, op)]
    return [e]


def _conditions(file: str, where: str, e: A.Expr) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if where in ("when", "require") and isinstance(e, A.Literal) and isinstance(e.value, bool):
        code, word, word_en = (
            ("W206", "selalu benar", "always holds")
            if e.value
            else ("W205", "tidak pernah benar", "can never hold")
        )
        out.append(_diag(code, Severity.WARNING, file, e.span, f"'{where}' {word}", f"'{where}' {word_en}"))
    for node in _walk(e):
        if isinstance(node, A.Binary) and node.op == "and":
            parts = _flatten(node, "and")
            ranges: dict[str, _Interval] = {}
            for p in parts:
                b = _bound(p)
                if b is None:
                    continue
                key, iv = b
                ranges[key] = ranges[key].meet(iv) if key in ranges else iv
                if ranges[key].empty():
                    text = to_source(node)
                    out.append(
                        _diag(
                            "W205",
                            Severity.WARNING,
                            file,
                            node.span,
                            f"syarat ini tidak pernah benar: {text}",
                            f"this condition can never hold: {text}",
                            f"batas untuk '{key}' tidak beririsan",
                            f"the bounds on '{key}' do not overlap",
                        )
                    )
                    break
        elif isinstance(node, A.Binary) and node.op == "or":
            parts = _flatten(node, "or")
            by_key: dict[str, list[_Interval]] = {}
            for p in parts:
                b = _bound(p)
                if b is not None:
                    by_key.setdefault(b[0], []).append(b[1])
            for key, ivs in by_key.items():
                if _covers_all(ivs):
                    text = to_source(node)
                    out.append(
                        _diag(
                            "W206",
                            Severity.WARNING,
                            file,
                            node.span,
                            f"syarat ini selalu benar bila '{key}' tercatat: {text}",
                            f"this condition always holds when '{key}' is recorded: {text}",
                        )
                    )
                    break
        elif isinstance(node, A.Between):
            b = _bound(node)
            if b is not None and b[1].empty():
                out.append(
                    _diag(
                        "W205",
                        Severity.WARNING,
                        file,
                        node.span,
                        f"'between' dengan batas bawah di atas batas atas: {to_source(node)}",
                        f"'between' with the lower bound above the upper: {to_source(node)}",
                    )
                )
    return out


def _covers_all(ivs: list[_Interval]) -> bool:
    """Whether a union of intervals covers every number."""
    ordered = sorted(ivs, key=lambda i: (i.lo, i.lo_open))
    reach, reach_open = -_INF, True
    for iv in ordered:
        if iv.lo > reach or (iv.lo == reach and iv.lo_open and reach_open and reach != -_INF):
            return False
        if (iv.hi, not iv.hi_open) > (reach, not reach_open):
            reach, reach_open = iv.hi, iv.hi_open
    return reach == _INF


def _overlaps(decls: list[tuple[Path, A.RuleSetDecl, set[str]]]) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    for i, (fa, a, ids_a) in enumerate(decls):
        for _fb, b, ids_b in decls[i + 1 :]:
            shared = sorted(ids_a & ids_b)
            if not shared:
                continue
            a_from = a.header.effective_from or dt.date.min
            a_to = a.header.effective_to or dt.date.max
            b_from = b.header.effective_from or dt.date.min
            b_to = b.header.effective_to or dt.date.max
            if a_from <= b_to and b_from <= a_to:
                out.append(
                    _diag(
                        "W207",
                        Severity.WARNING,
                        b.file,
                        b.span,
                        f"masa berlaku '{b.name}' tumpang tindih dengan '{a.name}' ({fa}) "
                        f"untuk standar: {', '.join(shared)}",
                        f"effective dates of '{b.name}' overlap '{a.name}' ({fa}) "
                        f"for standards: {', '.join(shared)}",
                        "beri tanggal 'effective ... to ...' yang tidak beririsan",
                        "give non-overlapping 'effective ... to ...' dates",
                    )
                )
    return out
