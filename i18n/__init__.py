"""Mutua's languages: catalogs, language choice, locale formatting and SMS-safe text.

The rest of Mutua uses only what is exported here; the registry of templates
(`i18n.registry`) says which values each message takes and its SMS budget.

Adding or changing a message: edit `i18n/registry.py` (`i18n/pages.py` for the web
pages' texts), run `make i18n-update` (extracts
`i18n/messages.pot` and merges it into every `i18n/locales/*/LC_MESSAGES/messages.po`),
translate the new entries, then `python -m i18n check` (completeness, placeholders, plural
forms, msgfmt, and every template's worst case against its budget) and
`python -m i18n render --all --worst-case` to read what workers will receive.
"""

from i18n.keywords import Keyword, match_keyword, parse_language_choice
from i18n.languages import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    SUPPORTED_LANGUAGES,
    UnsupportedLanguage,
    babel_locale,
    choose_language,
    normalize_language,
)
from i18n.pages import PAGE_TEXTS, page_text
from i18n.registry import PROBLEM_TITLES, TEMPLATES, Command
from i18n.render import (
    TemplateError,
    UnknownProblemType,
    problem_title,
    render_sms,
    render_web,
    sms_safe,
)
from i18n.sms import SmsText, is_gsm7, sms_encoding

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "PAGE_TEXTS",
    "PROBLEM_TITLES",
    "SUPPORTED_LANGUAGES",
    "TEMPLATES",
    "Command",
    "Keyword",
    "SmsText",
    "TemplateError",
    "UnknownProblemType",
    "UnsupportedLanguage",
    "babel_locale",
    "choose_language",
    "is_gsm7",
    "match_keyword",
    "normalize_language",
    "page_text",
    "parse_language_choice",
    "problem_title",
    "render_sms",
    "render_web",
    "sms_encoding",
    "sms_safe",
]
