from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache


def _client_address(request) -> str:  # type: ignore[no-untyped-def]
    return request.META.get("REMOTE_ADDR", "") if request is not None else ""


class ThrottledLoginForm(AuthenticationForm):
    """Login that slows down guessing: after LOGIN_FAILURE_LIMIT failures for one username from one address
    within LOGIN_FAILURE_WINDOW_S seconds, further attempts are refused until the window has passed."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码不正确，请重新输入（注意区分大小写）。",
        "inactive": "该账号已停用，请联系县民政局。",
        "throttled": "登录失败次数过多，请 %(minutes)d 分钟后再试。",
    }

    def _failure_key(self) -> str:
        username = (self.data.get("username") or "").strip().lower()
        return f"login-failures:{username}:{_client_address(self.request)}"

    def clean(self):  # type: ignore[no-untyped-def]
        key = self._failure_key()
        if cache.get(key, 0) >= settings.LOGIN_FAILURE_LIMIT:
            raise forms.ValidationError(
                self.error_messages["throttled"],
                code="throttled",
                params={"minutes": max(1, settings.LOGIN_FAILURE_WINDOW_S // 60)},
            )
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW_S) is False:
                cache.incr(key)
            raise
        cache.delete(key)
        return cleaned
