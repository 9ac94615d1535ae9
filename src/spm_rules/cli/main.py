"""Command line: parse arguments, call the library, print, return an exit code.

Exit codes for every command: 0 success, 1 findings (where a command reports them),
2 usage or input error. Results go to stdout; diagnostics and problems to stderr.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from rich.console import Console

from .. import __version__
from ..api import UnknownStandard, explain_subject, run_check, select_standards
from ..engine.period import PeriodError
from ..lang.errors import RuleError, format_diagnostic
from ..lang.loader import load_rules
from ..registers.readers import read_folder
from ..report.render_json import report_json, verdict_json
from ..report.render_text import render_explain, render_input_summary, render_report
from ..resources import bundled_rules, bundled_sample

OK, FINDINGS, USAGE = 0, 1, 2
FAILED = object()  # what a guarded step returns after it has reported an input error


def _out() -> Console:
    return Console(width=None if sys.stdout.isatty() else 160, highlight=False)


def _err() -> Console:
    return Console(stderr=True, width=None if sys.stderr.isatty() else 160, highlight=False)


def _say_error(message: str, message_en: str, lang: str) -> None:
    _err().print(f"spm-rules: {message_en if lang == 'en' else message}", markup=False)


def _print_rule_errors(err: RuleError, lang: str) -> None:
    con = _err()
    for d in err.diagnostics:
        try:
            text = Path(d.file).read_text(encoding="utf-8")
        except OSError:
            text = None
        con.print(format_diagnostic(d, text, lang), markup=False, highlight=False)
    n = len(err.diagnostics)
    con.print(
        f"{n} galat pada aturan; tidak ada yang dievaluasi."
        if lang != "en"
        else f"{n} error(s) in the rules; nothing was evaluated.",
        markup=False,
    )


def _guarded(action, lang: str, known: list[str] | None = None):
    """Run one step; an input error is printed in plain words and FAILED returned (exit 2)."""
    try:
        value = action()
    except RuleError as err:
        _print_rule_errors(err, lang)
        return FAILED
    except FileNotFoundError as err:
        _say_error(f"folder data tidak ditemukan: {err}", f"data folder not found: {err}", lang)
        return FAILED
    except PeriodError as err:
        _say_error(err.message, err.message_en, lang)
        return FAILED
    except UnknownStandard as err:
        extra_id = f" (ada: {', '.join(known)})" if known else ""
        extra_en = f" (known: {', '.join(known)})" if known else ""
        _say_error(f"standar tidak dikenal: {err}{extra_id}", f"unknown standard: {err}{extra_en}", lang)
        return FAILED
    return value


_rules_opt = click.option(
    "--rules",
    "rules",
    type=click.Path(path_type=Path),
    default=None,
    help="Folder aturan (.spm) / rule folder. Default: aturan bawaan (Permenkes 43/2016).",
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
    help="2018, 2018/2019 (tahun ajaran), 2018-Q1, 2018-03. Default: tahun data terakhir.",
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
_mask_opt = click.option(
    "--mask-nik", is_flag=True, help="Samarkan NIK (3201********0003) untuk laporan yang dibagikan."
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="spm-rules")
def cli() -> None:
    """Periksa SPM Bidang Kesehatan dari catatan pelayanan per orang.

    Check Indonesia's SPM health standards against patient-level records.
    """


@cli.command()
@_rules_opt
@_data_opt
@_period_opt
@click.option("--standard", "standards", multiple=True, help="Hanya standar ini (boleh berulang).")
@_lang_opt
@_format_opt
@_mask_opt
@click.option("--strict", is_flag=True, help="Gagal (exit 2) bila ada baris data yang ditolak.")
def check(rules, data, period, standards, lang, fmt, mask_nik, strict) -> int:
    """Hitung capaian SPM per fasilitas / compute SPM coverage per facility."""
    rules = rules or bundled_rules()
    data = data or bundled_sample()
    result = _guarded(lambda: run_check(rules, data, period, list(standards) or None), lang)
    if result is FAILED:
        return USAGE
    label = f"{result.rules.name} ({result.rules.header.regulation or ''})"
    if fmt == "json":
        doc = report_json(result.reports, result.register, label, mask_nik)
        doc["in_force"] = result.in_force
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        out = _out()
        for report in result.reports:
            render_report(out, report, result.register, lang, label, result.in_force)
        render_input_summary(_err() if result.register.problems else out, result.register, lang)
    if strict and result.register.rows_rejected:
        return USAGE
    return OK


@cli.command()
@click.option("--standard", "standard", required=True, help="Id standar, mis. ibu_hamil.")
@click.option(
    "--subject", "subject", required=True, help="Kunci subjek: id_kehamilan, NIK, ... sesuai standar."
)
@_rules_opt
@_data_opt
@_period_opt
@_lang_opt
@_format_opt
@_mask_opt
def explain(standard, subject, rules, data, period, lang, fmt, mask_nik) -> int:
    """Jelaskan putusan satu subjek / explain one subject's verdict."""
    rules = rules or bundled_rules()
    data = data or bundled_sample()
    rs = _guarded(lambda: load_rules(rules), lang)
    if rs is FAILED:
        return USAGE
    std = _guarded(lambda: select_standards(rs, [standard])[0], lang, known=list(rs.standards))
    if std is FAILED:
        return USAGE
    register = _guarded(lambda: read_folder(data, rs.contract), lang)
    if register is FAILED:
        return USAGE
    verdict = _guarded(lambda: explain_subject(rs, register, std, subject, period), lang)
    if verdict is FAILED:
        return USAGE
    if verdict is None:
        _say_error(
            f"subjek '{subject}' tidak ada di register {std.subject_kind}",
            f"no subject '{subject}' in the {std.subject_kind} register",
            lang,
        )
        return USAGE
    if fmt == "json":
        click.echo(json.dumps(verdict_json(std, verdict, mask_nik), ensure_ascii=False, indent=2))
    else:
        render_explain(_out(), std, verdict, lang, mask_nik)
    return OK


def main(argv: list[str] | None = None) -> int:
    """Run the CLI in-process and return its exit code (used by tests and `entry`)."""
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
