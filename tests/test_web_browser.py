"""The page of ``matcalc serve`` in a real browser: Debian's headless Chromium, driven by Selenium.

Chromium and chromedriver come from apt (``.ci/run`` installs them); nothing
is downloaded.  Locally these tests skip when either is missing; in CI (``CI``
set) they fail instead.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator

import pytest
from web_server import running_server, skip_or_fail

ALL_ONES = "(x'*vector(1))*vector(1)"  # the tutorial's third answer to d(Wx)/dW
TIMEOUT = 30


def _browser_paths() -> tuple[str, str]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if chromium is None or driver is None:
        skip_or_fail("headless Chromium is not installed (apt-get install chromium chromium-driver)")
    try:
        import selenium  # noqa: F401
    except ImportError:
        skip_or_fail("selenium is not installed (it is in the test extra)")
    assert chromium is not None and driver is not None
    return chromium, driver


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    _browser_paths()
    with running_server("--workers", "2") as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    chromium, driver = _browser_paths()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="matcalc-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1200,1000",
    ):
        options.add_argument(flag)
    session = webdriver.Chrome(options=options, service=Service(driver))
    try:
        yield session
    finally:
        session.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(browser, condition, message: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, TIMEOUT).until(condition, message)


def _by_id(browser, element_id: str):
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, element_id)


def _rendered(browser, element_id: str) -> tuple[str, str]:
    """The text KaTeX drew in an element, and the LaTeX it drew it from."""
    from selenium.webdriver.common.by import By

    def drawn(b):
        found = b.find_elements(By.CSS_SELECTOR, f"#{element_id} .katex-html")
        return found[0] if found and found[0].is_displayed() else False

    html = _wait(browser, drawn, f"KaTeX never rendered #{element_id}")
    source = browser.find_element(By.CSS_SELECTOR, f"#{element_id} annotation").get_attribute("textContent")
    return "".join(html.text.split()), source


def _type_expression(browser, url: str, text: str) -> None:
    browser.get(url)
    box = _by_id(browser, "expression")
    box.clear()
    box.send_keys(text)


def _differentiate_w_x(browser, url: str) -> None:
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    _type_expression(browser, url, "W*x")
    _wait(browser, lambda b: _by_id(b, "kind-W").is_displayed(), "the symbol table never listed W")
    Select(_by_id(browser, "wrt1")).select_by_value("W")
    _by_id(browser, "expression").send_keys(Keys.ENTER)  # the keyboard alone


def test_w_x_by_w_shows_the_kronecker_and_delta_forms(browser, url):
    _differentiate_w_x(browser, url)
    text, source = _rendered(browser, "form-vec")
    assert source == r"x^\top \otimes I_{n}"
    assert "x\N{DOWN TACK}\N{CIRCLED TIMES}I" in text  # x^T ⊗ I, as drawn
    text, source = _rendered(browser, "form-index")
    assert "δ" in text and "δ" not in source  # drawn from \delta_{ij} x_{k}
    assert _by_id(browser, "result-text").text == "∂f[i]/∂W[j,k] = x[k]*δ[i,j]"
    kinds = {s: _by_id(browser, f"kind-{s}").get_attribute("value") for s in ("W", "x")}
    assert kinds == {"W": "matrix", "x": "vector"}


def test_the_derivation_steps_open_from_the_keyboard(browser, url):
    from selenium.webdriver.common.keys import Keys

    _differentiate_w_x(browser, url)
    _rendered(browser, "form-vec")
    summary = _by_id(browser, "steps-box").find_element("css selector", "summary")
    browser.execute_script("arguments[0].focus()", summary)
    summary.send_keys(Keys.ENTER)
    steps = _by_id(browser, "steps")
    _wait(browser, lambda b: "Contract" in steps.text, "the steps never appeared")
    assert len(steps.find_elements("css selector", "li .katex")) >= 4


def test_a_bad_expression_shows_the_caret_where_it_is_wrong(browser, url):
    _type_expression(browser, url, "x*x")
    error = _by_id(browser, "expression-error")
    _wait(browser, lambda b: error.is_displayed(), "no error was shown for x*x")
    assert error.find_element("css selector", ".caret-echo").text == "x*x\n ^"
    assert "cannot multiply column vector x by column vector x" in error.text
    assert _by_id(browser, "expression").get_attribute("aria-invalid") == "true"
    marker = _by_id(browser, "expression-caret")
    assert marker.is_displayed()
    # the marker sits under the '*' (character 1), inside the box's first few characters
    box = _by_id(browser, "expression")
    offset = marker.location["x"] + marker.size["width"] / 2 - box.location["x"]
    char = browser.execute_script(
        "const s = getComputedStyle(arguments[0]);"
        "const c = document.createElement('canvas').getContext('2d');"
        "c.font = s.fontSize + ' ' + s.fontFamily; return c.measureText('x').width;",
        box,
    )
    assert char < offset - 8 < 2 * char  # 8 px: padding and border before the text


def test_the_all_ones_claim_is_refuted_with_a_counterexample(browser, url):
    _differentiate_w_x(browser, url)
    _rendered(browser, "form-vec")
    claim = _by_id(browser, "claim")
    claim.send_keys(ALL_ONES)
    _by_id(browser, "check-button").click()
    title = _by_id(browser, "verdict-title")
    _wait(browser, lambda b: title.is_displayed() and title.text, "no verdict was shown")
    assert title.text == "Claim refuted"
    assert _by_id(browser, "verdict-explanation").text.startswith("The claim has the wrong shape.")
    values = _by_id(browser, "counterexample").find_elements("css selector", ".katex annotation")
    names = sorted(v.get_attribute("textContent").split(" =")[0] for v in values)
    assert names == ["W", "x"]


def test_a_shared_link_shows_the_same_result(browser, url):
    test_the_all_ones_claim_is_refuted_with_a_counterexample(browser, url)
    link = browser.current_url
    assert "e=W*x" in link.replace("%2A", "*") and "w=W" in link
    expected = {form: _rendered(browser, f"form-{form}")[1] for form in ("matrix", "index", "vec", "where")}
    browser.get("about:blank")
    browser.get(link)  # a fresh page: everything comes from the address
    assert {form: _rendered(browser, f"form-{form}")[1] for form in expected} == expected
    assert _by_id(browser, "expression").get_attribute("value") == "W*x"
    assert _by_id(browser, "claim").get_attribute("value") == ALL_ONES
    title = _by_id(browser, "verdict-title")
    _wait(browser, lambda b: title.text == "Claim refuted", "the shared link did not repeat the verdict")


def test_code_for_each_library_and_kinds_that_change_the_result(browser, url):
    from selenium.webdriver.support.ui import Select

    browser.get(url + "?e=x'*S*x&w=x")
    _rendered(browser, "form-matrix")
    Select(_by_id(browser, "kind-S")).select_by_value("symmetric")
    _wait(browser, lambda b: _by_id(b, "result-text").text == "2*S*x", "the kind change did not apply")
    assert "k=S%3Asymmetric" in browser.current_url
    for backend, line in (("jax", "import jax"), ("torch", "import torch"), ("numpy", "import numpy as np")):
        Select(_by_id(browser, "backend")).select_by_value(backend)
        _wait(browser, lambda b, line=line: line in _by_id(b, "code").text, f"no {backend} code")
    assert "def check_f(" in _by_id(browser, "code").text


def test_copy_and_download_give_the_generated_module(browser, url, tmp_path):
    from matcalc.web import service

    expected = service.handle("code", {"expression": "norm2(X*w-y)^2", "wrt": ["w"], "backend": "torch"})[
        "code"
    ]
    browser.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(tmp_path)}
    )
    origin = url.rstrip("/")
    permissions = ["clipboardReadWrite", "clipboardSanitizedWrite"]
    browser.execute_cdp_cmd("Browser.grantPermissions", {"origin": origin, "permissions": permissions})
    browser.get(url + "?e=norm2(X*w-y)^2&w=w&b=torch")
    _wait(browser, lambda b: "import torch" in _by_id(b, "code").text, "no code was generated")
    _by_id(browser, "download").click()
    saved = tmp_path / "f.py"
    _wait(
        browser, lambda b: saved.exists() and saved.read_text() == expected, "the download is not the module"
    )
    _by_id(browser, "copy").click()
    _wait(browser, lambda b: _by_id(b, "copy-status").text == "copied", "copy did not report")
    copied = browser.execute_async_script("navigator.clipboard.readText().then(arguments[0])")
    assert copied == expected


def test_the_page_loads_nothing_from_elsewhere_and_fits_a_phone(browser, url):
    browser.get(url + "?e=W*x&w=W")
    _rendered(browser, "form-vec")
    origins = browser.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)"
    )
    assert origins and set(origins) == {url.rstrip("/")}
    assert browser.execute_script("return document.fonts.check('16px KaTeX_Main')")
    phone = {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", phone)
    try:
        browser.get(url + "?e=sum(log(1%2Bexp(-y.*(X*w))))&w=w&o=2")  # a long Hessian
        _rendered(browser, "form-matrix")
        width = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        assert width == [390, 390], "the page scrolls sideways on a phone-sized screen"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
