"""What a post may contain, and the Markdown subset's safe HTML."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deliberation.text import InvalidText, clean_text, digest, render_markdown, safe_outside_url

LEAVING = "/c/x/deliberation/leaving/"


def html(text: str) -> str:
    return render_markdown(clean_text(text), leaving_url=LEAVING)


def test_script_injection_is_escaped_not_run():
    out = html('<script>alert(1)</script> <img src=x onerror=alert(1)> "quoted"')
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;" in out


def test_javascript_links_are_not_made_into_links():
    out = html("[click](javascript:alert(1)) [data](data:text/html,hi)")
    assert "<a" not in out and "javascript:alert" in out  # shown as text only


def test_outside_links_go_through_the_warning_page_with_nofollow():
    out = html("see https://example.org/a?b=1 and [home](/c/x/)")
    assert f'href="{LEAVING}?to=https%3A%2F%2Fexample.org%2Fa%3Fb%3D1"' in out
    assert 'href="/c/x/"' in out
    assert out.count('rel="nofollow noopener noreferrer"') == 2


def test_protocol_relative_links_are_outside_links():
    out = html("[x](//evil.example/)")
    assert 'href="//evil.example/' not in out


def test_markdown_subset():
    out = html("**bold** *it* `a<b`\n\n> quoted\n\n- one\n- two\n\n1. first")
    assert "<strong>bold</strong>" in out and "<em>it</em>" in out
    assert "<code>a&lt;b</code>" in out
    assert "<blockquote><p>quoted</p></blockquote>" in out
    assert "<ul><li>one</li><li>two</li></ul>" in out and "<ol><li>first</li></ol>" in out


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u202a"])
def test_bidi_overrides_are_refused(control):
    with pytest.raises(InvalidText, match="direction"):
        clean_text(f"Vote for {control}nuf si siht")


def test_zero_width_spam_is_refused_but_a_persian_zwnj_is_fine():
    assert clean_text("می\u200cخواهم") == "می\u200cخواهم"
    with pytest.raises(InvalidText, match="invisible"):
        clean_text("spam\u200b\u200b\u200bspam")
    with pytest.raises(InvalidText):
        clean_text("\u200c\u200c\u200c")
    with pytest.raises(InvalidText):
        clean_text("tag\U000e0041chars")


def test_nul_bytes_and_control_characters_are_refused():
    with pytest.raises(InvalidText, match="NUL"):
        clean_text("hello\x00world")
    with pytest.raises(InvalidText, match="control"):
        clean_text("bell\x07")


def test_megabyte_bodies_are_refused_quickly():
    with pytest.raises(InvalidText, match="too long"):
        clean_text("a" * 1_000_000)


def test_empty_text_is_refused():
    with pytest.raises(InvalidText, match="empty"):
        clean_text("   \n ")


def test_duplicate_fingerprint_ignores_case_spacing_and_punctuation():
    assert digest("We need  elections!") == digest("we need elections")
    assert digest("We need elections") != digest("We need courts")


def test_warning_page_accepts_only_plain_web_addresses():
    assert safe_outside_url("https://example.org/") == "https://example.org/"
    assert safe_outside_url("javascript:alert(1)") is None
    assert safe_outside_url("https://exa mple.org") is None


@given(st.text(max_size=300))
def test_rendered_html_never_contains_markup_outside_the_allow_list(raw):
    try:
        text = clean_text(raw)
    except InvalidText:
        return
    out = render_markdown(text, leaving_url=LEAVING)
    import re

    tags = set(re.findall(r"<\s*/?\s*([a-zA-Z0-9]+)", out))
    assert tags <= {"p", "br", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "a"}
    assert "javascript:" not in re.sub(r">[^<]*<", "><", out).lower()
