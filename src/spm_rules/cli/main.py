"""Command line: parse arguments, call the library, print, return an exit code.

Exit codes for every command: 0 success, 1 findings (where a command reports them),
2 usage or input error. Results go to stdout; diagnostics and problems to stderr.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import io
import json
import sys
import threading
import traceback
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from .. import __version__
from ..api import (
    closest_people,
    compiled_sql,
    explain_person,
    index_advice,
    index_data,
    open_register,
    open_subject_register,
    period_spec_for,
    prepare_data,
    rules_for,
    run_check,
    run_diff,
    select_standards,
    unindex_data,
)
from ..engine.compiled import DIALECTS, ENGINES
from ..engine.period import parse_period
from ..lang.errors import RuleError
from ..lang.library import choose
from ..lang.library import discover as discover_rule_sets
from ..lang.params import parse_pairs
from ..limits import DEFAULT_LIMITS
from ..messages import BilingualError
from ..registers.contract import load_contract
from ..report.catalogue import label as label_text
from ..report.catalogue import words
from ..report.ledger import ledger_csv
from ..report.privacy import Privacy, personal_values
from ..report.render_json import json_pieces, ledger_json, register_json, report_json, verdict_json
from ..resources import bundled_library, bundled_sample
from .outputs import OutputRefused, check_targets, write_atomic, write_pieces_atomic, write_text_atomic

if TYPE_CHECKING:
    from rich.console import Console

# Each command imports what only it uses (rich's tables, openpyxl, the HTML page, the rule
# tooling) when it runs: `explain` at city scale answers in well under a second, and a third
# of that was once spent importing what it never called (docs/performance.md).

OK, FINDINGS, USAGE = 0, 1, 2
FAILED = object()  # what a guarded step returns after it has reported an input error


class _Masked(io.TextIOBase):
    """A text stream that passes every complete line through the privacy policy."""

    def __init__(self, stream: TextIO, privacy: Privacy):
        self._stream, self._privacy, self._pending = stream, privacy, ""

    def write(self, s: str) -> int:
        self._pending += s
        if "\n" in self._pending:
            done, self._pending = self._pending.rsplit("\n", 1)
            self._stream.write(self._privacy.text(done) + "\n")
        return len(s)

    def flush(self) -> None:
        if self._pending:
            self._stream.write(self._privacy.text(self._pending))
            self._pending = ""
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()


def _console(stream: TextIO, privacy: Privacy | None) -> Console:
    from rich.console import Console

    # markup off: rule text and data contain [brackets] that are not rich markup
    file = _Masked(stream, privacy) if privacy is not None and privacy.mask else stream
    return Console(
        file=file, width=None if stream.isatty() else 160, highlight=False, markup=False, soft_wrap=False
    )


def _out(privacy: Privacy | None = None) -> Console:
    return _console(sys.stdout, privacy)


def _err(privacy: Privacy | None = None) -> Console:
    return _console(sys.stderr, privacy)


def _echo(text: str, privacy: Privacy, nl: bool = True) -> None:
    click.echo(privacy.text(text), nl=nl)


def _say_error(message: str, message_en: str, lang: str, privacy: Privacy | None = None) -> None:
    # one message, one line: logs and `grep` see it whole, whatever the terminal's width
    _err(privacy).print(f"spm-rules: {message_en if lang == 'en' else message}", markup=False, soft_wrap=True)


def _guarded(action, lang: str, privacy: Privacy | None = None):
    """Run one step; an input error (the one error root) is printed in plain words and
    FAILED returned (exit 2)."""
    try:
        return action()
    except RuleError as err:
        _err(privacy).print(err.report(lang), markup=False, highlight=False)
    except BilingualError as err:
        _err(privacy).print(f"spm-rules: {err.report(lang)}", markup=False, highlight=False)
    return FAILED


_rules_opt = click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder satu rule set, atau pustaka beberapa rule set / a rule set or a library of them. "
    "Default: pustaka bawaan (rules/): rule set yang berlaku untuk periode.",
)
_ruleset_opt = click.option(
    "--rule-set",
    "rule_set",
    default=None,
    help="Pakai rule set ini (nama, versi atau folder; lihat 'spm-rules rule-sets') / use this rule set.",
)
_param_opt = click.option(
    "--param",
    "params",
    multiple=True,
    help="Ubah parameter rule set untuk run ini, NAMA=NILAI (boleh berulang) / set a rule set parameter.",
)
_data_opt = click.option(
    "--data",
    "data",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder register CSV / register folder. Default: contoh bawaan (reports_in/sample).",
)
_period_opt = click.option(
    "--period",
    "period",
    default=None,
    help="2018, 2018/2019 (tahun ajaran), 2018-Q1, 2018-03. Default: periode contoh.yaml, "
    "atau tahun dengan catatan pelayanan terbanyak.",
)
_lang_opt = click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default="id",
    show_default=True,
    help="Bahasa keluaran / output language.",
)
_format_opt = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
_check_format_opt = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "xlsx", "html"]),
    default="text",
    show_default=True,
    help="xlsx dan html memerlukan --output FILE",
)
_mapping_opt = click.option(
    "--mapping",
    "mapping",
    type=click.Path(path_type=Path),
    default=None,
    help="Pemetaan kolom YAML (default: mapping.yaml di folder data bila ada).",
)
_limit_opt = click.option(
    "--limit",
    "limit",
    multiple=True,
    metavar="NAMA=N",
    help="Naikkan batas masukan (docs/robustness.md), mis. --limit xlsx_part_mb=1024.",
)
_mask_opt = click.option(
    "--mask-nik", is_flag=True, help="Samarkan NIK (3201********0003) untuk laporan yang dibagikan."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spm-rules")
def cli() -> None:
    """Periksa SPM Bidang Kesehatan dari catatan pelayanan per orang.

    Check Indonesia's SPM health standards against patient-level records.
    """


def _prepare_run(fmt, output, targets, limit, data, lang: str, early: Privacy):
    """What `check` and `diff` settle before reading: a file format has its --output, the
    limits parse, the data folder is ready, and no output would overwrite the inputs.
    (limits, source), or FAILED once the message is said."""
    if fmt in ("xlsx", "html") and output is None:
        _say_error(
            f"--format {fmt} memerlukan --output FILE.{fmt}",
            f"--format {fmt} needs --output FILE.{fmt}",
            lang,
        )
        return FAILED
    limits = _guarded(lambda: DEFAULT_LIMITS.with_pairs(limit), lang, early)
    source = FAILED if limits is FAILED else _guarded(lambda: prepare_data(data), lang, early)
    if source is FAILED:
        return FAILED
    if _guarded(lambda: check_targets(targets, [data, source.folder]), lang, early) is FAILED:
        return FAILED
    return limits, source


@cli.command()
@_rules_opt
@_ruleset_opt
@_param_opt
@_data_opt
@_period_opt
@click.option("--standard", "standards", multiple=True, help="Hanya standar ini (boleh berulang).")
@_lang_opt
@_check_format_opt
@_mask_opt
@click.option("--strict", is_flag=True, help="Gagal (exit 2) bila ada baris data yang ditolak.")
@_mapping_opt
@click.option(
    "--ledger",
    "ledger",
    type=click.Path(path_type=Path),
    default=None,
    help="Tulis nasib setiap baris (CSV): file, baris, nasib, alasan, subjek.",
)
@click.option(
    "--output",
    "output",
    type=click.Path(path_type=Path),
    default=None,
    help="File keluaran (wajib untuk --format xlsx).",
)
@_limit_opt
@click.option(
    "--quiet", "-q", is_flag=True, help="Hanya hasil dan galat; tanpa catatan dan kemajuan di stderr."
)
@click.option("--verbose", "-v", is_flag=True, help="Semua masalah data dan setiap tahap di stderr.")
@click.option(
    "--engine",
    type=click.Choice(list(ENGINES)),
    default="auto",
    show_default=True,
    help="auto: kueri DuckDB terkompilasi, juru tafsir bila tidak dapat dikompilasi (dikatakan di stderr); "
    "compiled: tanpa cadangan; interpreter: juru tafsir rujukan.",
)
def check(
    rules,
    rule_set,
    params,
    data,
    period,
    standards,
    lang,
    fmt,
    mask_nik,
    strict,
    mapping,
    ledger,
    output,
    limit,
    quiet,
    verbose,
    engine,
) -> int:
    """Hitung capaian SPM per fasilitas / compute SPM coverage per facility."""
    rules = rules or bundled_library()
    data = data or bundled_sample()
    early = Privacy(mask_nik)  # before the registers are read: NIK-shaped numbers only
    prepared = _prepare_run(fmt, output, [output, ledger], limit, data, lang, early)
    if prepared is FAILED:
        return USAGE
    limits, source = prepared
    with _progress(lang, quiet, verbose) as progress:
        result = _guarded(
            lambda: run_check(
                rules,
                source,
                period,
                list(standards) or None,
                mapping,
                limits=limits,
                progress=progress,
                rule_set=rule_set,
                params=parse_pairs(params),
                engine=engine,
            ),
            lang,
            early,
        )
    if result is FAILED:
        return USAGE
    privacy = Privacy.for_register(result.register, mask_nik)
    for fallback in result.fallbacks:  # never silent, not even with --quiet
        _say_error(
            f"standar {fallback.standard} dinilai dengan juru tafsir: {fallback.reason.text('id')}",
            f"standard {fallback.standard} evaluated by the interpreter: {fallback.reason.text('en')}",
            lang,
            privacy,
        )
    if result.period_source != "option" and not quiet:
        why_id = {"manifest": "periode contoh.yaml", "data": "tahun dengan catatan pelayanan terbanyak"}
        why_en = {"manifest": "the contoh.yaml period", "data": "the year with most service records"}
        _say_error(
            f"--period tidak diberikan: dipakai {result.period_spec} ({why_id[result.period_source]})",
            f"no --period given: using {result.period_spec} ({why_en[result.period_source]})",
            lang,
            privacy,
        )
    stamp = result.stamp
    if not quiet:
        _say_rule_set(stamp, lang, privacy)
    label = stamp.line(lang)
    written = _guarded(
        lambda: _write_check(result, fmt, output, ledger, standards, label, lang, privacy, quiet, verbose),
        lang,
        privacy,
    )
    if written is FAILED:
        return USAGE
    if strict and any(p.severity == "error" for p in result.register.problems):
        _say_error(
            "--strict: ada baris atau file yang ditolak atau dilewati",
            "--strict: rows or files were rejected or skipped",
            lang,
            privacy,
        )
        return USAGE
    return OK


def _write_check(
    result, fmt, output, ledger, standards, label, lang, privacy: Privacy, quiet, verbose
) -> bool:
    """Every result of `check` to its place: stdout, or files written whole (never half)."""
    from rich.console import Console

    from ..report.render_html import render_html
    from ..report.render_text import render_input_summary, render_ledger_summary
    from ..report.render_xlsx import write_xlsx

    try:
        if ledger is not None:
            write_text_atomic(ledger, privacy.text(ledger_csv(result.ledger, lang)))
        shown = [r for r in result.reports if r.rows or standards]
        if fmt == "xlsx":
            write_atomic(output, lambda tmp: write_xlsx(tmp, shown, lang, privacy, result.stamp))
            if not quiet:
                render_ledger_summary(_err(privacy), result.ledger, lang)
            return True
        if fmt == "html":
            page = render_html(
                shown, result.stamp, result.rules.header, result.inputs, lang, result.register.not_read
            )
            write_text_atomic(output, privacy.text(page))
            if not quiet:
                render_ledger_summary(_err(privacy), result.ledger, lang)
            return True
        if fmt == "json":
            doc = report_json(result.reports, result.register, label, lang)
            doc["in_force"] = result.in_force
            doc["rule_set"] = result.stamp.as_json()
            doc["ledger"] = ledger_json(result.ledger, lang)
            # written a piece at a time (a city's report is 68-117 MB); masked whole
            pieces = json_pieces(doc, end="\n")
            if privacy.mask:
                pieces = iter([privacy.text("".join(pieces))])
            if output is None:
                for piece in pieces:
                    click.echo(piece, nl=False)
            else:
                write_pieces_atomic(output, pieces)
        elif output is None:
            _render_check_text(_out(privacy), result, standards, label, lang)
        else:
            buffer = io.StringIO()
            console = Console(file=buffer, width=160, highlight=False, markup=False)
            _render_check_text(console, result, standards, label, lang)
            write_text_atomic(output, privacy.text(buffer.getvalue()))
        if result.register.problems:
            render_input_summary(
                _err(privacy), result.register, lang, 0 if quiet else None if verbose else 50
            )
        return True
    except OSError as err:
        target = err.filename or output or ledger
        raise OutputRefused(
            f"tidak bisa menulis {target}: {err.strerror}", f"cannot write {target}: {err.strerror}"
        ) from None


@contextlib.contextmanager
def _progress(lang: str, quiet: bool, verbose: bool):
    """A progress bar on stderr when it is a terminal (reading, evaluating); a line per stage
    with --verbose when it is not; nothing with --quiet."""
    if quiet or not (sys.stderr.isatty() or verbose):
        yield None
        return
    names = {
        "read": ("membaca file", "reading files"),
        "evaluate": ("menilai standar", "evaluating standards"),
    }
    if not sys.stderr.isatty():

        def line(stage: str, done: int, total: int) -> None:
            _err().print(f"spm-rules: {names[stage][lang == 'en']} {done}/{total}", markup=False)

        yield line
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=_err(), transient=True
    ) as bar:
        tasks: dict[str, int] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(names[stage][lang == "en"], total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update


def _say_rule_set(stamp, lang: str, privacy: Privacy) -> None:
    """Which rules produced the numbers, and why these: on stderr, before anything else."""
    why = "; ".join(stamp.why(lang))
    _say_error(
        f"aturan: {stamp.line('id')}" + (f" — {why}" if why else ""),
        f"rules: {stamp.line('en')}" + (f" — {why}" if why else ""),
        lang,
        privacy,
    )
    if stamp.provisional:
        banner = label_text("provisional_banner", "id"), label_text("provisional_banner", "en")
        _say_error(*banner, lang, privacy)


@cli.command()
@click.option("--from", "rule_set_from", required=True, help="Rule set pertama (nama, versi, folder).")
@click.option("--to", "rule_set_to", required=True, help="Rule set kedua (nama, versi, folder).")
@_rules_opt
@_param_opt
@_data_opt
@_period_opt
@click.option("--standard", "standards", multiple=True, help="Hanya standar ini (boleh berulang).")
@_lang_opt
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "xlsx"]),
    default="text",
    show_default=True,
    help="xlsx memerlukan --output FILE",
)
@click.option("--output", "output", type=click.Path(path_type=Path), default=None, help="File keluaran.")
@_mask_opt
@_mapping_opt
@_limit_opt
@click.option("--quiet", "-q", is_flag=True, help="Hanya hasil dan galat.")
def diff(
    rule_set_from,
    rule_set_to,
    rules,
    params,
    data,
    period,
    standards,
    lang,
    fmt,
    output,
    mask_nik,
    mapping,
    limit,
    quiet,
) -> int:
    """Bandingkan hasil dua rule set pada data yang sama / compare two rule sets on the same data."""
    rules = rules or bundled_library()
    data = data or bundled_sample()
    early = Privacy(mask_nik)
    prepared = _prepare_run(fmt, output, [output], limit, data, lang, early)
    if prepared is FAILED:
        return USAGE
    limits, source = prepared
    with _progress(lang, quiet, False) as progress:
        result = _guarded(
            lambda: run_diff(
                rules,
                rule_set_from,
                rule_set_to,
                source,
                period,
                list(standards) or None,
                mapping,
                limits,
                progress,
                parse_pairs(params),
            ),
            lang,
            early,
        )
    if result is FAILED:
        return USAGE
    privacy = Privacy.for_register(result.before.register, mask_nik)
    a, b = result.before.stamp, result.after.stamp
    if not quiet:
        for stamp in (a, b):
            _say_rule_set(stamp, lang, privacy)
    spec = result.before.period_spec

    def write() -> None:
        from rich.console import Console

        from ..report.render_diff import diff_json, render_diff_text, write_diff_xlsx

        if fmt == "xlsx":
            write_atomic(output, lambda tmp: write_diff_xlsx(tmp, result.services, a, b, lang, privacy))
        elif fmt == "json":
            text = json.dumps(diff_json(result.services, a, b, spec, lang), ensure_ascii=False, indent=2)
            if output is None:
                _echo(text, privacy)
            else:
                write_text_atomic(output, privacy.text(text + "\n"))
        elif output is None:
            render_diff_text(_out(privacy), result.services, a, b, lang)
        else:
            buffer = io.StringIO()
            console = Console(file=buffer, width=160, highlight=False)
            render_diff_text(console, result.services, a, b, lang, 10**9)
            write_text_atomic(output, privacy.text(buffer.getvalue()))

    if _guarded(write, lang, privacy) is FAILED:
        return USAGE
    return OK


@cli.command(name="rule-sets")
@_rules_opt
@_period_opt
@_lang_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rule_sets(rules, period, lang, fmt) -> int:
    """Daftar rule set dan yang berlaku untuk periode / list rule sets and the one in force."""
    rules = rules or bundled_library()
    if _missing_paths((rules,), lang):
        return USAGE
    infos = discover_rule_sets([rules])  # read once: listed, and chosen from
    spec = period or str(dt.date.today().year)
    year = _guarded(lambda: parse_period(spec, "year"), lang)
    if year is FAILED:
        return USAGE
    picked = _guarded(lambda: choose(infos, None, year.start, year.end), lang)
    if picked is FAILED:
        return USAGE
    folder = picked.info.folder
    rows = [
        {
            "name": i.name,
            "folder": str(i.folder),
            "regulation": i.header.regulation,
            "version": i.header.version,
            "status": i.header.status or "final",
            "effective_from": i.header.effective_from.isoformat() if i.header.effective_from else None,
            "effective_to": i.header.effective_to.isoformat() if i.header.effective_to else None,
            "in_force_for_period": i.start <= year.end and year.start <= i.end,
            "chosen_for_period": i.folder.resolve() == folder.resolve(),
        }
        for i in infos
    ]
    if fmt == "json":
        _echo(json.dumps({"period": spec, "rule_sets": rows}, ensure_ascii=False, indent=2), Privacy())
        return OK
    from rich.table import Table

    table = Table(box=None, pad_edge=False)
    for head in ("", "rule set", "regulation", "version", "status", "effective", "folder"):
        table.add_column(head)
    for r in rows:
        status = label_text(f"status_{r['status']}", lang)
        table.add_row(
            "→" if r["chosen_for_period"] else "*" if r["in_force_for_period"] else "",
            r["name"],
            r["regulation"] or "",
            r["version"] or "",
            status,
            f"{r['effective_from'] or '-'} {label_text('until', lang)} {r['effective_to'] or '-'}",
            r["folder"],
        )
    out = _out(None)
    out.print(table)
    out.print(words("say.rule_sets_legend", lang, period=spec), markup=False)
    return OK


def _render_check_text(out: Console, result, standards, label: str, lang: str) -> None:
    from ..report.render_text import render_input_summary, render_ledger_summary, render_report

    empty = []
    if result.stamp.provisional:
        out.print(label_text("provisional_banner", lang), markup=False, style="bold yellow")
    for report in result.reports:
        if not report.rows and not standards:
            empty.append(report.standard.id)
            continue
        render_report(out, report, lang, label, result.in_force)
    if empty:
        out.print(words("say.no_subject", lang, standards=tuple(empty)), markup=False)
    render_ledger_summary(out, result.ledger, lang)
    if not result.register.problems:
        render_input_summary(out, result.register, lang)


@cli.command()
@click.option(
    "--standard", "standards", multiple=True, help="Hanya standar ini (boleh berulang). Default: semua."
)
@click.option(
    "--subject", "subject", required=True, help="NIK, id lokal, atau kunci subjek (mis. id_kehamilan)."
)
@_rules_opt
@_ruleset_opt
@_param_opt
@_data_opt
@_period_opt
@_lang_opt
@_format_opt
@_mask_opt
@_limit_opt
@click.option(
    "--verbose", "-v", is_flag=True, help="Tampilkan juga syarat aturan apa adanya (untuk penyusun aturan)."
)
def explain(
    standards, subject, rules, rule_set, params, data, period, lang, fmt, mask_nik, limit, verbose
) -> int:
    """Jelaskan putusan satu orang atau subjek / explain a person's or subject's verdicts."""
    rules = rules or bundled_library()
    data = data or bundled_sample()
    early = Privacy(mask_nik, [subject])
    limits = _guarded(lambda: DEFAULT_LIMITS.with_pairs(limit), lang, early)
    if limits is FAILED:
        return USAGE
    source = _guarded(lambda: prepare_data(data), lang, early)
    if source is FAILED:
        return USAGE
    # with a period (asked for, or the worked example's), only the subject's rows are read: the
    # same verdict as a full read (registers/prefilter.py), in a fraction of a second at city
    # scale; without one, the default period needs every record, so everything is read
    sliced = bool(period or source.period)
    if (advice := _guarded(lambda: index_advice(source, sliced), lang, early)) not in (None, FAILED):
        _say_error(*advice, lang, early)  # before the read: at city scale it is what takes time
    register = _guarded(
        lambda: (
            open_subject_register(source, subject, load_contract(), limits)
            if sliced
            else open_register(source, load_contract(), limits=limits)
        ),
        lang,
        early,
    )
    if register is FAILED:
        return USAGE
    spec = period_spec_for(register, period, source)
    loaded = _guarded(lambda: rules_for(rules, rule_set, spec, limits, parse_pairs(params)), lang, early)
    if loaded is FAILED:
        return USAGE
    rs, _choice = loaded
    if _guarded(lambda: select_standards(rs, list(standards)), lang, early) is FAILED:
        return USAGE
    privacy = Privacy(True, [subject, *personal_values(register)]) if mask_nik else Privacy()
    found = _guarded(
        lambda: explain_person(rs, register, subject, period, source, list(standards) or None), lang, privacy
    )
    if found is FAILED:
        return USAGE
    if not found:
        if sliced:  # the hint looks for near NIKs among everyone: that needs the full read
            register = _guarded(lambda: open_register(source, load_contract(), limits=limits), lang, early)
            if register is FAILED:
                return USAGE
        near = closest_people(register, subject)
        hint_id = f"; mungkin maksud Anda: {', '.join(near)}" if near else ""
        hint_en = f"; did you mean: {', '.join(near)}" if near else ""
        _say_error(
            f"'{subject}' bukan subjek standar mana pun di data ini{hint_id}",
            f"'{subject}' is a subject of no standard in this data{hint_en}",
            lang,
            privacy,
        )
        return USAGE
    if fmt == "json":
        docs = [verdict_json(std, verdict, lang) for std, verdict in found]
        _echo(json.dumps(docs[0] if len(docs) == 1 else docs, ensure_ascii=False, indent=2), privacy)
    else:
        from ..report.render_text import render_explain

        out = _out(privacy)
        for i, (std, verdict) in enumerate(found):
            if i:
                out.print()
            render_explain(out, std, verdict, lang, raw=verbose)
    return OK


@cli.command(name="index")
@_data_opt
@_mapping_opt
@click.option("--remove", is_flag=True, help="Hapus indeks folder ini / delete this folder's index.")
@_lang_opt
@_limit_opt
def index_cmd(data, mapping, remove, lang, limit) -> int:
    """Buat indeks pengenal agar explain cepat pada data sebesar kota / index identifiers for explain.

    Indeks (hash NIK dan nomor lain, nomor baris dan posisinya) disimpan di cache pengguna ini,
    bukan di folder data; explain memakainya selama file tidak berubah."""
    data = data or bundled_sample()
    limits = _guarded(lambda: DEFAULT_LIMITS.with_pairs(limit), lang)
    if limits is FAILED:
        return USAGE
    if remove:
        gone = _guarded(lambda: unindex_data(data), lang)
        if gone is FAILED:
            return USAGE
        click.echo(
            ("indeks dihapus" if gone else "tidak ada indeks")
            if lang == "id"
            else ("index deleted" if gone else "there was no index")
        )
        return OK
    report = _guarded(lambda: index_data(data, mapping, limits), lang)
    if report is FAILED:
        return USAGE
    from ..report.i18n import number

    en = lang == "en"
    lines = number(sum(f.rows for f in report.files), lang)
    unit, scale = ("MiB", 1024 * 1024) if report.size >= 1024 * 1024 else ("KiB", 1024)
    size = f"{number(Decimal(report.size * 10 // scale) / 10, lang)} {unit}"
    seconds = number(Decimal(round(report.seconds * 10)) / 10, lang)
    click.echo(
        f"{len(report.files)} {'files indexed' if en else 'file diindeks'}: "
        f"{number(report.entries, lang)} {'identifiers in' if en else 'pengenal di'} {lines} "
        f"{'lines' if en else 'baris'}, {size}, {seconds} s"
    )
    click.echo(f"{'stored in' if en else 'disimpan di'} {report.location}")
    for skipped in report.skipped:
        why = skipped.why_en if en else skipped.why
        click.echo(f"  {skipped.name}: {'not indexed' if en else 'tidak diindeks'} ({why})")
    return OK


@cli.command(name="sql")
@click.option("--standard", "standard", required=True, help="Standar yang dikompilasi / the standard.")
@click.option("--dialect", type=click.Choice(list(DIALECTS)), default="duckdb", show_default=True)
@_rules_opt
@_ruleset_opt
@click.option(
    "--period", "period", default="2018", show_default=True, help="2018, 2018/2019, 2018-Q1, 2018-03."
)
@_lang_opt
def sql_cmd(standard, dialect, rules, rule_set, period, lang) -> int:
    """Cetak kueri SQL terkompilasi satu standar / print a standard's compiled query."""
    rules = rules or bundled_library()
    text = _guarded(lambda: compiled_sql(rules, standard, period, dialect, rule_set), lang)
    if text is FAILED:
        return USAGE
    click.echo(text)
    return OK


@cli.command()
@click.argument("data", type=click.Path(path_type=Path), required=False)
@_mapping_opt
@_lang_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_mask_opt
@_limit_opt
def validate(data, mapping, lang, fmt, mask_nik, limit) -> int:
    """Periksa register terhadap kontrak data / validate registers against the data contract."""
    data = data or bundled_sample()
    limits = _guarded(lambda: DEFAULT_LIMITS.with_pairs(limit), lang)
    if limits is FAILED:
        return USAGE
    register = _guarded(lambda: open_register(data, None, mapping, limits=limits), lang, Privacy(mask_nik))
    if register is FAILED:
        return USAGE
    privacy = Privacy.for_register(register, mask_nik)
    if fmt == "json":
        doc = register_json(register, lang)
        _echo(json.dumps(doc, ensure_ascii=False, indent=2), privacy)
    else:
        from ..report.render_text import render_validation

        render_validation(_out(privacy), register, lang)
    return FINDINGS if any(p.severity == "error" for p in register.problems) else OK


_tool_format = click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "junit", "github"]),
    default="text",
    show_default=True,
    help="Format keluaran / output format.",
)
_paths_arg = click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
_config_opt = click.option(
    "--config",
    "config",
    type=click.Path(path_type=Path),
    default=None,
    help="File pengaturan (default: spm-rules.yaml di folder ini bila ada).",
)


def _config(path: Path | None, lang: str):
    from ..tooling.config import load_config

    try:
        return load_config(path)
    except BilingualError as err:
        _say_error(err.message, err.message_en, lang)
        return FAILED


def _missing_paths(paths: tuple[Path, ...], lang: str) -> bool:
    gone = [p for p in paths if not p.exists()]
    for p in gone:
        _say_error(f"path tidak ditemukan: {p}", f"path not found: {p}", lang)
    return bool(gone)


@cli.command()
@_paths_arg
@_config_opt
@_tool_format
@_lang_opt
@_limit_opt
@click.option(
    "--no-provisional",
    "no_provisional",
    is_flag=True,
    help="Tolak rule set berstatus sementara (provisional), mis. di CI / reject provisional rule sets.",
)
def lint(paths, config, fmt, lang, limit, no_provisional) -> int:
    """Periksa file aturan: sintaks, tipe, sitasi, syarat mustahil, ... / lint rule files."""
    paths = paths or (Path("rules"),)
    if _missing_paths(paths, lang):
        return USAGE
    cfg = _config(config, lang)
    if cfg is FAILED:
        return USAGE
    limits = _guarded(lambda: DEFAULT_LIMITS.with_pairs(limit), lang)
    if limits is FAILED:
        return USAGE
    from ..tooling.lint import lint_paths
    from ..tooling.output import lint_output

    result = lint_paths(list(paths), cfg, limits, provisional_ok=not no_provisional)
    click.echo(lint_output(result, cfg, fmt, lang), nl=False)
    return FINDINGS if result.failing(cfg) else OK


@cli.command(name="test")
@_paths_arg
@click.option("--coverage", is_flag=True, help="Laporkan cakupan kriteria dan syarat.")
@click.option(
    "--threshold",
    type=click.FloatRange(0, 100),
    default=None,
    help="Gagal bila cakupan di bawah P persen (memerlukan --coverage).",
)
@click.option("-k", "select", default=None, help="Hanya case yang namanya cocok (teks atau pola).")
@_config_opt
@_tool_format
@_lang_opt
@_mask_opt
def test_cmd(paths, coverage, threshold, select, config, fmt, lang, mask_nik) -> int:
    """Jalankan uji YAML di samping file aturan / run the YAML tests next to the rules."""
    paths = paths or (Path("rules"),)
    if _missing_paths(paths, lang):
        return USAGE
    cfg = _config(config, lang)
    if cfg is FAILED:
        return USAGE
    from ..tooling.output import test_output
    from ..tooling.testing import discover, run_tests

    if not discover(list(paths)):
        _say_error("tidak ada file uji (*.test.yaml)", "no test files (*.test.yaml) found", lang)
        return USAGE
    run = run_tests(list(paths), select, lang)
    _echo(test_output(run, fmt, lang, coverage), Privacy(mask_nik), nl=False)
    if threshold is None and coverage:
        threshold = cfg.threshold
    failed = run.count("failed") + run.count("error") + len(run.errors)
    under = coverage and threshold is not None and run.coverage_percent < threshold
    if under:
        _say_error(
            f"cakupan {run.coverage_percent:.1f} % di bawah ambang {threshold:g} %",
            f"coverage {run.coverage_percent:.1f} % is below the threshold {threshold:g} %",
            lang,
        )
    return FINDINGS if failed or under else OK


@cli.command(name="fmt")
@_paths_arg
@click.option("--check", is_flag=True, help="Jangan menulis; tampilkan beda dan keluar 1.")
@_tool_format
@_lang_opt
@_limit_opt
def fmt_cmd(paths, check, fmt, lang, limit) -> int:
    """Rapikan file aturan ke satu tata letak baku / format rule files."""
    paths = paths or (Path("rules"),)
    if _missing_paths(paths, lang):
        return USAGE
    limits = _guarded(lambda: DEFAULT_LIMITS.with_pairs(limit), lang)
    if limits is FAILED:
        return USAGE
    from ..tooling.fmt import fmt_paths
    from ..tooling.output import fmt_output

    result = fmt_paths(list(paths), write=not check, limits=limits)
    click.echo(fmt_output(result, fmt, lang, check), nl=False)
    if result.errors:
        return USAGE
    return FINDINGS if check and result.changed else OK


# Deeply nested rule text or data must meet a limit with a message, not the interpreter's
# stack: commands run in a thread with a large stack and a high recursion limit, and the
# limits in `spm_rules.limits` are checked before recursion could exhaust it.
_STACK_BYTES = 512 * 1024 * 1024
_RECURSION = 60_000


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (used by tests and `entry`).

    One guard at the top: any unexpected exception becomes a short message with a hint to
    report it, and exit code 2; `--debug` (anywhere on the command line) shows the traceback.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    args = [a for a in args if a != "--debug"]
    outcome: list[int] = []

    def run() -> None:
        sys.setrecursionlimit(max(sys.getrecursionlimit(), _RECURSION))
        try:
            outcome.append(_main(args))
        except Exception as exc:
            if debug:
                traceback.print_exc()
            else:
                _say_error(
                    f"kesalahan internal ({type(exc).__name__}: {exc}). Ini kesalahan program, bukan "
                    "data Anda: laporkan dengan perintah yang sama ditambah --debug.",
                    f"internal error ({type(exc).__name__}: {exc}). This is a bug, not your data: "
                    "report it with the same command and --debug added.",
                    _lang_of(args),
                )
            outcome.append(USAGE)

    previous = threading.stack_size(_STACK_BYTES)
    # A run makes millions of small objects that live until it ends (records, verdicts, ledger
    # rows) and form no cycles: the cyclic collector would walk them again and again for no
    # garbage (15-17 s of a 96 s city run). It rests while the command runs.
    collecting = gc.isenabled()
    gc.disable()
    try:
        worker = threading.Thread(target=run, name="spm-rules")
        worker.start()
        worker.join()
    finally:
        threading.stack_size(previous)
        if collecting:
            gc.enable()
    return outcome[0] if outcome else USAGE


def _lang_of(args: list[str]) -> str:
    for i, a in enumerate(args):
        if a == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if a.startswith("--lang="):
            return a.split("=", 1)[1]
    return "id"


def _main(argv: list[str]) -> int:
    try:
        rv = cli.main(args=argv, prog_name="spm-rules", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.ctx.get_help() if exc.ctx else str(exc))
        return USAGE
    except click.UsageError as exc:
        exc.show()
        return USAGE
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return USAGE
    except click.Abort:
        return USAGE
    return rv if isinstance(rv, int) else OK


def entry() -> None:
    sys.exit(main())
