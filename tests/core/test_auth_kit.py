"""The kit's guard names roles and the vetting status by value, so that it imports no domain;
these must stay the values members.models defines."""

from expertnet.core import auth
from expertnet.members.models import Role, VettingStatus


def test_guard_values_are_the_members_enums():
    assert {role.value for role in Role} == {auth.ROLE_ADMIN, auth.ROLE_OFFICIAL, auth.ROLE_EXPERT}
    assert auth.APPROVED == VettingStatus.approved.value
