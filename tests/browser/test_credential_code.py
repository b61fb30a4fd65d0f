"""The credential code travels to another device as the voter actually carries it (issue 12).

The downloaded file (a translated heading, then the code) is imported with the file picker on a
fresh browser; the printed sheet carries the code as a QR code drawn in the browser; a damaged
code is refused with a message that says which check failed.
"""

from __future__ import annotations

import pytest

from tests.browser.phone import PHONE, in_viewport
from tests.voting.conftest import cached_issuer_key
from voting.models import ElectionState


@pytest.fixture(autouse=True)
def _cached_issuer_key(monkeypatch):
    """The Python trustees' issuer keys come from a per-index cache (RSA-3072 is slow to make)."""
    monkeypatch.setattr("voting.clients.new_issuer_key", cached_issuer_key)


def test_the_downloaded_file_and_the_printed_qr_code_carry_the_credential_to_another_device(
    browser, live_server, tmp_path
):
    from tests.browser.test_voting import sign_queues, signed_in_context
    from tests.voting.world import World

    world = World(voters=2, trustees=3, threshold=2)
    world.open_credentials()
    uuid = world.election.uuid
    voter = world.voter_members[0]

    context = signed_in_context(browser, live_server, voter)
    dari = [{"name": "mashwara_language", "value": "fa-af", "url": live_server.url}]
    context.add_cookies(dari)
    page = context.new_page()
    page.set_default_timeout(30_000)
    qr_loads = []
    page.on("request", lambda r: qr_loads.append(r.url) if "voting-qr" in r.url else None)
    page.goto(f"/elections/{uuid}/vote/credential/")
    page.click("#request-button")
    page.wait_for_selector("#credential-app[data-signed='0']")
    sign_queues(world, [1, 2])  # both issuers (trustees 1 and 2) sign, as their daemons would
    page.wait_for_selector("#credential-code-box:not([hidden])")
    code = page.text_content("#credential-code")
    assert qr_loads == [], "the QR encoder is not part of the first load"

    with page.expect_download() as download:
        page.click("#download-code")
    saved = tmp_path / "credential.txt"
    download.value.save_as(saved)
    text = saved.read_text(encoding="utf-8")
    assert not text.startswith("mashwara-credential-2:"), "the file starts with its heading"
    assert code in text

    # Printing draws the QR code in the browser (window.print itself is stubbed out here).
    page.evaluate("() => { window.print = () => { window.printed = true; }; }")
    page.click("#print-code")
    page.wait_for_selector("#credential-qr-box:not([hidden])")
    page.wait_for_timeout(100)
    assert page.evaluate("() => window.printed") is True
    assert len(qr_loads) == 1
    assert page.is_visible("#credential-qr-box")
    modules = page.get_attribute("#credential-qr path", "d")
    assert modules and modules.count("M") > 500
    context.close()

    world.move(ElectionState.OPEN)
    phone = browser.new_context(base_url=live_server.url, locale="fa-AF", viewport=PHONE)
    phone.add_cookies(dari)
    other = phone.new_page()
    other.set_default_timeout(30_000)
    other.goto(f"/elections/{uuid}/vote/")
    other.wait_for_selector("#ballot-app[data-ready='true']")
    other.click("#import summary")

    # A damaged code (one character changed in the signature): the message says which check failed.
    lines = code.split("\n")
    last = lines[-2]
    lines[-2] = last[:10] + ("B" if last[10] != "B" else "C") + last[11:]
    other.fill("#import-code", "سرخط\n\n" + "\n".join(lines))
    other.click("#import-button")
    other.wait_for_selector("#import-status:not(:empty)")
    message = other.text_content("#import-status")
    assert "mashwara" not in message.lower() or "mashwara-credential-2:" in message
    corrupted = other.text_content("#voting-messages [data-key='bad_code_corrupted']")
    assert message == corrupted

    # The downloaded file, chosen with the file picker, just works.
    # (The damaged code stays in the text box: the chosen file wins, the box is emptied.)
    other.set_input_files("#import-file", str(saved))
    other.click("#import-button")
    other.wait_for_selector("#credential-status [data-show='present']:not([hidden])")
    imported = other.text_content("#voting-messages [data-key='imported']")
    assert other.text_content("#import-status") == imported
    # Said after the text box above it shrank from the whole code to empty: still in view.
    assert in_viewport(other, "#import-status"), "the 'credential stored' message is in view"
    phone.close()
