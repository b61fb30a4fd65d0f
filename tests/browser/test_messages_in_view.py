"""Messages appear where the person is looking, and screen readers hear them (issue 12, item 7).

On a 360×740 phone: a sign-up with mistakes shows an error summary at the top of the form, in
view and focused, linking to each field, and each field names its error (aria-describedby); a
flag's confirmation is in view when the page loads (not above it while the page jumps to the post).
"""

from __future__ import annotations

import pytest

from tests.browser.phone import in_viewport, phone_context

pytestmark = pytest.mark.django_db(transaction=True)


def test_sign_up_errors_are_summarised_in_view_and_tied_to_their_fields(browser, live_server):
    context = phone_context(browser, live_server, "fa-af")
    page = context.new_page()
    page.goto("/accounts/signup/")
    page.fill("#id_invitation_code", "WRONG-CODE")
    page.fill("#id_username", "nargis")
    page.fill("#id_pseudonym", "نرگس")
    page.fill("#id_password1", "short")
    page.fill("#id_password2", "different")
    page.locator("form.account-form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert in_viewport(page, ".error-summary"), "the summary is on screen when the page loads"
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.get_attribute(".error-summary", "role") == "alert"
    links = page.eval_on_selector_all(".error-summary a", "els => els.map(a => a.hash)")
    assert links, "the summary links to the fields in error"
    for target in links:
        field = page.locator(target)
        described = field.get_attribute("aria-describedby") or ""
        assert f"{target[1:]}_error" in described.split()
        assert page.locator(f"#{target[1:]}_error").is_visible()
    context.close()


def test_the_flag_confirmation_is_in_view_when_the_page_loads(browser, live_server):
    from convention.models import Convention, Phase, Role
    from deliberation.models import Room
    from deliberation.services import posts
    from tests.voting.world import member

    convention = Convention.objects.create(
        slug="loya", title_en="Loya Jirga", phase=Phase.DELIBERATION, require_staff_mfa=False
    )
    room = Room.objects.create(convention=convention, title_en="Constitution")
    author = member(convention, "Nargis", Role.PARTICIPANT)
    reader = member(convention, "Baryalai", Role.PARTICIPANT)
    post = posts.create_post(
        member=author, room=room, body="Something to report. " + "A long argument. " * 120
    )

    context = phone_context(browser, live_server, "ps", reader)
    page = context.new_page()
    page.goto(f"/c/loya/deliberation/posts/{post.pk}/")
    page.locator(f"#post-{post.pk} a[href$='#flag']").click()
    page.locator("#flag select[name=reason]").select_option(index=1)
    page.locator("#flag button[type=submit]").click()
    page.wait_for_selector(".messages .message")
    page.wait_for_timeout(200)  # let the fragment scroll settle
    assert in_viewport(page, ".messages .message"), "the confirmation is on screen"
    context.close()


@pytest.mark.parametrize("language", ["fa-af", "ps"])
def test_the_signed_in_confirmation_is_in_view_and_passes_axe(browser, live_server, language):
    """Django's messages are a list inside the status region: a role on the <ul> itself took its
    items out of any list (axe: listitem, serious) on every page that showed a message."""
    from convention.models import Convention, Phase, Role
    from tests.browser.journey import PageChecks
    from tests.voting.world import member

    convention = Convention.objects.create(slug="loya", title_en="Loya Jirga", phase=Phase.VOTING)
    user = member(convention, "Nargis", Role.PARTICIPANT).user
    user.set_password("a long demo password")
    user.save()

    context = phone_context(browser, live_server, language, bypass_csp=True)  # to inject axe
    page = context.new_page()
    checks = PageChecks(page)
    page.goto("/accounts/login/")
    page.fill("#id_login", user.username)
    page.fill("#id_password", "a long demo password")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector(".messages .message")
    assert in_viewport(page, ".messages .message"), "the confirmation is on screen"
    checks.check(page, language)
    context.close()
    assert not checks.problems, "\n".join(checks.problems)
