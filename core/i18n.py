"""VQ-9: every screen in the user's language. The user's `ui_language` wins over the browser's.

A user who never chose gets a default from their locale when they join a locale's pool
(`user_language_default`, called by `shards.services.pools`): th-TH -> Thai, ar-SA -> Arabic, any
other locale -> English. An explicit setting (the switcher, Django admin, the demo roster) stays.

Before login (and for a user who never chose) Django's `LocaleMiddleware` picks the language from
the language cookie or the browser's Accept-Language; once signed in, `UserLanguageMiddleware`
activates the user's own setting. The header's switcher posts to `language_set`, which is Django's
`set_language` view plus saving the choice on the user.
"""

from django.conf import settings
from django.utils import translation
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from core.models import User

_CODES = frozenset(code for code, _ in settings.LANGUAGES)


def language_for_locale(locale_code: str) -> str:
    """The shipped UI language of a locale (`th-TH` -> `th`), or "" when none ships."""
    language = (locale_code or "").split("-")[0].lower()
    return language if language in _CODES else ""


def user_language_set(*, user: User, language: str) -> None:
    """Save the user's UI language; an unknown code is ignored (the switcher offers only shipped ones)."""
    if language in _CODES and user.ui_language != language:
        user.ui_language = language
        user.save(update_fields=["ui_language"])


def user_language_default(*, user: User, language: str) -> bool:
    """Issue 14: the UI language of a user who never chose one follows their pool's locale `language`
    (ISO 639; English when that language does not ship). A blank setting only: an explicit one wins.
    Returns whether it set one."""
    if user.ui_language:
        return False
    language = language if language in _CODES else settings.LANGUAGE_CODE
    # Only while still blank in the database too: a choice saved meanwhile (the switcher) is kept.
    if not User.objects.filter(pk=user.pk, ui_language="").update(ui_language=language):
        return False
    user.ui_language = language
    return True


class UserLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = getattr(user, "ui_language", "") if user is not None and user.is_authenticated else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)


@require_POST
def language_set(request):
    """Django's `set_language` (cookie, redirect to `next`), and the choice kept on the user."""
    response = set_language(request)
    if request.user.is_authenticated:
        user_language_set(user=request.user, language=request.POST.get("language", ""))
    return response
