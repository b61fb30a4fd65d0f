"""Steps on the trustee page shared by the browser tests: open it and make a key file, load
one."""

from __future__ import annotations

from tests.browser.test_voting import signed_in_context

PASSPHRASE = "a long trustee passphrase"


def make_key_file(page, path) -> None:
    """On an open trustee page in the ceremony: make the key file with ``PASSPHRASE``, save it
    to ``path``, confirm it is saved and publish the commitments."""
    page.wait_for_selector("#generate-box:not([hidden])")
    page.fill("#new-passphrase", PASSPHRASE)
    page.fill("#new-passphrase-again", PASSPHRASE)
    page.click("#generate-button")
    page.wait_for_selector("#keyfile-ready:not([hidden])")
    with page.expect_download() as download:
        page.click("#keyfile-link")
    download.value.save_as(path)
    page.check("#keyfile-saved")
    page.click("#publish-button")


def open_and_make_key_file(browser, live_server, membership, election_uuid, path):
    """Trustee ``membership`` opens the election's trustee page signed in (downloads accepted,
    60 s timeouts) and makes its key file at ``path`` (``make_key_file``); returns the context
    and the page."""
    context = signed_in_context(browser, live_server, membership, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"/elections/{election_uuid}/trustee/")
    make_key_file(page, path)
    return context, page


def load_key_file(page, path) -> None:
    page.wait_for_selector("#load-box:not([hidden])")
    page.set_input_files("#keyfile-input", str(path))
    page.fill("#passphrase", PASSPHRASE)
    page.click("#load-button")
