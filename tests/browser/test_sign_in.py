"""Signing in and out in a real browser: the Secure session cookie works on 127.0.0.1 over http."""

from __future__ import annotations

from tests.browser.conftest import sign_in


def test_a_worker_signs_in_sees_their_task_list_and_signs_out(site, open_page):
    page = open_page()
    page.goto(f"{site}/")
    assert "/sign-in" in page.url  # every page needs a signed-in user

    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    assert "Enter a correct user name and password" in page.content()

    sign_in(page, site, "sam")
    assert "Signed in as" in page.inner_text(".bpmnrun-account")
    page.get_by_role("button", name="Sign out").click()
    assert "You have signed out" in page.content()
    page.goto(f"{site}/")
    assert "/sign-in" in page.url
