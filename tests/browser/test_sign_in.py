"""Signing in and out in a real browser: the Secure session cookie works on 127.0.0.1 over http."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import sign_in


def test_a_worker_signs_in_sees_their_task_list_and_signs_out(site, open_page):
    page = open_page()
    page.goto(f"{site}/")
    assert "/sign-in" in page.url  # every page needs a signed-in user

    page.get_by_label("User name").fill("sam")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter a correct user name and password")

    sign_in(page, site, "sam")
    expect(page.locator(".bpmnrun-account")).to_contain_text("Signed in as")
    page.get_by_role("button", name="Sign out").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("You have signed out")
    page.goto(f"{site}/")
    assert "/sign-in" in page.url
