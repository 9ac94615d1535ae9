"""Semantic checks of a rule set: names, fields of the data contract, types, citations.

All problems are collected (never stop at the first). A rule set that passes becomes a
`RuleSet`, the only thing the engine accepts.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..registers.contract import Contract, load_contract
from . import ast as A
from .builtins import BUILTINS, Where
from .errors import Diagnostic, Severity, Span
from .types import ANY, BOOL, DATE, MISSING, NUMBER, SCALARS, STRING, T
from .types import compatible as _compatible
from .types import type_id as _tid

BUILTIN_CONSTANTS = {"period_start": DATE, "period_end": DATE, "period_label": STRING}
PERIOD_KINDS = ("year", "school_year", "quarter", "month")
AGGREGATES = ("count", "count_distinct", "sum", "min", "max", "any", "all", "first", "last", "filter")


# ---- the checked rule set ------------------------------------------------------------------


STATUSES = ("final", "provisional")


@dataclass(frozen=True)
class RuleSet:
    """A checked rule set, ready for the engine."""

    name: str
    header: A.Header
    sources: dict[str, A.Source]
    valuesets: dict[str, A.ValueSet]
    defines: dict[str, A.Define]
    standards: dict[str, A.Standard]
    files: tuple[A.RuleFile, ...]
    contract: Contract = field(repr=False)
    warnings: tuple[Diagnostic, ...] = ()

    def standard(self, sid: str) -> A.Standard | None:
        return self.standards.get(sid)

    @property
    def provisional(self) -> bool:
        return self.header.status == "provisional"

    @property
    def params(self) -> dict[str, A.Define]:
        """The set's parameters: values its sources leave open, shown in every report."""
        return {n: d for n, d in self.defines.items() if d.is_param}

    def source_text(self, path: str) -> str | None:
        for f in self.files:
            if f.path == path:
                return f.source_text
        return None


@dataclass
class _Scope:
    names: dict[str, T]
    parent: _Scope | None = None

    def lookup(self, name: str) -> T | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def all_names(self) -> set[str]:
        out: set[str] = set()
        scope: _Scope | None = self
        while scope is not None:
            out |= set(scope.names)
            scope = scope.parent
        return out


class Checker:
    """Checks the files of one rule set together."""

    def __init__(self, files: Iterable[A.RuleFile], contract: Contract | None = None):
        self.files = tuple(files)
        self.contract = contract or load_contract()
        self.diags: list[Diagnostic] = []
        self.file = ""
        self.sources: dict[str, A.Source] = {}
        self.valuesets: dict[str, A.ValueSet] = {}
        self.defines: dict[str, A.Define] = {}
        self.standards: dict[str, A.Standard] = {}
        self.rulesets: list[A.RuleSetDecl] = []
        self._define_types: dict[str, T] = {}
        self._define_stack: list[str] = []
        self._in_denominator = False

    # ---- reporting ----
    def err(self, code: str, span: Span, msg: str, msg_en: str, hint: str = "", hint_en: str = ""):
        self.diags.append(Diagnostic(code, Severity.ERROR, msg, msg_en, self.file, span, hint, hint_en))

    def warn(self, code: str, span: Span, msg: str, msg_en: str):
        self.diags.append(Diagnostic(code, Severity.WARNING, msg, msg_en, self.file, span))

    def _suggest(self, word: str, options: Iterable[str]) -> tuple[str, str]:
        close = difflib.get_close_matches(word, sorted(set(options)), n=1, cutoff=0.6)
        if close:
            return f"maksud Anda '{close[0]}'?", f"did you mean '{close[0]}'?"
        return "", ""

    # ---- entry ----
    def run(self) -> tuple[RuleSet | None, list[Diagnostic]]:
        first_seen: dict[tuple[str, str], str] = {}
        for rf in self.files:
            self.file = rf.path
            for item in rf.items:
                self._declare(item, first_seen)
        for rf in self.files:
            self.file = rf.path
            for item in rf.items:
                if isinstance(item, A.RuleSetDecl):
                    self._check_header(item.header, item.span, require_cite=False)
                    self._check_status(item.header, item.span)
                    self._check_duplicates(item.duplicates)
                elif isinstance(item, A.Define):
                    if item.is_param:
                        self._check_param(item)
                    self._define_type(item.name)
                elif isinstance(item, A.ValueSet):
                    self._check_valueset(item)
        for rf in self.files:
            self.file = rf.path
            for item in rf.items:
                if isinstance(item, A.Standard) and self.standards.get(item.id) is item:
                    self._check_standard(item)
        if len(self.rulesets) > 1:
            self.file = self.rulesets[1].file
            self.err(
                "E101",
                self.rulesets[1].span,
                "lebih dari satu deklarasi 'ruleset' dalam satu folder aturan",
                "more than one 'ruleset' declaration in one rule folder",
            )
        errors = [d for d in self.diags if d.severity == Severity.ERROR]
        if errors:
            return None, self.diags
        decl = self.rulesets[0] if self.rulesets else None
        rs = RuleSet(
            name=decl.name if decl else "aturan",
            header=decl.header if decl else A.Header(),
            sources=self.sources,
            valuesets=self.valuesets,
            defines=self.defines,
            standards=self.standards,
            files=self.files,
            contract=self.contract,
            warnings=tuple(self.diags),
        )
        return rs, self.diags

    def _declare(self, item: A.Item, first_seen: dict[tuple[str, str], str]) -> None:
        if isinstance(item, A.RuleSetDecl):
            self.rulesets.append(item)
            return
        table: dict
        if isinstance(item, A.Source):
            table, kind, name = self.sources, "source", item.name
        elif isinstance(item, A.ValueSet):
            table, kind, name = self.valuesets, "valueset", item.name
        elif isinstance(item, A.Define):
            table, kind, name = self.defines, "define", item.name
        else:
            table, kind, name = self.standards, "standard", item.id
        if name in table:
            where = first_seen[(kind, name)]
            self.err(
                "E103",
                item.span,
                f"{kind} '{name}' sudah dideklarasikan di {where}",
                f"{kind} '{name}' is already declared at {where}",
            )
            return
        if kind in ("valueset", "define") and (
            name in BUILTINS or name in BUILTIN_CONSTANTS or name in AGGREGATES
        ):
            self.err(
                "E103",
                item.span,
                f"nama '{name}' sudah dipakai oleh fungsi bawaan",
                f"the name '{name}' is taken by a built-in function",
            )
        if kind in ("valueset", "define"):
            other = self.defines if kind == "valueset" else self.valuesets
            if name in other:
                self.err(
                    "E103",
                    item.span,
                    f"nama '{name}' dipakai untuk valueset dan define sekaligus",
                    f"the name '{name}' is used for both a valueset and a define",
                )
        table[name] = item
        first_seen[(kind, name)] = f"{self.file}:{item.span.line}"

    # ---- declarations ----
    def _check_duplicates(self, dups: tuple[tuple[str, Span], ...]) -> None:
        for key, span in dups:
            self.err(
                "E104",
                span,
                f"pernyataan '{key}' ditulis lebih dari sekali",
                f"the '{key}' statement is written more than once",
            )

    def _check_citation(self, cit: A.Citation) -> None:
        if cit.source not in self.sources:
            hint, hint_en = self._suggest(cit.source, self.sources)
            self.err(
                "E102",
                cit.span,
                f"sumber '{cit.source}' tidak dideklarasikan (tulis: source {cit.source} \"...\")",
                f"source '{cit.source}' is not declared (write: source {cit.source} \"...\")",
                hint,
                hint_en,
            )
        if cit.line_from > cit.line_to or cit.line_from < 1:
            self.err(
                "E105",
                cit.span,
                f"rentang baris tidak sah: {cit.line_from}-{cit.line_to}",
                f"invalid line range: {cit.line_from}-{cit.line_to}",
            )

    def _check_notes(self, notes: tuple[A.Note, ...]) -> None:
        for note in notes:
            if note.see is not None:
                self._check_citation(note.see)

    def _check_status(self, h: A.Header, span: Span) -> None:
        if h.status is not None and h.status not in STATUSES:
            self.err(
                "E106",
                span,
                f"status rule set tidak dikenal: '{h.status}' (pilih: {', '.join(STATUSES)})",
                f"unknown rule set status: '{h.status}' (choose: {', '.join(STATUSES)})",
            )

    def _check_param(self, d: A.Define) -> None:
        """A parameter is a literal (a number may be negative): a value a reader can see and
        `--param` can replace with a value of the same type."""
        body = d.body
        if isinstance(body, A.Unary) and body.op == "-" and isinstance(body.operand, A.Literal):
            body = body.operand
        if not isinstance(body, A.Literal | A.SetLit) or (
            isinstance(body, A.Literal) and body.kind == "missing"
        ):
            self.err(
                "E107",
                d.span,
                f"param '{d.name}' harus berupa nilai tetap (angka, teks, tanggal, ya/tidak)",
                f"param '{d.name}' must be a literal (number, text, date, true/false)",
            )

    def _check_header(self, h: A.Header, span: Span, require_cite: bool) -> None:
        for cit in h.citations:
            self._check_citation(cit)
        self._check_notes(h.notes)
        if h.effective_from and h.effective_to and h.effective_from > h.effective_to:
            self.err(
                "E105",
                span,
                f"tanggal berlaku terbalik: {h.effective_from} sampai {h.effective_to}",
                f"effective dates are reversed: {h.effective_from} to {h.effective_to}",
            )
        if require_cite and not h.citations:
            self.err(
                "E121",
                span,
                "standar tanpa sitasi: tambahkan 'cite SUMBER \"bagian\" lines A-B'",
                "standard without a citation: add 'cite SOURCE \"section\" lines A-B'",
            )

    def _check_valueset(self, vs: A.ValueSet) -> None:
        kinds = {i.kind for i in vs.items}
        if len(kinds) > 1:
            self.err(
                "E142",
                vs.span,
                f"valueset '{vs.name}' mencampur jenis nilai ({', '.join(sorted(kinds))})",
                f"valueset '{vs.name}' mixes kinds of values ({', '.join(sorted(kinds))})",
            )
        seen = set()
        for item in vs.items:
            if item.value in seen:
                self.warn(
                    "W106",
                    item.span,
                    f"nilai {item.value!r} tertulis dua kali di valueset '{vs.name}'",
                    f"value {item.value!r} is listed twice in valueset '{vs.name}'",
                )
            seen.add(item.value)

    def _valueset_type(self, vs: A.ValueSet) -> T:
        kinds = {i.kind for i in vs.items}
        return T("set", kinds.pop() if len(kinds) == 1 else "any")

    def _define_type(self, name: str) -> T:
        """Type of a parameterless define (parameterised ones are typed at each call)."""
        if name in self._define_types:
            return self._define_types[name]
        d = self.defines[name]
        if d.params is not None:
            # check the body once with unknown parameter types, to catch unknown names
            saved = self.file
            t = self._check_define_body(d, tuple(ANY for _ in d.params), d.span)
            self.file = saved
            self._define_types[name] = t
            return t
        t = self._check_define_body(d, (), d.span)
        self._define_types[name] = t
        return t

    def _check_define_body(self, d: A.Define, arg_types: tuple[T, ...], span: Span) -> T:
        if d.name in self._define_stack:
            chain = " -> ".join([*self._define_stack, d.name])
            self.err(
                "E147",
                span,
                f"define memanggil dirinya sendiri: {chain}",
                f"define calls itself: {chain}",
            )
            return ANY
        self._define_stack.append(d.name)
        names = dict(zip(d.params or (), arg_types, strict=False))
        scope = _Scope(names, self._global_scope())
        t = self.expr(d.body, scope)
        self._define_stack.pop()
        return t

    def _global_scope(self) -> _Scope:
        names: dict[str, T] = dict(BUILTIN_CONSTANTS)
        for name, vs in self.valuesets.items():
            names[name] = self._valueset_type(vs)
        return _Scope(names)

    # ---- standards ----
    def _check_standard(self, std: A.Standard) -> None:
        self._check_duplicates(std.duplicates)
        self._check_header(std.header, std.span, require_cite=True)
        missing = [
            ("title", std.header.title is None),
            ("subject", std.subject_kind is None),
            ("period", std.period_kind is None),
            ("population", std.population is None),
            ("attribute", std.attribute is None),
            ("denominator", not std.denominator),
        ]
        for key, absent in missing:
            if absent:
                self.err(
                    "E110",
                    std.span,
                    f"standar '{std.id}' tidak punya pernyataan '{key}'",
                    f"standard '{std.id}' has no '{key}' statement",
                )
        if not any(True for _ in A.iter_criteria(std.criteria)):
            self.err(
                "E110",
                std.span,
                f"standar '{std.id}' tidak punya kriteria",
                f"standard '{std.id}' has no criterion",
            )
        scope = _Scope({}, self._global_scope())
        subject = self.contract.kind(std.subject_kind) if std.subject_kind else None
        if std.subject_kind and subject is None:
            span = std.spans.get("subject", std.span)
            hint, hint_en = self._suggest(std.subject_kind, self.contract.kinds)
            self.err(
                "E130",
                span,
                f"jenis catatan '{std.subject_kind}' tidak ada dalam kontrak data",
                f"record kind '{std.subject_kind}' is not in the data contract",
                hint,
                hint_en,
            )
        if subject is not None:
            for fname, fspec in subject.fields.items():
                scope.names[fname] = _scalar(fspec.type)
        for link in std.links:
            self._check_link(link, subject, scope)
        if std.period_kind and std.period_kind not in PERIOD_KINDS:
            hint, hint_en = self._suggest(std.period_kind, PERIOD_KINDS)
            self.err(
                "E132",
                std.spans.get("period", std.span),
                f"jenis periode '{std.period_kind}' tidak dikenal; pilih: {', '.join(PERIOD_KINDS)}",
                f"unknown period kind '{std.period_kind}'; choose: {', '.join(PERIOD_KINDS)}",
                hint,
                hint_en,
            )
        for let in std.lets:
            self._check_let(let, scope)
        if std.period_on is not None:
            self._expect(std.period_on, scope, DATE, "period ... on")
        if std.population is not None:
            self._expect(std.population, scope, BOOL, "population")
        if std.attribute is not None:
            self._expect(std.attribute, scope, STRING, "attribute")
        self._in_denominator = True
        for alt in std.denominator:
            if alt.expr is not None:
                self._expect(alt.expr, _Scope({}, self._global_scope()), NUMBER, "denominator")
        self._in_denominator = False
        ids: dict[str, Span] = {}
        for node in A.iter_nodes(std.criteria):
            if node.id in ids:
                self.err(
                    "E103",
                    node.span,
                    f"id '{node.id}' sudah dipakai di baris {ids[node.id].line}",
                    f"id '{node.id}' is already used on line {ids[node.id].line}",
                )
            ids[node.id] = node.span
        self._check_nodes(std.criteria, scope)

    def _check_link(self, link: A.Link, subject, scope: _Scope) -> None:
        kind = self.contract.kind(link.kind)
        if kind is None:
            hint, hint_en = self._suggest(link.kind, self.contract.kinds)
            self.err(
                "E130",
                link.span,
                f"jenis catatan '{link.kind}' tidak ada dalam kontrak data",
                f"record kind '{link.kind}' is not in the data contract",
                hint,
                hint_en,
            )
        else:
            if link.by not in kind.fields:
                self.err(
                    "E141",
                    link.span,
                    f"'{link.kind}' tidak punya kolom '{link.by}' untuk menautkan",
                    f"'{link.kind}' has no field '{link.by}' to link by",
                )
            if link.in_period and kind.date_field is None:
                self.err(
                    "E131",
                    link.span,
                    f"'{link.kind}' tidak punya kolom tanggal, jadi tidak bisa 'in period'",
                    f"'{link.kind}' has no date field, so it cannot be 'in period'",
                )
        if subject is not None and link.by not in subject.fields:
            self.err(
                "E141",
                link.span,
                f"subjek '{subject.name}' tidak punya kolom '{link.by}' untuk menautkan",
                f"subject '{subject.name}' has no field '{link.by}' to link by",
            )
        if link.name in scope.names:
            self.err(
                "E103",
                link.span,
                f"nama '{link.name}' sudah dipakai",
                f"the name '{link.name}' is already used",
            )
        scope.names[link.name] = T("collection" if link.many else "record", link.kind)

    def _check_let(self, let: A.Let, scope: _Scope) -> None:
        if let.name in scope.names:
            self.err(
                "E103",
                let.span,
                f"nama '{let.name}' sudah dipakai",
                f"the name '{let.name}' is already used",
            )
        scope.names[let.name] = self.expr(let.expr, scope)

    def _check_nodes(self, nodes, scope: _Scope) -> None:
        for node in nodes:
            for cit in node.citations:
                self._check_citation(cit)
            self._check_notes(node.notes)
            self._check_duplicates(node.duplicates)
            if isinstance(node, A.Group):
                if node.when is not None:
                    self._expect(node.when, scope, BOOL, "when")
                self._check_nodes(node.children, scope)
                continue
            if not node.citations:
                self.err(
                    "E121",
                    node.span,
                    f"kriteria '{node.id}' tidak punya sitasi",
                    f"criterion '{node.id}' has no citation",
                    'tambahkan: cite SUMBER "bagian" line N',
                    'add: cite SOURCE "section" line N',
                )
            inner = _Scope({}, scope)
            for let in node.lets:
                self._check_let(let, inner)
            if node.when is not None:
                self._expect(node.when, inner, BOOL, "when")
            if node.require is None:
                self.err(
                    "E111",
                    node.span,
                    f"kriteria '{node.id}' tidak punya 'require'",
                    f"criterion '{node.id}' has no 'require'",
                )
            else:
                self._expect(node.require, inner, BOOL, "require")

    # ---- expressions ----
    def _expect(self, expr: A.Expr, scope: _Scope, want: T, where: str) -> None:
        got = self.expr(expr, scope)
        if not _compatible(got, want):
            self.err(
                "E142",
                expr.span,
                f"'{where}' harus bernilai {_tid(want)}, tetapi ini {_tid(got)}",
                f"'{where}' must be {want}, but this is {got}",
            )

    def expr(self, e: A.Expr, scope: _Scope) -> T:
        match e:
            case A.Literal(kind=kind):
                return MISSING if kind == "missing" else T(kind)
            case A.SetLit(items=items):
                kinds = {i.kind for i in items}
                if len(kinds) > 1:
                    self.err(
                        "E142", e.span, "himpunan mencampur jenis nilai", "the set mixes kinds of values"
                    )
                return T("set", kinds.pop() if len(kinds) == 1 else "any")
            case A.Name():
                return self._name(e, scope)
            case A.Field(target=target, name=fname):
                t = self.expr(target, scope)
                if t == ANY:
                    return ANY
                if t.name != "record":
                    self.err(
                        "E142",
                        e.span,
                        f"'.{fname}' hanya bisa dipakai pada catatan, bukan pada {_tid(t)}",
                        f"'.{fname}' can only be used on a record, not on {t}",
                    )
                    return ANY
                kind = self.contract.kind(t.kind or "")
                if kind is None:
                    return ANY
                spec = kind.fields.get(fname)
                if spec is None:
                    hint, hint_en = self._suggest(fname, kind.fields)
                    self.err(
                        "E141",
                        e.span,
                        f"'{kind.name}' tidak punya kolom '{fname}'",
                        f"'{kind.name}' has no field '{fname}'",
                        hint,
                        hint_en,
                    )
                    return ANY
                return _scalar(spec.type)
            case A.Call():
                return self._call(e, scope)
            case A.Aggregate():
                return self._aggregate(e, scope)
            case A.Unary(op="-", operand=o):
                self._expect_operand(o, scope, NUMBER, "-")
                return NUMBER
            case A.Unary(op="not", operand=o):
                self._expect_operand(o, scope, BOOL, "not")
                return BOOL
            case A.Binary(op=op, left=left, right=right) if op in ("and", "or"):
                self._expect_operand(left, scope, BOOL, op)
                self._expect_operand(right, scope, BOOL, op)
                return BOOL
            case A.Binary(op=op, left=left, right=right):
                lt, rt = self.expr(left, scope), self.expr(right, scope)
                for side, t in ((left, lt), (right, rt)):
                    if not _compatible(t, NUMBER):
                        self.err(
                            "E142",
                            side.span,
                            f"'{op}' memerlukan angka, tetapi ini {_tid(t)}",
                            f"'{op}' needs numbers, but this is {t}",
                            "untuk tanggal pakai add_days() atau days_between()",
                            "for dates use add_days() or days_between()",
                        )
                return NUMBER
            case A.Compare(op=op, left=left, right=right):
                lt, rt = self.expr(left, scope), self.expr(right, scope)
                if not _compatible(lt, rt) or lt.name not in SCALARS | {"any", "missing"}:
                    self.err(
                        "E142",
                        e.span,
                        f"tidak bisa membandingkan {_tid(lt)} dengan {_tid(rt)}",
                        f"cannot compare {lt} with {rt}",
                    )
                elif op not in ("==", "!=") and BOOL in (lt, rt):
                    self.err(
                        "E142",
                        e.span,
                        f"'{op}' tidak berlaku untuk ya/tidak",
                        f"'{op}' does not apply to booleans",
                    )
                return BOOL
            case A.InSet(value=v, set=s):
                vt, st = self.expr(v, scope), self.expr(s, scope)
                if st.name != "set" and st != ANY:
                    self.err(
                        "E144",
                        s.span,
                        f"sesudah 'in' harus ada valueset atau himpunan {{...}}, bukan {_tid(st)}",
                        f"'in' needs a valueset or a set {{...}}, not {st}",
                    )
                elif (
                    st.name == "set"
                    and st.kind not in (None, "any")
                    and not _compatible(vt, T(st.kind or "any"))
                ):
                    self.err(
                        "E142",
                        e.span,
                        f"nilai {_tid(vt)} tidak mungkin ada dalam himpunan {st.kind}",
                        f"a {vt} value can never be in a set of {st.kind}",
                    )
                return BOOL
            case A.Between(value=v, low=lo, high=hi):
                vt = self.expr(v, scope)
                for bound in (lo, hi):
                    bt = self.expr(bound, scope)
                    if not _compatible(vt, bt) or vt == BOOL:
                        self.err(
                            "E142",
                            bound.span,
                            f"batas 'between' {_tid(bt)} tidak cocok dengan nilai {_tid(vt)}",
                            f"'between' bound {bt} does not match the value {vt}",
                        )
                return BOOL
            case A.IsMissing(value=v):
                self.expr(v, scope)
                return BOOL
            case A.IfExpr(cond=c, then=t, else_=f):
                self._expect_operand(c, scope, BOOL, "if")
                tt, ft = self.expr(t, scope), self.expr(f, scope)
                if not _compatible(tt, ft):
                    self.err(
                        "E142",
                        e.span,
                        f"cabang 'then' ({_tid(tt)}) dan 'else' ({_tid(ft)}) berbeda jenis",
                        f"'then' ({tt}) and 'else' ({ft}) have different types",
                    )
                return tt if tt != MISSING else ft
        return ANY  # pragma: no cover

    def _expect_operand(self, e: A.Expr, scope: _Scope, want: T, op: str) -> None:
        t = self.expr(e, scope)
        if not _compatible(t, want):
            self.err(
                "E142",
                e.span,
                f"'{op}' memerlukan {_tid(want)}, tetapi ini {_tid(t)}",
                f"'{op}' needs {want}, but this is {t}",
            )

    def _name(self, e: A.Name, scope: _Scope) -> T:
        t = scope.lookup(e.name)
        if t is not None:
            return t
        if e.name in self.defines:
            d = self.defines[e.name]
            if d.params:
                self.err(
                    "E143",
                    e.span,
                    f"'{e.name}' adalah fungsi dengan {len(d.params)} parameter; panggil dengan (...)",
                    f"'{e.name}' is a function of {len(d.params)} parameters; call it with (...)",
                )
                return ANY
            saved = self.file
            t = self._define_type(e.name)
            self.file = saved
            return t
        options = scope.all_names() | set(self.defines)
        hint, hint_en = self._suggest(e.name, options)
        self.err(
            "E140",
            e.span,
            f"nama '{e.name}' tidak dikenal",
            f"unknown name '{e.name}'",
            hint,
            hint_en,
        )
        return ANY

    def _call(self, e: A.Call, scope: _Scope) -> T:
        args = [self.expr(a, scope) for a in e.args]
        if e.func in self.defines:
            d = self.defines[e.func]
            params = d.params or ()
            if d.params is None or len(params) != len(args):
                self.err(
                    "E143",
                    e.span,
                    f"'{e.func}' memerlukan {len(params)} argumen, diberi {len(args)}",
                    f"'{e.func}' takes {len(params)} arguments, {len(args)} given",
                )
                return ANY
            saved = self.file
            # errors inside the body belong to the define's file, reported once there
            before = len(self.diags)
            t = self._check_define_body(d, tuple(args), e.span)
            del self.diags[before:]
            self.file = saved
            return t
        if e.func not in BUILTINS:
            options = set(BUILTINS) | set(self.defines)
            hint, hint_en = self._suggest(e.func, options)
            if e.func in AGGREGATES:
                hint, hint_en = (
                    f"agregat ditulis {e.func}(v in KUMPULAN where ...)",
                    f"aggregates are written {e.func}(v in COLLECTION where ...)",
                )
            self.err(
                "E143",
                e.span,
                f"fungsi '{e.func}' tidak dikenal",
                f"unknown function '{e.func}'",
                hint,
                hint_en,
            )
            return ANY
        builtin = BUILTINS[e.func]
        if builtin.where == Where.DENOMINATOR and not self._in_denominator:
            self.err(
                "E146",
                e.span,
                f"{e.func}(...) hanya boleh dipakai dalam 'denominator'",
                f"{e.func}(...) may only be used in 'denominator'",
            )
        if builtin.where == Where.RULES and self._in_denominator:
            self.err(
                "E146",
                e.span,
                f"'denominator' hanya boleh memakai angka dan sasaran(...), bukan {e.func}()",
                f"'denominator' may only use numbers and sasaran(...), not {e.func}()",
            )
        params, result = builtin.params, builtin.result
        if params is None:
            if not args:
                self.err(
                    "E143",
                    e.span,
                    f"'{e.func}' memerlukan minimal 1 argumen",
                    f"'{e.func}' needs at least 1 argument",
                )
                return ANY
            first = next((a for a in args if a not in (ANY, MISSING)), args[0])
            for arg_expr, t in zip(e.args, args, strict=True):
                if not _compatible(t, first):
                    self.err(
                        "E142",
                        arg_expr.span,
                        f"argumen '{e.func}' harus sejenis ({_tid(first)}), ini {_tid(t)}",
                        f"arguments of '{e.func}' must have one type ({first}), this is {t}",
                    )
            return first
        if len(params) != len(args):
            self.err(
                "E143",
                e.span,
                f"'{e.func}' memerlukan {len(params)} argumen, diberi {len(args)}",
                f"'{e.func}' takes {len(params)} arguments, {len(args)} given",
            )
            return result or ANY
        for arg_expr, want, got in zip(e.args, params, args, strict=True):
            if not _compatible(got, want):
                self.err(
                    "E142",
                    arg_expr.span,
                    f"argumen '{e.func}' harus {_tid(want)}, tetapi ini {_tid(got)}",
                    f"argument of '{e.func}' must be {want}, but this is {got}",
                )
        if e.func == "sasaran" and not isinstance(e.args[0], A.Literal):
            self.err(
                "E146",
                e.span,
                "sasaran(...) memerlukan kode sasaran dalam tanda kutip",
                "sasaran(...) needs a quoted sasaran code",
            )
        return result or ANY

    def _aggregate(self, e: A.Aggregate, scope: _Scope) -> T:
        src = self.expr(e.source, scope)
        elem = ANY
        if src.name == "collection":
            elem = T("record", src.kind)
        elif src != ANY:
            self.err(
                "E145",
                e.source.span,
                f"'{e.func}' memerlukan kumpulan catatan, tetapi ini {_tid(src)}",
                f"'{e.func}' needs a collection of records, but this is {src}",
            )
        inner = _Scope({e.var: elem}, scope)
        if e.where is not None:
            self._expect_operand(e.where, inner, BOOL, "where")
        vt = self.expr(e.value, inner) if e.value is not None else None
        f = e.func
        needs_value = f in ("sum", "min", "max", "count_distinct", "all")
        if needs_value and vt is None:
            self.err(
                "E145",
                e.span,
                f"'{f}' memerlukan nilai sesudah ':' (mis. {f}(v in x : v.kolom))",
                f"'{f}' needs a value after ':' (e.g. {f}(v in x : v.field))",
            )
            vt = ANY
        if f in ("count", "any", "first", "last", "filter") and vt is not None:
            self.err(
                "E145",
                e.value.span if e.value else e.span,
                f"'{f}' tidak memakai nilai sesudah ':'; pakai 'where' untuk menyaring",
                f"'{f}' takes no value after ':'; use 'where' to filter",
            )
        if f in ("count", "count_distinct"):
            return NUMBER
        if f == "sum":
            if vt is not None and not _compatible(vt, NUMBER):
                self.err(
                    "E142",
                    e.span,
                    f"'sum' memerlukan angka, bukan {_tid(vt)}",
                    f"'sum' needs numbers, not {vt}",
                )
            return NUMBER
        if f in ("min", "max"):
            return vt or ANY
        if f == "all":
            if vt is not None and not _compatible(vt, BOOL):
                self.err(
                    "E142",
                    e.span,
                    f"'all' memerlukan syarat ya/tidak, bukan {_tid(vt)}",
                    f"'all' needs a condition, not {vt}",
                )
            return BOOL
        if f == "any":
            return BOOL
        if f in ("first", "last"):
            return elem
        return src if src.name == "collection" else ANY  # filter


def _scalar(type_name: str) -> T:
    scalars = {"integer": NUMBER, "number": NUMBER, "string": STRING, "time": STRING, "date": DATE}
    return {**scalars, "bool": BOOL}.get(type_name, ANY)


def check(files: Iterable[A.RuleFile], contract: Contract | None = None):
    """Check the files of one rule set together: (RuleSet or None, diagnostics)."""
    return Checker(files, contract).run()
