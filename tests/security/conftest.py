"""Security fixtures: the three administrators (三员分立) next to the business roles of ``org``."""

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from tests import factories as f

PASSWORD = f.DEFAULT_PASSWORD


@dataclass
class Admins:
    system: User
    security: User
    audit: User


@pytest.fixture
def admins(org) -> Admins:
    dept = org.office_dept
    return Admins(
        system=f.UserFactory(username="sysadmin1", department=dept, roles=[Role.SYSTEM_ADMIN]),
        security=f.UserFactory(username="secadmin1", department=dept, roles=[Role.SECURITY_ADMIN]),
        audit=f.UserFactory(username="auditadmin1", department=dept, roles=[Role.AUDIT_ADMIN]),
    )


def login_post(client: Client, username: str, password: str = PASSWORD, *, ip: str = "10.0.0.1", path=None):
    return client.post(path or reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


@pytest.fixture
def login():
    return login_post
