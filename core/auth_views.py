"""`POST /api/v1/auth/token/` (SPEC 8), `/auth/logout/` and `/auth/logout-all/`, and the page logout (issue 11).

The token endpoint authenticates through Django's `authenticate(request=...)`, so django-axes counts
its failures and locks it out exactly as it does the login page (429 `locked_out`)."""

from django.contrib.auth import authenticate, user_logged_out
from django.contrib.auth import views as auth_views
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import Refused
from core.tokens import token_create, token_revoke, tokens_revoke_all


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})


TokenSerializer = inline_serializer(
    "Token", {"token": serializers.CharField(), "expiry": serializers.DateTimeField(allow_null=True)}
)


class TokenView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    api_error_statuses = (429,)  # locked_out (core.schema)

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # axes reads and flags the Django request, not DRF's wrapper
        user = authenticate(request=request._request, **data.validated_data)
        if getattr(request._request, "axes_locked_out", False):
            return Response(status=status.HTTP_429_TOO_MANY_REQUESTS)  # AxesMiddleware writes the answer
        if user is None or not user.is_active:
            raise Refused("invalid", _("That username and password do not match."), field="password")
        key, expiry = token_create(user=user)
        return Response({"token": key, "expiry": expiry})


class LogoutView(APIView):
    authentication_classes = (TokenAuthentication,)
    permission_classes = (IsAuthenticated,)

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        """Revoke the token this request was sent with."""
        token_revoke(token=request.auth)
        user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    authentication_classes = (TokenAuthentication,)
    permission_classes = (IsAuthenticated,)

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        """Revoke every token of the user."""
        tokens_revoke_all(user=request.user)
        user_logged_out.send(sender=request.user.__class__, request=request._request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutPageView(auth_views.LogoutView):
    """`POST /logout/`: ends the session and revokes every API token of the user, so nothing a person
    was handed outlives their logout."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            tokens_revoke_all(user=request.user)
        return super().post(request, *args, **kwargs)
