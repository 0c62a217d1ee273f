"""The member's own second factor through the pages (issue 14): turn it on with the authenticator,
get recovery codes once, make new ones, turn it off; every change refused without the password
or a current code, with the error on the password field."""

import re

import pyotp

from expertnet.core import clock

PAGE = "/account/security"
CODE = re.compile(r"<code>([A-Z2-9]{4}(?:-[A-Z2-9]{4}){3})</code>")


def test_turn_on_get_codes_once_renew_them_and_turn_off(env, pages):
    user = env.member("le_official")
    pages.login(user)
    page = pages.get(PAGE)
    assert page.status_code == 200 and "Two-factor sign-in is off" in page.text

    refused = pages.post(f"{PAGE}/totp/setup", {"password": ""}, form_page=PAGE)
    assert refused.status_code == 400
    assert 'id="e-on-password"' in refused.text and "Re-enter your password" in refused.text

    started = pages.post(f"{PAGE}/totp/setup", {"password": user.password}, form_page=PAGE)
    assert started.status_code == 200, started.text[-1500:]
    secret = re.search(r'<code id="totp-secret">([A-Z2-7]+)</code>', started.text).group(1)
    setup_token = re.search(r'name="setup_token" value="([^"]+)"', started.text).group(1)
    totp = pyotp.TOTP(secret)
    wrong = pages.post(
        f"{PAGE}/totp/enable",
        {"setup_token": setup_token, "code": "000000" if totp.now() != "000000" else "111111"},
        form_page=PAGE,
    )
    assert wrong.status_code == 400 and 'id="e-code"' in wrong.text and secret in wrong.text  # try again

    on = pages.post(f"{PAGE}/totp/enable", {"setup_token": setup_token, "code": totp.now()}, form_page=PAGE)
    assert on.status_code == 200
    first_codes = CODE.findall(on.text)
    assert len(first_codes) == 10 and "not shown again" in on.text
    again = pages.get(PAGE)  # this browser got a new session; the codes are not shown again
    assert again.status_code == 200 and "Two-factor sign-in is on. Recovery codes left: 10." in again.text
    assert not CODE.findall(again.text)

    no_reauth = pages.post(f"{PAGE}/recovery-codes", {}, form_page=PAGE)
    assert no_reauth.status_code == 400 and 'id="e-codes-password"' in no_reauth.text
    renewed = pages.post(f"{PAGE}/recovery-codes", {"password": user.password}, form_page=PAGE)
    new_codes = CODE.findall(renewed.text)
    assert len(new_codes) == 10 and not set(new_codes) & set(first_codes)

    # Sign in with a recovery code of the new set; one of the first set no longer works.
    old = env.client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": user.password, "totp_code": first_codes[0]}
    )
    assert old.status_code == 401
    fresh = env.client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": user.password, "totp_code": new_codes[0]}
    )
    assert fresh.status_code == 200

    with clock.use(clock.OffsetClock()) as later:
        later.advance(seconds=90)  # the enabling code's step is spent; a later code is current
        off = pages.post(f"{PAGE}/totp/disable", {"code": totp.at(clock.time())}, form_page=PAGE)
        assert off.status_code == 303
        after = pages.get(off.headers["location"])  # this browser stays signed in
        assert after.status_code == 200 and "Two-factor sign-in is now off" in after.text
    login = env.client.post("/api/v1/auth/login", json={"email": user.email, "password": user.password})
    assert login.status_code == 200  # the password alone again
