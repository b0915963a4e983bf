"""VQ-9 template helpers: the language of a piece of user text, and role names in the UI language."""

import unicodedata

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

# The script of a text decides its `lang` when it is not the case's locale: a Latin-script
# proposal in a Thai case is tagged English (the model's default language, IN-2), not Thai.
_SCRIPT_LANGUAGE = {"THAI": "th", "ARABIC": "ar", "LATIN": "en"}
ROLE_NAMES = {
    "verifier": _("verifier"),
    "senior": _("senior reviewer"),
    "admin": _("admin"),
    "intake": _("intake service"),
    "trainer": _("trainer service"),
    "filter": _("filter service"),
}


def _script(text: str) -> str:
    counts: dict[str, int] = {}
    for char in text[:400]:
        if char.isalpha():
            name = unicodedata.name(char, "")
            script = name.split(" ", 1)[0]
            counts[script] = counts.get(script, 0) + 1
    return max(counts, key=counts.get) if counts else ""


@register.filter
def text_lang(text: str, locale: str) -> str:
    """The `lang` for `text` shown in a case of `locale`: the locale, unless the text is in another script."""
    script = _script(text or "")
    locale_language = (locale or "").split("-")[0].lower()
    language = _SCRIPT_LANGUAGE.get(script, "")
    if not language or _SCRIPT_LANGUAGE.get(script) == locale_language:
        return locale or "und"
    if script == "LATIN" and locale_language not in ("th", "ar"):
        return locale or "und"  # a Latin-script locale (en-US, fr-FR, nv-US) keeps its own tag
    return language


@register.filter
def role_name(role: str) -> str:
    return ROLE_NAMES.get(role, role)
