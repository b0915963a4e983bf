"""VQ-9 template helpers: the language of a piece of user text, and role names in the UI language."""

import unicodedata

from django import template
from django.utils.translation import gettext_lazy as _

from core import texts

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


@register.filter(is_safe=True)
def bdi(value) -> str:
    """Issue 14: a shard code, username, id or date inside a translated sentence, isolated (`<bdi>`)
    so that in the Arabic UI "ar-SA queue:" keeps its order and its punctuation in place (a bare
    number is left as it is). Use it on `{% blocktranslate with %}` values; never inside `<title>` or
    an attribute (no markup there)."""
    return texts.isolate_html(value)


@register.filter
def code_name(code):
    """Issue 14: a stored state code (`decided`, `auto_accepted`) by its name in the UI language."""
    return texts.code_name(code)


@register.filter
def stored_text(text):
    """Issue 14: a fixed reason the app stored in English, in the UI language (other text as stored)."""
    return texts.stored_text(text)


@register.filter
def alert_text(alert):
    """Issue 14: an alert's message in the UI language (its kind and params), each value in `<bdi>`."""
    return texts.message_render(alert.kind, alert.params, alert.message, html=True)
