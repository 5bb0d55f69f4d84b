"""Personal numbers inside free text: one definition finds them however they are written; it
masks them for roles that see masks and removes them for the public (信件选登).

The masks are README's: an ID number keeps its first and last four characters
(3201**********1234), a phone its first three and last four (138****5678), a landline its area
code and last four.
"""

from __future__ import annotations

import pytest

from app.core.privacy import mask_free_text
from app.portal.redaction import leftovers, redact

# (as people write it, the number it is, what a reader who sees masks gets)
WRITTEN = [
    ("电话138.1234.5678请回电", "13812345678", "电话138****5678请回电"),
    ("电话138\u30001234\u30005678。", "13812345678", "电话138****5678。"),  # full-width spaces
    ("电话１３８１２３４５６７８", "13812345678", "电话138****5678"),  # full-width digits
    ("手机 +86 138-1234-5678", "13812345678", "手机 138****5678"),
    ("电话一三八一二三四五六七八", "13812345678", "电话138****5678"),  # Chinese digits
    ("电话幺三八幺二三四五六七八", "13812345678", "电话138****5678"),  # 幺 said for 1
    ("身份证320102 19900101 1234号", "320102199001011234", "身份证3201**********1234号"),
    ("身份证号320102199001011234。", "320102199001011234", "身份证号3201**********1234。"),
    ("身份证：３２０１０２１９９００１０１１２３Ｘ", "32010219900101123X", "身份证：3201**********123X"),
    ("座机(0451)82345678", "045182345678", "座机0451****5678"),
    ("座机（0451）8234-5678", "045182345678", "座机0451****5678"),
    ("座机0451-87654321", "045187654321", "座机0451****4321"),
]
EMAILS = [
    ("邮箱name(at)example.com", "邮箱n***@example.com"),
    ("邮箱 name [at] example [dot] com 联系", "邮箱 n***@example.com 联系"),
    ("邮箱name＠example．com", "邮箱n***@example.com"),
    ("邮箱 wdh@example.com", "邮箱 w***@example.com"),
]
# Numbers that are nobody's: left as they are.
NOT_PERSONAL = [
    "信访件XF2026-000123于2026-12-06登记",
    "涉及金额12345.67元，共5户23人",
    "一九九〇年三月起",
    "工号12345678，房号1-2-301",
    "服务器192.168.1.100",
]


@pytest.mark.parametrize(("text", "number", "masked"), WRITTEN)
def test_numbers_in_free_text_are_masked_however_written(text, number, masked):
    assert mask_free_text(text) == masked


@pytest.mark.parametrize(("text", "masked"), EMAILS)
def test_email_addresses_in_free_text_are_masked_however_written(text, masked):
    assert mask_free_text(text) == masked


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_other_numbers_are_left_alone(text):
    assert mask_free_text(text) == text
    assert leftovers(text) == []


@pytest.mark.parametrize(("text", "number", "masked"), WRITTEN)
def test_the_public_page_removes_the_same_numbers(module_app, text, number, masked):  # noqa: ARG001
    with module_app.test_request_context():
        public = redact(text)
    digits = [c for c in public if c.isdigit() or c in "一二三四五六七八九〇幺"]
    assert len(digits) < 4, public  # nothing of the number is left
    # An ID number is 18 characters; every other number here is a phone (mobile or landline).
    assert ("［身份证号已隐去］" if len(number) == 18 else "［电话已隐去］") in public, public
    assert leftovers(public) == []


@pytest.mark.parametrize(("text", "masked"), EMAILS)
def test_the_public_page_removes_the_same_addresses(module_app, text, masked):  # noqa: ARG001
    with module_app.test_request_context():
        public = redact(text)
    assert "example" not in public and "［邮箱已隐去］" in public
