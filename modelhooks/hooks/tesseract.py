"""MH-6 OCR: Tesseract (the Debian `tesseract-ocr` binary with its Thai, Arabic and English data),
through pytesseract, with the language data of the post's locale."""

from __future__ import annotations

import io
import shutil

from django.conf import settings


class OcrUnavailable(RuntimeError):
    """The OCR engine cannot run here (no binary or no language data); the message says what to install."""


class TesseractOcr:
    name = "tesseract"

    def language_for(self, locale: str) -> str:
        """th-TH -> tha, ar-SA -> ara, en-* -> eng (MODELHOOKS["OCR_LANGUAGES"]); others fall back to eng."""
        langs = settings.MODELHOOKS["OCR_LANGUAGES"]
        return langs.get(locale) or langs.get(locale.split("-")[0]) or langs["en"]

    def unavailable_reason(self, locale: str = "en") -> str:
        """Why Tesseract cannot read `locale` here, in words; "" when it can."""
        if shutil.which(settings.MODELHOOKS["TESSERACT_CMD"]) is None:
            return (
                f"OCR unavailable: the Tesseract binary {settings.MODELHOOKS['TESSERACT_CMD']!r} is not installed "
                "(apt-get install tesseract-ocr tesseract-ocr-tha tesseract-ocr-ara tesseract-ocr-eng)"
            )
        import pytesseract  # only when OCR runs

        pytesseract.pytesseract.tesseract_cmd = settings.MODELHOOKS["TESSERACT_CMD"]
        lang = self.language_for(locale)
        installed = set(pytesseract.get_languages(config=""))
        missing = [part for part in lang.split("+") if part not in installed]
        if missing:
            return f"OCR unavailable: Tesseract has no language data for {', '.join(missing)} (apt-get install tesseract-ocr-{missing[0]})"
        return ""

    def read(self, image: bytes, *, locale: str = "en") -> str:
        reason = self.unavailable_reason(locale)
        if reason:
            raise OcrUnavailable(reason)
        import pytesseract  # only when OCR runs
        from PIL import Image  # Pillow, a dependency of sentence-transformers and of this hook

        with Image.open(io.BytesIO(image)) as img:
            img.load()
            text = pytesseract.image_to_string(
                img.convert("L"), lang=self.language_for(locale), timeout=settings.MODELHOOKS["OCR_TIMEOUT_SECONDS"]
            )
        return text.strip()
