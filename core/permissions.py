"""Role permissions (SPEC 1): `roles(...)` for DRF views, `role_required(...)` for pages."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseForbidden
from django.shortcuts import render
from rest_framework import permissions


class HasRole(permissions.BasePermission):
    """Only the named roles may use the endpoint; every other one is denied (SPEC 1)."""

    roles: tuple[str, ...] = ()

    def has_permission(self, request, view):
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


def roles(*names: str) -> type[HasRole]:
    return type(f"Role_{'_'.join(names)}", (HasRole,), {"roles": names})


def role_required(*roles):
    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.user.role not in roles:
                return HttpResponseForbidden(render(request, "forbidden.html", {"roles": roles}).content)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
