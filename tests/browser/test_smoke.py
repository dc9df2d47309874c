import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_home_page_lists_the_instruments_in_a_real_browser(live_server, page: Page) -> None:
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("painpath")
    expect(page.locator("code", has_text="odi")).to_be_visible()
    expect(page.locator("code", has_text="eq5d5l")).to_be_visible()
