"""`python -m i18n render|check`: what every message looks like by SMS, and whether it fits.

python -m i18n render --all --worst-case --json
python -m i18n check
"""

from __future__ import annotations

import json
import sys

import click

from i18n.checks import WorstCase, all_worst_cases, check_all, fits
from i18n.languages import SUPPORTED_LANGUAGES, normalize_language
from i18n.registry import TEMPLATES


def _segment_table(cases: list[WorstCase]) -> str:
    """Locales down, templates across: worst-case segments, `!` where over budget."""
    templates = list(dict.fromkeys(case.template for case in cases))
    cells = {(case.language, case.template): case for case in cases}
    languages = list(dict.fromkeys(case.language for case in cases))
    header = ["locale", *templates]
    rows = [header]
    for language in languages:
        row = [language]
        for template in templates:
            case = cells[(language, template)]
            mark = "!" if not fits(case) else ""
            row.append(f"{case.sms.segments}/{case.sms.budget}{mark}")
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    )


@click.group()
def main() -> None:
    """Mutua's message catalogs."""


@main.command()
@click.option("--all", "everything", is_flag=True, help="Every template in every locale.")
@click.option("--template", "template_ids", multiple=True, type=click.Choice(sorted(TEMPLATES)))
@click.option("--locale", "locales", multiple=True, help="BCP-47 tag; repeatable.")
@click.option("--worst-case", is_flag=True, help="Render with the longest values allowed.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def render(
    everything: bool,
    template_ids: tuple[str, ...],
    locales: tuple[str, ...],
    worst_case: bool,
    as_json: bool,
) -> None:
    """Render templates for SMS as they would be sent."""
    if not worst_case:
        raise click.UsageError("only --worst-case values are available from the command line")
    if not everything and not template_ids and not locales:
        raise click.UsageError("name --template/--locale, or pass --all")
    languages = tuple(normalize_language(tag) for tag in locales) or SUPPORTED_LANGUAGES
    cases = list(all_worst_cases(languages, () if everything else template_ids))
    if as_json:
        click.echo(json.dumps([case.as_json() for case in cases], ensure_ascii=False, indent=1))
        return
    for case in cases:
        sms = case.sms
        click.echo(
            f"[{case.language}] {case.template}: {sms.encoding}, {sms.segments}/{sms.budget}"
        )
        click.echo(f"  {sms.text}")


@main.command()
def check() -> None:
    """Fail on a missing translation, plural form, placeholder mismatch or budget overrun."""
    problems, cases = check_all()
    click.echo(_segment_table(cases))
    if problems:
        click.echo(f"\n{len(problems)} problem(s):", err=True)
        for problem in problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    click.echo(f"\nAll {len(SUPPORTED_LANGUAGES)} catalogs complete and within budget.")


if __name__ == "__main__":
    main()
