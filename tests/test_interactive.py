"""The interactive page (`convcalc draw conv --interactive`) driven in headless Chromium.

Its JavaScript ports convcalc's arithmetic; here 500 random settings go
through the page's own functions (in batches, through ``execute_script``)
and every number and formula is held to the Python engine: the output
size and its formula (:mod:`convcalc.shapes`), the uneven-stride diagnosis
(unread rows, exact fits), the parameters and MACs with their worked lines
(the conv/deconv layer rules), and the inputs and weights an output sums
(brute force, from the definition). A few settings are typed and cells
clicked as a user would, and a screenshot must not be blank.

Needs selenium (pip) and Debian's chromium and chromium-driver; skipped
without them.
"""

from __future__ import annotations

import random
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import convcalc
from convcalc import shapes
from convcalc.cli import main
from convcalc.draw.conv import conv_geometry

webdriver = pytest.importorskip("selenium.webdriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER), reason="needs chromium and chromedriver")

CONFIGS = 500
BATCH = 100


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from selenium.webdriver.chrome.service import Service

    target = tmp_path_factory.mktemp("page") / "conv.html"
    result = CliRunner().invoke(main, ["draw", "conv", "--interactive", "-o", str(target)])
    assert result.exit_code == 0, result.output
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("profile")
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
        "--window-size=1200,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        driver.get(target.as_uri())
        yield driver
    finally:
        driver.quit()


def _random_config(rng: random.Random) -> dict[str, Any]:
    transposed = rng.random() < 0.3
    s, d = rng.randint(1, 8), rng.choice([1, 1, 1, 2, 3])
    return {
        "n": rng.randint(1, 40),
        "k": rng.randint(1, 7),
        "s": s,
        "p": rng.randint(0, 4),
        "d": d,
        "a": rng.randint(0, max(s, d) - 1) if transposed and rng.random() < 0.5 else 0,
        "transposed": transposed,
        "dims": rng.choice([1, 2]),
        "cin": rng.choice([1, 3, 16, 64]),
        "cout": rng.choice([1, 2, 10, 96]),
    }


def _python_valid(c: dict[str, Any]) -> bool:
    """What the SVG drawing accepts (:func:`conv_geometry` raises ValueError otherwise)."""
    try:
        conv_geometry((c["n"],) * c["dims"], c["k"], c["s"], c["p"], c["d"], c["transposed"], c["a"])
    except ValueError:
        return False
    return True


def _layer_row(c: dict[str, Any]) -> Any:
    args = {"filters": c["cout"], "kernel": c["k"], "stride": c["s"], "padding": c["p"], "dilation": c["d"]}
    if c["transposed"]:
        args["output_padding"] = c["a"]
    spec = {"input": [c["cin"], *([c["n"]] * c["dims"])], "layers": [{"deconv" if c["transposed"] else "conv": args}]}
    (row,) = convcalc.analyze(spec).rows
    return row


def _terms(c: dict[str, Any], o: int) -> list[list[int]]:
    """(input index, weight index) pairs output ``o`` sums along one axis, from the definitions."""
    n, k, s, p, d = c["n"], c["k"], c["s"], c["p"], c["d"]
    if c["transposed"]:  # ConvTranspose: out[i·s − p + t·d] += x[i]·w[t]
        return [[i, t] for t in range(k) for i in range(n) if i * s - p + t * d == o]
    return [[o * s - p + t * d, t] for t in range(k) if 0 <= o * s - p + t * d < n]


def _check(c: dict[str, Any], got: dict[str, Any]) -> None:
    result = got["result"]
    assert result["ok"] == _python_valid(c), (c, result)
    if not result["ok"]:
        return
    n, k, s, p, d, a = c["n"], c["k"], c["s"], c["p"], c["d"], c["a"]
    if c["transposed"]:
        assert result["out"] == shapes.transposed_output(n, k, s, p, p, d, a)
        assert result["formula"] == shapes.transposed_formula(n, k, s, p, p, d, a)
        assert result["uneven"] is None
        assert result["equivalentPadding"] == [d * (k - 1) - p, d * (k - 1) - p + a]
    else:
        assert result["out"] == shapes.conv_output(n, k, s, p, p, d)
        assert result["formula"] == shapes.floored_formula(n, k, s, p, p, d)
        u = shapes.uneven_stride(n, k, s, p, p, d)
        if u is None:
            assert result["uneven"] is None
        else:
            page_u = result["uneven"]
            assert page_u["formula"] == u.formula and page_u["output"] == u.output
            assert (page_u["remainder"], page_u["unreadInput"], page_u["unreadPadding"]) == (
                u.remainder,
                u.unread_input,
                u.unread_padding,
            )
            assert [tuple(x) for x in page_u["fittingPaddings"]] == list(u.fitting_paddings)
            assert page_u["fittingStrides"] == list(u.fitting_strides)
            assert page_u["fittingInputs"] == list(u.fitting_inputs)
    row = _layer_row(c)
    assert (result["params"], result["macs"]) == (row.params, row.macs)
    assert result["out"] == row.output_shape[1]
    assert result["paramsLine"] in row.explain and result["macsLine"] in row.explain
    for (r, col), terms in zip(got["cells"], got["sums"]):
        rows = [[0, 0]] if c["dims"] == 1 else _terms(c, r)
        expected = [
            {"input": [ci] if c["dims"] == 1 else [ri, ci], "weight": [ct] if c["dims"] == 1 else [rt, ct]}
            for ri, rt in rows
            for ci, ct in _terms(c, col)
        ]
        assert sorted(map(str, terms)) == sorted(map(str, expected)), (c, r, col)


def test_500_random_settings_agree_with_the_engine(page: Any) -> None:
    rng = random.Random(14)
    configs = [_random_config(rng) for _ in range(CONFIGS)]
    for c in configs:  # one output cell to ask about, besides the first and the last (skipped if outside)
        c["cells"] = [[rng.randint(0, 3), rng.randint(0, 3)]]
    valid = 0
    for start in range(0, len(configs), BATCH):
        batch = configs[start : start + BATCH]
        answers = page.execute_script(
            """
            const P = window.convcalcPage;
            return arguments[0].map((c) => {
              const result = P.compute(c);
              if (!result.ok) return {result, cells: [], sums: []};
              const last = result.out - 1;
              const cells = [[0, 0], [c.dims === 1 ? 0 : last, last]].concat(
                c.cells.filter(([r, q]) => (c.dims === 1 ? r === 0 : r <= last) && q <= last));
              return {result, cells, sums: cells.map(([r, q]) => P.sums(c, r, q))};
            });
            """,
            batch,
        )
        for c, got in zip(batch, answers):
            _check(c, got)
            valid += got["result"]["ok"]
    assert valid > CONFIGS // 2  # most settings draw; the refused ones were compared too


def _set(page: Any, field: str, value: str) -> None:
    from selenium.webdriver.common.by import By

    box = page.find_element(By.ID, field)
    box.clear()
    box.send_keys(value)


def test_typing_settings_and_clicking_a_cell(page: Any) -> None:
    """cs231n lecture 5: 7×7 input, 3×3 filter, stride 3 doesn't fit: (7 − 3)/3 + 1 = 2.33."""
    from selenium.webdriver.common.by import By

    page.refresh()
    for field, value in (("n", "7"), ("k", "3"), ("s", "3"), ("p", "0")):
        _set(page, field, value)
    formula = page.find_element(By.ID, "formula").text
    assert "(7 − 3)/3 + 1 = 2.33 → 2" in formula
    uneven = page.find_element(By.ID, "uneven").text
    assert "1 input row/column (the last) never read" in uneven
    assert "padding 1: (7 + 2·1 − 3)/3 + 1 = 3" in uneven and "stride 2: (7 − 3)/2 + 1 = 3" in uneven
    page.execute_script("window.convcalcPage.pause()")  # the animation redraws the cells at every step
    page.find_element(By.CSS_SELECTOR, 'rect[data-row="1"][data-col="1"]').click()
    terms = [li.text for li in page.find_elements(By.CSS_SELECTOR, "#terms li")]
    assert len(terms) == 9 and "x[3, 3] · w[0, 0]" in terms and "x[5, 5] · w[2, 2]" in terms
    page.find_element(By.ID, "transposed").click()
    _set(page, "n", "3")
    _set(page, "s", "2")
    _set(page, "p", "1")
    _set(page, "a", "1")
    assert "(3 − 1)·2 − 2·1 + (3 − 1) + 1 + 1 = 6" in page.find_element(By.ID, "formula").text  # torch: 3 → 6
    _set(page, "k", "40")
    assert "kernel must be a whole number from 1 to 15" in page.find_element(By.ID, "formula").text
    page.find_element(By.ID, "transposed").click()


def _pixels(png: bytes) -> list[int]:
    """The 8-bit samples of a PNG (colour type 2 or 6, not interlaced), unfiltered."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, data, header = 8, b"", None
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            data += body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0
    channels = 4 if colour == 6 else 3
    raw, stride = zlib.decompress(data), width * channels
    out, previous = bytearray(), bytearray(stride)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, corner = previous[i], previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 255
            elif kind == 2:
                line[i] = (line[i] + up) & 255
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                pa, pb, pc = abs(guess - left), abs(guess - up), abs(guess - corner)
                line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        out += line
        previous = line
    return [v for i, v in enumerate(out) if channels == 3 or i % 4 != 3]


def test_a_screenshot_is_not_blank(page: Any, tmp_path: Path) -> None:
    page.refresh()
    png = page.get_screenshot_as_png()
    (tmp_path / "page.png").write_bytes(png)
    values = _pixels(png)
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    assert variance > 100, variance  # a blank (one-colour) page has none
    assert len(set(zip(values[0::3], values[1::3], values[2::3]))) > 20
