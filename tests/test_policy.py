"""The authorization policy table (SECURITY.md item 5).

Every route of the app has a row here with the access level it must declare; a route without a
row, or declaring another level, fails the test. Each API route is then called by an anonymous
visitor, an unvetted applicant, an LE official, an expert and an admin, and the answer must be
what the table says: refused (401/403) or let through to the handler (anything else, e.g. 404
for a missing object or 400 for an empty body).
"""

import re

PUBLIC, APPLICANT, MEMBER, OFFICIAL, EXPERT, ADMIN = "public", "applicant", "member", "official", "expert", "admin"

POLICY = {
    # API: auth and own account
    ("POST", "/api/v1/auth/register"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/refresh"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): APPLICANT,
    ("POST", "/api/v1/auth/password"): APPLICANT,
    ("POST", "/api/v1/auth/totp/setup"): APPLICANT,
    ("POST", "/api/v1/auth/totp/enable"): APPLICANT,
    ("POST", "/api/v1/auth/totp/disable"): APPLICANT,
    ("POST", "/api/v1/auth/password-reset"): PUBLIC,
    ("POST", "/api/v1/auth/password-reset/confirm"): PUBLIC,
    ("POST", "/api/v1/auth/confirm-email"): PUBLIC,
    ("POST", "/api/v1/auth/invitation"): PUBLIC,
    ("POST", "/api/v1/auth/invitation/accept"): PUBLIC,
    ("POST", "/api/v1/me/confirm-email"): APPLICANT,
    ("GET", "/api/v1/me"): APPLICANT,
    ("PATCH", "/api/v1/me"): APPLICANT,
    ("GET", "/api/v1/notifications"): APPLICANT,
    ("POST", "/api/v1/notifications/read-all"): APPLICANT,
    ("POST", "/api/v1/notifications/{notification_id:int}/read"): APPLICANT,
    # API: directory
    ("GET", "/api/v1/experts/me"): APPLICANT,
    ("PUT", "/api/v1/experts/me"): APPLICANT,
    ("GET", "/api/v1/experts/search"): OFFICIAL,
    ("GET", "/api/v1/experts/{expert_id:int}"): MEMBER,
    # API: consultation desk
    ("GET", "/api/v1/consultations"): MEMBER,
    ("POST", "/api/v1/consultations"): OFFICIAL,
    ("GET", "/api/v1/consultations/search"): MEMBER,
    ("GET", "/api/v1/consultations/{consultation_id:int}"): MEMBER,
    ("PATCH", "/api/v1/consultations/{consultation_id:int}"): OFFICIAL,
    ("GET", "/api/v1/consultations/{consultation_id:int}/candidates"): OFFICIAL,
    ("POST", "/api/v1/consultations/{consultation_id:int}/submit"): OFFICIAL,
    ("POST", "/api/v1/consultations/{consultation_id:int}/withdraw"): OFFICIAL,
    ("POST", "/api/v1/consultations/{consultation_id:int}/close"): OFFICIAL,
    ("POST", "/api/v1/consultations/{consultation_id:int}/reoffer"): ADMIN,
    ("GET", "/api/v1/consultations/{consultation_id:int}/timeline"): MEMBER,
    ("GET", "/api/v1/consultations/{consultation_id:int}/messages"): MEMBER,
    ("POST", "/api/v1/consultations/{consultation_id:int}/messages"): MEMBER,
    ("GET", "/api/v1/consultations/{consultation_id:int}/opinion"): MEMBER,
    ("POST", "/api/v1/consultations/{consultation_id:int}/opinion"): EXPERT,
    ("GET", "/api/v1/consultations/{consultation_id:int}/attachments"): MEMBER,
    ("POST", "/api/v1/consultations/{consultation_id:int}/attachments"): MEMBER,
    ("GET", "/api/v1/consultations/{consultation_id:int}/attachments/{attachment_id:int}"): MEMBER,
    ("GET", "/api/v1/consultations/{consultation_id:int}/attachments/{attachment_id:int}/download"): MEMBER,
    # API: objects, CSV intake, linked cases, "seen before" (objects package)
    ("GET", "/api/v1/consultations/{consultation_id:int}/objects"): MEMBER,
    ("POST", "/api/v1/consultations/{consultation_id:int}/objects"): OFFICIAL,
    ("PATCH", "/api/v1/consultations/{consultation_id:int}/objects/{object_id:int}"): OFFICIAL,
    ("DELETE", "/api/v1/consultations/{consultation_id:int}/objects/{object_id:int}"): OFFICIAL,
    ("POST", "/api/v1/consultations/{consultation_id:int}/objects/import"): OFFICIAL,
    ("GET", "/api/v1/consultations/{consultation_id:int}/linked"): MEMBER,
    ("GET", "/api/v1/consultations/{consultation_id:int}/seen-before"): ADMIN,
    ("GET", "/api/v1/admin/seen-before"): ADMIN,
    ("POST", "/api/v1/admin/seen-before/{flag_id:int}/link"): ADMIN,
    ("POST", "/api/v1/admin/seen-before/{flag_id:int}/dismiss"): ADMIN,
    ("GET", "/api/v1/offers"): EXPERT,
    ("POST", "/api/v1/offers/{offer_id:int}/accept"): EXPERT,
    ("POST", "/api/v1/offers/{offer_id:int}/decline"): EXPERT,
    # API: admin
    ("GET", "/api/v1/admin/members"): ADMIN,
    ("GET", "/api/v1/admin/members/{member_id:int}"): ADMIN,
    ("GET", "/api/v1/admin/members/{member_id:int}/decisions"): ADMIN,
    ("POST", "/api/v1/admin/members/{member_id:int}/approve"): ADMIN,
    ("POST", "/api/v1/admin/members/{member_id:int}/reject"): ADMIN,
    ("POST", "/api/v1/admin/members/{member_id:int}/suspend"): ADMIN,
    ("POST", "/api/v1/admin/members/{member_id:int}/revet"): ADMIN,
    ("POST", "/api/v1/admin/members/invite"): ADMIN,
    ("POST", "/api/v1/admin/members/invite-imported"): ADMIN,
    ("POST", "/api/v1/admin/members/{member_id:int}/invite"): ADMIN,
    ("POST", "/api/v1/admin/members/{member_id:int}/invitation/revoke"): ADMIN,
    ("GET", "/api/v1/admin/audit"): ADMIN,
    ("GET", "/api/v1/admin/audit/verify"): ADMIN,
    ("GET", "/api/v1/admin/coverage"): ADMIN,
    ("GET", "/api/v1/admin/retention"): ADMIN,
    ("POST", "/api/v1/admin/retention/{consultation_id:int}/erase"): ADMIN,
    # Operations and API description
    ("GET", "/health"): PUBLIC,
    ("GET", "/schema"): PUBLIC,
    ("GET", "/schema/openapi.json"): PUBLIC,
    ("GET", "/schema/swagger"): PUBLIC,
    ("GET", "/schema/oauth2-redirect.html"): PUBLIC,
    ("GET", "/schema/{path:str}"): PUBLIC,
    ("GET", "/static/{file_path:path}"): PUBLIC,
    # Pages
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): APPLICANT,
    ("GET", "/register"): PUBLIC,
    ("POST", "/register"): PUBLIC,
    ("POST", "/language"): PUBLIC,
    ("GET", "/time-zone"): APPLICANT,
    ("POST", "/time-zone"): APPLICANT,
    ("GET", "/application"): APPLICANT,
    ("POST", "/application"): APPLICANT,
    ("POST", "/application/confirm-email"): APPLICANT,
    ("GET", "/forgot-password"): PUBLIC,
    ("POST", "/forgot-password"): PUBLIC,
    ("GET", "/reset-password/{token:str}"): PUBLIC,
    ("POST", "/reset-password/{token:str}"): PUBLIC,
    ("GET", "/confirm-email/{token:str}"): PUBLIC,
    ("POST", "/confirm-email/{token:str}"): PUBLIC,
    ("GET", "/join/{token:str}"): PUBLIC,
    ("POST", "/join/{token:str}"): PUBLIC,
    ("GET", "/profile"): APPLICANT,
    ("POST", "/profile"): APPLICANT,
    ("GET", "/directory"): OFFICIAL,
    ("GET", "/directory/results"): OFFICIAL,
    ("GET", "/experts/{expert_id:int}"): MEMBER,
    ("GET", "/consultations"): MEMBER,
    ("GET", "/consultations/new"): OFFICIAL,
    ("POST", "/consultations/new"): OFFICIAL,
    ("GET", "/consultations/{consultation_id:int}"): MEMBER,
    ("GET", "/consultations/{consultation_id:int}/edit"): OFFICIAL,
    ("POST", "/consultations/{consultation_id:int}/edit"): OFFICIAL,
    ("POST", "/consultations/{consultation_id:int}/submit"): OFFICIAL,
    ("POST", "/consultations/{consultation_id:int}/withdraw"): OFFICIAL,
    ("POST", "/consultations/{consultation_id:int}/close"): OFFICIAL,
    ("POST", "/consultations/{consultation_id:int}/messages"): MEMBER,
    ("POST", "/consultations/{consultation_id:int}/opinion"): EXPERT,
    ("POST", "/consultations/{consultation_id:int}/attachments"): MEMBER,
    ("GET", "/consultations/{consultation_id:int}/attachments/{attachment_id:int}"): MEMBER,
    ("GET", "/consultations/{consultation_id:int}/attachments/{attachment_id:int}/thumbnail"): MEMBER,
    ("GET", "/consultations/{consultation_id:int}/opinion/print"): MEMBER,
    ("GET", "/consultations/{consultation_id:int}/opinion.pdf"): MEMBER,
    ("POST", "/consultations/{consultation_id:int}/reoffer"): ADMIN,
    ("POST", "/consultations/{consultation_id:int}/objects"): OFFICIAL,
    ("POST", "/consultations/{consultation_id:int}/objects/import"): OFFICIAL,
    ("POST", "/consultations/{consultation_id:int}/objects/{object_id:int}/edit"): OFFICIAL,
    ("POST", "/consultations/{consultation_id:int}/objects/{object_id:int}/delete"): OFFICIAL,
    ("GET", "/admin/seen-before"): ADMIN,
    ("POST", "/admin/seen-before/{flag_id:int}/{action:str}"): ADMIN,
    ("GET", "/offers"): EXPERT,
    ("POST", "/offers/{offer_id:int}/accept"): EXPERT,
    ("POST", "/offers/{offer_id:int}/decline"): EXPERT,
    ("GET", "/admin/members"): ADMIN,
    ("GET", "/admin/members/{member_id:int}"): ADMIN,
    ("POST", "/admin/members/{member_id:int}/{action:str}"): ADMIN,
    ("POST", "/admin/members/invite-imported"): ADMIN,
    ("POST", "/admin/members/invite"): ADMIN,
    ("GET", "/admin/escalations"): ADMIN,
    ("GET", "/admin/coverage"): ADMIN,
    ("GET", "/admin/audit"): ADMIN,
    ("GET", "/admin/retention"): ADMIN,
    ("POST", "/admin/retention/{consultation_id:int}/erase"): ADMIN,
    # Sessions and the second factor (issue 14)
    ("GET", "/session/status"): PUBLIC,
    ("POST", "/session/renew"): APPLICANT,
    ("POST", "/admin/members/{member_id:int}/second-factor/reset"): ADMIN,
    ("GET", "/account/security"): APPLICANT,
    ("POST", "/account/security/recovery-codes"): APPLICANT,
    ("POST", "/account/security/totp/setup"): APPLICANT,
    ("POST", "/account/security/totp/enable"): APPLICANT,
    ("POST", "/account/security/totp/disable"): APPLICANT,
    ("POST", "/api/v1/auth/recovery-codes"): APPLICANT,
    ("GET", "/api/v1/auth/second-factor"): APPLICANT,
    ("POST", "/api/v1/admin/members/{member_id:int}/totp/reset"): ADMIN,
    # Pages: notifications, live fragments, the admin's escalation tools (bell)
    ("GET", "/notifications"): APPLICANT,
    ("GET", "/notifications/bell"): APPLICANT,
    ("POST", "/notifications/{notification_id:int}/read"): APPLICANT,
    ("POST", "/notifications/read-all"): APPLICANT,
    ("GET", "/consultations/{consultation_id:int}/live"): MEMBER,
    ("GET", "/offers/live"): EXPERT,
    ("GET", "/consultations/{consultation_id:int}/escalation/experts"): ADMIN,
    ("POST", "/consultations/{consultation_id:int}/languages"): ADMIN,
    ("POST", "/consultations/{consultation_id:int}/secretariat-message"): ADMIN,
}

ALLOWED = {
    "anonymous": {PUBLIC},
    "applicant": {PUBLIC, APPLICANT},
    "official": {PUBLIC, APPLICANT, MEMBER, OFFICIAL},
    "expert": {PUBLIC, APPLICANT, MEMBER, EXPERT},
    "admin": {PUBLIC, APPLICANT, MEMBER, OFFICIAL, ADMIN},
}
# Calls that would revoke the caller's own token are probed only where they must be refused.
REVOKES_CALLER = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


def app_routes(app) -> dict[tuple[str, str], str | None]:
    found = {}
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            for method in getattr(handler, "http_methods", ()) or ():
                if method in ("HEAD", "OPTIONS"):
                    continue
                found[(method, route.path)] = handler.opt.get("access")
    return found


def test_every_route_has_a_row_and_declares_it(settings):
    from expertnet.app import create_app

    routes = app_routes(create_app(settings))
    missing = sorted(set(routes) - set(POLICY))
    assert not missing, f"routes without a row in the policy table: {missing}"
    stale = sorted(set(POLICY) - set(routes))
    assert not stale, f"rows for routes that no longer exist: {stale}"
    wrong = {key: (routes[key], POLICY[key]) for key in routes if routes[key] != POLICY[key]}
    assert not wrong, f"declared level differs from the table (declared, table): {wrong}"


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "999999", path)


def test_api_answers_follow_the_table(env):
    users = {
        "anonymous": None,
        "applicant": env.register("le_official"),
        "official": env.member("le_official"),
        "expert": env.member("expert"),
        "admin": env.admin,
    }
    failures = []
    for (method, path), level in sorted(POLICY.items()):
        if not path.startswith("/api/"):
            continue
        for who, user in users.items():
            allowed = level in ALLOWED[who]
            if allowed and (method, path) in REVOKES_CALLER:
                continue
            headers = user.headers if user else {}
            kwargs = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
            r = env.client.request(method, _concrete(path), headers=headers, **kwargs)
            refused = r.status_code in (401, 403)
            if allowed == refused:
                failures.append(f"{who:9} {method:5} {path} -> {r.status_code} (table: {level})")
            if not allowed and who == "anonymous" and r.status_code != 401:
                failures.append(f"{who:9} {method:5} {path} -> {r.status_code}, expected 401")
            if r.status_code >= 500:
                failures.append(f"{who:9} {method:5} {path} -> {r.status_code}")
    assert not failures, "\n".join(failures)
