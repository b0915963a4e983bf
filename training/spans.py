"""Native-token positions (MH-3, IN-2): the post with the correction applied, and where the correction is.

`text` is what a training job reads; `target_spans` are the `[start, end)` character offsets (Unicode code
points, as Python indexes a `str`) of the corrected tokens inside it, so a trainer can restrict the loss
to them. Both are computed once, when the sample is made, from the post and the native delta."""

import re

from shards.intake.defences import number_span

_WORD = re.compile(r"\w+")


def correction_apply(*, post_text: str, delta: str) -> tuple[str, list[list[int]]]:
    """IN-6 numbers: a delta naming a number corrects the post's first number; `text` is the post with that
    number replaced by the delta's (as the delta writes it), and the span covers the new number.
    Any other delta is the corrected text itself: `text` is the delta, and the spans are its words the post
    does not contain (adjacent ones joined); a delta that adds no new word is one span over all of it."""
    post_text, delta = post_text or "", delta or ""
    in_post, in_delta = number_span(post_text), number_span(delta)
    if in_post is not None and in_delta is not None:
        value = delta[in_delta[0] : in_delta[1]]
        text = post_text[: in_post[0]] + value + post_text[in_post[1] :]
        return text, [[in_post[0], in_post[0] + len(value)]]
    known = {w.casefold() for w in _WORD.findall(post_text)}
    spans: list[list[int]] = []
    for m in _WORD.finditer(delta):
        if m.group().casefold() in known:
            continue
        if spans and not delta[spans[-1][1] : m.start()].strip():
            spans[-1][1] = m.end()  # only spaces between two new words: one span
        else:
            spans.append([m.start(), m.end()])
    if not spans and delta:
        spans = [[0, len(delta)]]
    return delta, spans
